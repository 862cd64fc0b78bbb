/**
 * `<InstanceHistory instanceId>`: an instance's history as a timeline or as a list (a toggle),
 * loaded a page at a time (use-history.ts). For the instance page; the browser tests and the
 * bench open it on its own.
 *
 * When the first page is on screen it sets the performance mark HISTORY_READY_MARK, which the
 * bench reads (the time from navigation to a usable view).
 */
import { useEffect, useState } from "preact/hooks";
import type { JSX } from "preact";
import { HistoryList } from "./HistoryList.js";
import { Timeline } from "./Timeline.js";
import { useHistory, type FetchHistoryPage } from "./use-history.js";

export const HISTORY_READY_MARK = "baton:history-ready";

export type HistoryView = "timeline" | "list";

export function InstanceHistory({ instanceId, fetchPage, initialView = "timeline" }: { instanceId: string; fetchPage?: FetchHistoryPage; initialView?: HistoryView }): JSX.Element {
  const loaded = useHistory(instanceId, fetchPage);
  const [view, setView] = useState<HistoryView>(initialView);
  const shown = loaded.history.length > 0;

  useEffect(() => {
    if (!shown) return;
    requestAnimationFrame(() => {
      if (performance.getEntriesByName(HISTORY_READY_MARK).length === 0) performance.mark(HISTORY_READY_MARK);
    });
  }, [shown]);

  return (
    <section class="baton-instance-history" data-history-loaded={loaded.history.length} data-history-total={loaded.total}>
      <div class="ih-views" role="tablist" aria-label="History view">
        {(["timeline", "list"] as const).map((name) => (
          <button key={name} type="button" role="tab" aria-selected={view === name} onClick={() => setView(name)}>
            {name === "timeline" ? "Timeline" : "Events"}
          </button>
        ))}
      </div>
      {loaded.error ? <p role="alert">Could not load the history: {loaded.error}</p> : null}
      {!shown && loaded.loading ? <p role="status">Loading the history…</p> : null}
      {shown && view === "timeline" ? <Timeline history={loaded.history} total={loaded.total} loadMore={loaded.loadMore} /> : null}
      {shown && view === "list" ? <HistoryList history={loaded.history} total={loaded.total} loadMore={loaded.loadMore} /> : null}
    </section>
  );
}
