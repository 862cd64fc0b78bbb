/** Small hooks the pages share: the route from the hash, and data loaded from the API. */
import { useCallback, useEffect, useState } from "preact/hooks";
import { parseRoute, routeHash, type Route } from "./view-models/route.js";

/** The route the hash names, following hashchange (Back, Forward, links). */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = (): void => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  return route;
}

/** Goes to a route; `replace` rewrites the current history entry (filters as they are typed). */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const hash = routeHash(route);
  if (options.replace) {
    history.replaceState(null, "", hash);
    dispatchEvent(new HashChangeEvent("hashchange"));
  } else location.hash = hash;
}

export type Loaded<T> = { state: "loading" } | { state: "ok"; value: T } | { state: "error"; error: Error };

/** Loads with `load` whenever `deps` change; `reload` loads again. A stale answer is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: "loading" });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (value) => current && setLoaded({ state: "ok", value }),
      (error: Error) => current && setLoaded({ state: "error", error }),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  return [loaded, useCallback(() => setGeneration((n) => n + 1), [])];
}
