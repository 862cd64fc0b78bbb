/**
 * An instance's history, loaded a page at a time from GET /api/instances/:id/history
 * (`{ events, total, next }`): the first page at once, each further page when the view asks
 * (loadMore, called as the user scrolls near the end of what is loaded). One request at a time.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { HistoryEntryJson } from "../view-models/timeline.js";

export interface HistoryPage {
  events: HistoryEntryJson[];
  total: number;
  /** The index to ask for next, null at the end. */
  next: number | null;
}

export type FetchHistoryPage = (instanceId: string, from: number, limit: number) => Promise<HistoryPage>;

/** Events per request: a page renders in one frame and big histories stay cheap to open. */
export const HISTORY_PAGE_SIZE = 500;

/** The API lives beside the page (../api/ from /dashboard/), wherever the dashboard is mounted. */
export const fetchHistoryPage: FetchHistoryPage = async (instanceId, from, limit) => {
  const url = new URL(`../api/instances/${encodeURIComponent(instanceId)}/history?from=${from}&limit=${limit}`, document.baseURI);
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`history of ${instanceId}: HTTP ${response.status}`);
  return (await response.json()) as HistoryPage;
};

export interface LoadedHistory {
  history: HistoryEntryJson[];
  total: number;
  loading: boolean;
  error: string | undefined;
  /** Asks for the next page; ignored while one is on its way or when all is loaded. */
  loadMore: () => void;
}

export function useHistory(instanceId: string, fetchPage: FetchHistoryPage = fetchHistoryPage, pageSize = HISTORY_PAGE_SIZE): LoadedHistory {
  const [state, setState] = useState<Omit<LoadedHistory, "loadMore"> & { next: number | null }>({ history: [], total: 0, loading: true, error: undefined, next: 0 });
  const inFlight = useRef(false);
  const current = useRef(instanceId);

  const load = useCallback(
    (from: number) => {
      if (inFlight.current) return;
      inFlight.current = true;
      const asked = instanceId;
      setState((s) => ({ ...s, loading: true }));
      fetchPage(asked, from, pageSize).then(
        (page) => {
          inFlight.current = false;
          if (current.current !== asked) return;
          setState((s) => ({ history: from === 0 ? page.events : s.history.concat(page.events), total: page.total, next: page.next, loading: false, error: undefined }));
        },
        (error: unknown) => {
          inFlight.current = false;
          if (current.current !== asked) return;
          setState((s) => ({ ...s, loading: false, error: error instanceof Error ? error.message : String(error) }));
        },
      );
    },
    [instanceId, fetchPage, pageSize],
  );

  useEffect(() => {
    current.current = instanceId;
    inFlight.current = false;
    setState({ history: [], total: 0, loading: true, error: undefined, next: 0 });
    load(0);
  }, [instanceId, load]);

  const loadMore = useCallback(() => {
    if (state.next !== null && !state.loading) load(state.next);
  }, [state.next, state.loading, load]);

  return { history: state.history, total: state.total, loading: state.loading, error: state.error, loadMore };
}
