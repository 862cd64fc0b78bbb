/**
 * The Instance page's history in three views: the timeline, the compact list (both from
 * ui/timeline/, loading pages as they scroll), and the raw JSON of what is loaded. Loaded
 * again from the start when the instance changes.
 */
import { useCallback, useState } from "preact/hooks";
import { api, type InstanceStatus } from "../api.js";
import { JsonView } from "../components/common.js";
import { HistoryList } from "../timeline/HistoryList.js";
import { Timeline } from "../timeline/Timeline.js";
import { useHistory } from "../timeline/use-history.js";

const VIEWS = { timeline: "Timeline", list: "List", json: "Raw JSON" } as const;
type View = keyof typeof VIEWS;

export function History({ status }: { status: InstanceStatus }) {
  const [view, setView] = useState<View>("timeline");
  // A new function when the instance changed: useHistory then loads from the first page again.
  const fetchPage = useCallback((id: string, from: number, limit: number) => api.history(id, from, limit), [status.lastUpdatedAt]);
  const loaded = useHistory(status.instanceId, fetchPage);
  return (
    <div class="history" role="region" aria-label="History">
      <h2>
        History <small>({loaded.total} events)</small>
      </h2>
      <div role="tablist" aria-label="History views" class="tabs" onKeyDown={(event) => moveTab(event, view, setView)}>
        {(Object.keys(VIEWS) as View[]).map((v) => (
          <button
            key={v}
            type="button"
            role="tab"
            id={`history-tab-${v}`}
            aria-selected={view === v}
            tabIndex={view === v ? 0 : -1}
            onClick={() => setView(v)}
          >
            {VIEWS[v]}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-labelledby={`history-tab-${view}`}>
        {loaded.error ? (
          <p class="error" role="alert">
            {loaded.error}
          </p>
        ) : null}
        {view === "timeline" ? <Timeline history={loaded.history} total={loaded.total} loadMore={loaded.loadMore} /> : null}
        {view === "list" ? <HistoryList history={loaded.history} total={loaded.total} loadMore={loaded.loadMore} /> : null}
        {view === "json" ? <JsonView label="History as JSON" value={loaded.history} /> : null}
      </div>
    </div>
  );
}

/** Tabs as ARIA has them: one in the tab order, ←/→ (Home/End) move between them. */
function moveTab(event: KeyboardEvent, view: View, setView: (view: View) => void): void {
  const views = Object.keys(VIEWS) as View[];
  const at = views.indexOf(view);
  const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: views.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const next = views[(to + views.length) % views.length]!;
  setView(next);
  document.getElementById(`history-tab-${next}`)?.focus();
}
