/**
 * The overview's charts: throughput (instances finished store-wide, and activity attempts
 * completed by this process's workers, per second over each poll interval) and queue depth
 * (ready work per queue), from GET /api/metrics polled while the charts are shown.
 */
import { useMemo } from "preact/hooks";
import type { JSX } from "preact";
import { chartColumns } from "../view-models/metrics.js";
import { UPlotChart, type ChartSeries } from "./UPlotChart.js";
import { useMetricsPoints, type FetchMetricsText } from "./use-metrics.js";

const THROUGHPUT: readonly ChartSeries[] = [
  { label: "instances finished", colorVar: "--chart-finished" },
  { label: "activity attempts completed", colorVar: "--chart-attempts" },
];
const QUEUE_DEPTH: readonly ChartSeries[] = [
  { label: "orchestration queue", colorVar: "--chart-orchestrations" },
  { label: "activity queue", colorVar: "--chart-activities" },
];

export function MetricsCharts({ fetchText, intervalMs }: { fetchText?: FetchMetricsText; intervalMs?: number }): JSX.Element {
  const { points, error } = useMetricsPoints(fetchText, intervalMs);
  const columns = useMemo(() => chartColumns(points), [points]);
  return (
    <div class="baton-charts" data-points={points.length}>
      {error ? <p class="chart-error" role="status">Metrics unavailable: {error}</p> : null}
      <UPlotChart title="Throughput" unit="/s" series={THROUGHPUT} data={columns.throughput} />
      <UPlotChart title="Queue depth" unit="ready" series={QUEUE_DEPTH} data={columns.queueDepth} />
    </div>
  );
}
