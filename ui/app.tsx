/**
 * The app shell: reads GET /api/info (read-only mode, store, version), shows the login form
 * whenever the API answers 401, the navigation, the page the hash route names, and the quick
 * open of an instance by id (press "/" or Ctrl+K anywhere).
 */
import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import { api, whenUnauthorized, type Info } from "./api.js";
import { QuickOpen } from "./components/quick-open.js";
import { navigate, useLoad, useRoute } from "./hooks.js";
import { BulkPage } from "./pages/bulk.js";
import { InstancePage } from "./pages/instance.js";
import { InstancesPage } from "./pages/instances.js";
import { LoginPage } from "./pages/login.js";
import { StartPage } from "./pages/start.js";
import { WorkersPage } from "./pages/workers.js";
import { routeHash, type Route } from "./view-models/route.js";

const InfoContext = createContext<Info | undefined>(undefined);

/** Whether actions are offered: not in read-only mode (nor before /api/info has answered). */
export function useCanAct(): boolean {
  const info = useContext(InfoContext);
  return info !== undefined && !info.readOnly;
}

const NAV: { label: string; route: Route }[] = [
  { label: "Instances", route: { page: "instances", filter: {} } },
  { label: "Bulk", route: { page: "bulk", filter: {} } },
  { label: "Start", route: { page: "start" } },
  { label: "Workers", route: { page: "workers" } },
];

export function App() {
  const [needsLogin, setNeedsLogin] = useState(false);
  const [info, reloadInfo] = useLoad(() => api.info(), []);
  const route = useRoute();
  useEffect(() => whenUnauthorized(() => setNeedsLogin(true)), []);

  if (needsLogin) {
    return (
      <div class="shell" data-app-ready>
        <LoginPage
          onLoggedIn={() => {
            setNeedsLogin(false);
            reloadInfo();
          }}
        />
      </div>
    );
  }
  const current = info.state === "ok" ? info.value : undefined;
  return (
    <InfoContext.Provider value={current}>
      <div class="shell" data-app-ready>
        <header class="top">
          <a class="brand" href="#/instances">
            Baton
          </a>
          <nav aria-label="Pages">
            {NAV.map(({ label, route: target }) => (
              <a href={routeHash(target)} aria-current={target.page === route.page ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
          <span class="info">
            {current ? `${current.store} · v${current.version}${current.readOnly ? " · read-only" : ""}` : null}
          </span>
          {current?.authenticated ? (
            <button type="button" class="link" onClick={() => void api.logout().then(() => setNeedsLogin(true))}>
              Log out
            </button>
          ) : null}
          <QuickOpen onOpen={(instanceId) => navigate({ page: "instance", instanceId })} />
        </header>
        <main>{page(route)}</main>
      </div>
    </InfoContext.Provider>
  );
}

function page(route: Route) {
  switch (route.page) {
    case "instances":
      return <InstancesPage filter={route.filter} />;
    case "instance":
      return <InstancePage key={route.instanceId} instanceId={route.instanceId} />;
    case "bulk":
      return <BulkPage filter={route.filter} />;
    case "start":
      return <StartPage {...(route.name ? { name: route.name } : {})} />;
    case "workers":
      return <WorkersPage />;
  }
}
