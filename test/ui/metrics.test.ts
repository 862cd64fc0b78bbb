import { describe, expect, it } from "vitest";
import { appendPoint, chartColumns, chartTimeRange, isZoom, metricsPoint, MIN_WINDOW_S, parsePrometheusText, timeWindow, type MetricsPoint } from "../../ui/view-models/metrics.js";

/** A scrape as GET /api/metrics writes it (HELP, TYPE, escaped labels, a histogram's buckets). */
const SCRAPE = `# HELP baton_instances Instances in the store, by runtime status.
# TYPE baton_instances gauge
baton_instances{status="Running"} 4
baton_instances{status="Completed"} 120
baton_instances{status="Failed"} 3
baton_instances{status="Terminated"} 1
# TYPE baton_work_ready gauge
baton_work_ready{queue="orchestration",function="Order"} 2
baton_work_ready{queue="activity",function="Charge"} 7
baton_work_ready{queue="activity",function="Ship \\"fast\\""} 5
# TYPE baton_activity_attempts_total counter
baton_activity_attempts_total{activity="Charge",outcome="completed"} 40
baton_activity_attempts_total{activity="Charge",outcome="retry"} 9
baton_activity_attempts_total{activity="Ship",outcome="completed"} 2
# TYPE baton_commit_duration_seconds histogram
baton_commit_duration_seconds_bucket{le="0.001"} 3
baton_commit_duration_seconds_bucket{le="+Inf"} 10
baton_commit_duration_seconds_sum 0.5
baton_commit_duration_seconds_count 10
not a sample line
`;

describe("the metrics charts' data", () => {
  it("parses Prometheus text: names, escaped labels, values, and skips what it cannot read", () => {
    const samples = parsePrometheusText(SCRAPE);
    expect(samples).toHaveLength(14);
    expect(samples[6]).toEqual({ name: "baton_work_ready", labels: { queue: "activity", function: 'Ship "fast"' }, value: 5 });
    expect(samples.find((s) => s.labels.le === "+Inf")?.value).toBe(10);
    expect(samples.at(-1)).toEqual({ name: "baton_commit_duration_seconds_count", labels: {}, value: 10 });
    expect(parsePrometheusText('x{a="1} 2\nm +Inf\n')).toEqual([{ name: "m", labels: {}, value: Infinity }]);
  });

  it("sums finished instances, completed attempts and ready work per queue", () => {
    expect(metricsPoint(parsePrometheusText(SCRAPE), 5000)).toEqual({
      atMs: 5000,
      finished: 124,
      attemptsCompleted: 42,
      ready: { orchestration: 2, activity: 12 },
    });
    expect(metricsPoint([], 0).attemptsCompleted).toBeUndefined();
  });

  it("derives rates per second per interval, with a gap where counts fell (a purge) or are absent", () => {
    const point = (atMs: number, finished: number, attempts?: number): MetricsPoint => ({ atMs, finished, attemptsCompleted: attempts, ready: { orchestration: 1, activity: finished } });
    const columns = chartColumns([point(0, 100, 10), point(5000, 150, 20), point(10_000, 40), point(15_000, 50, 30)]);
    expect(columns.throughput).toEqual([[0, 5, 10, 15], [null, 10, null, 2], [null, 2, null, null]]);
    expect(columns.queueDepth).toEqual([[0, 5, 10, 15], [1, 1, 1, 1], [100, 150, 40, 50]]);
  });

  it("keeps a bounded window of points", () => {
    let points: MetricsPoint[] = [];
    for (let i = 0; i < 10; i++) points = appendPoint(points, { atMs: i, finished: 0, attemptsCompleted: undefined, ready: { orchestration: 0, activity: 0 } }, 4);
    expect(points.map((p) => p.atMs)).toEqual([6, 7, 8, 9]);
  });

  it("draws at least a minute of time, ending at the newest point, however few points there are", () => {
    const now = 1_800_000_000;
    expect(timeWindow(null, null, now)).toEqual([now - MIN_WINDOW_S, now]);
    expect(timeWindow(now - 5, now - 5, now)).toEqual([now - 5 - MIN_WINDOW_S, now - 5]);
    expect(timeWindow(now - 10, now, now)).toEqual([now - MIN_WINDOW_S, now]);
    expect(timeWindow(now - 3600, now, now)).toEqual([now - 3600, now]);
  });

  it("keeps the range a user dragged to zoom on; widens only the data's own range", () => {
    const now = 1_800_000_000;
    const times = [now - 300, now - 200, now - 100, now];
    expect(chartTimeRange(times, now - 250, now - 240, now)).toEqual([now - 250, now - 240]);
    expect(chartTimeRange(times, now - 300, now, now)).toEqual([now - 300, now]);
    expect(chartTimeRange([now - 5, now], now - 5, now, now)).toEqual([now - MIN_WINDOW_S, now]);
    // A single point, which uPlot pads by 1,000 days: a minute ending at it.
    expect(chartTimeRange([now - 5], now - 5, now - 5 + 86_400_000, now)).toEqual([now - 5 - MIN_WINDOW_S, now - 5]);
    expect(chartTimeRange([], null, null, now)).toEqual([now - MIN_WINDOW_S, now]);
  });

  it("tells a zoom from the data's own range, which uPlot asks for at each new poll", () => {
    const times = [100, 200, 300];
    expect(isZoom(times, 150, 250)).toBe(true);
    expect(isZoom(times, 100, 250)).toBe(true);
    expect(isZoom(times, 100, 300)).toBe(false);
    expect(isZoom([100], 50, 150)).toBe(false);
    expect(isZoom(times, null, null)).toBe(false);
  });
});
