/**
 * Polls GET /api/metrics while the component that uses it is mounted, every `intervalMs`
 * (and not while the tab is hidden: nobody looks, the store is spared), keeping a bounded
 * window of points (view-models/metrics.ts).
 */
import { useEffect, useState } from "preact/hooks";
import { appendPoint, metricsPoint, parsePrometheusText, type MetricsPoint } from "../view-models/metrics.js";

export type FetchMetricsText = () => Promise<string>;

/** The API lives beside the page (../api/ from /dashboard/), wherever the dashboard is mounted. */
export const fetchMetricsText: FetchMetricsText = async () => {
  const response = await fetch(new URL("../api/metrics", document.baseURI), { credentials: "same-origin" });
  if (!response.ok) throw new Error(`metrics: HTTP ${response.status}`);
  return response.text();
};

export const METRICS_POLL_MS = 5_000;

export function useMetricsPoints(fetchText: FetchMetricsText = fetchMetricsText, intervalMs = METRICS_POLL_MS): { points: MetricsPoint[]; error: string | undefined } {
  const [points, setPoints] = useState<MetricsPoint[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      if (document.visibilityState !== "hidden") {
        try {
          const point = metricsPoint(parsePrometheusText(await fetchText()), Date.now());
          if (!stopped) {
            setPoints((last) => appendPoint(last, point));
            setError(undefined);
          }
        } catch (caught) {
          if (!stopped) setError(caught instanceof Error ? caught.message : String(caught));
        }
      }
      if (!stopped) timer = setTimeout(poll, intervalMs);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [fetchText, intervalMs]);

  return { points, error };
}
