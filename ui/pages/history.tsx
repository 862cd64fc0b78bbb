/** The Instance page's history: a list of its events, or the raw JSON. */
import { useState } from "preact/hooks";
import { api, type InstanceStatus } from "../api";
import { ErrorLine, JsonView } from "../components/common";
import { useLoad } from "../hooks";

type View = "list" | "json";

export function History({ status }: { status: InstanceStatus }) {
  const [view, setView] = useState<View>("list");
  const [loaded] = useLoad(() => api.history(status.instanceId, 0, 500), [status.instanceId, status.lastUpdatedAt]);
  return (
    <div class="history" role="region" aria-label="History">
      <h2>History</h2>
      <div role="tablist">
        {(["list", "json"] as const).map((v) => (
          <button key={v} type="button" role="tab" aria-selected={view === v} onClick={() => setView(v)}>
            {v === "list" ? "List" : "Raw JSON"}
          </button>
        ))}
      </div>
      {loaded.state === "error" ? <ErrorLine error={loaded.error} /> : null}
      {loaded.state === "ok" && view === "json" ? <JsonView label="History as JSON" value={loaded.value.events} /> : null}
      {loaded.state === "ok" && view === "list" ? (
        <ol class="events">
          {loaded.value.events.map((event, index) => (
            <li key={index}>
              {event.type} {typeof event.name === "string" ? event.name : ""}
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
