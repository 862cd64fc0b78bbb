/**
 * GET /api/metrics (Prometheus text) → the points the charts draw. Pure: the page polls, this
 * parses and derives.
 *
 * Throughput is derived from counts the store keeps store-wide (`baton_instances` of the
 * finished statuses), so it shows every worker's completions, not only this process's; a
 * purge lowers those counts, and an interval where they fell is a gap, not a negative rate.
 * Activity attempts completed come from this process's workers (`baton_activity_attempts_total`)
 * and are absent when it runs none. Queue depth is `baton_work_ready` summed per queue.
 */

export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** Past this many samples the rest of a scrape is ignored: the page must stay responsive. */
export const MAX_SAMPLES = 20_000;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/** The samples of a Prometheus text exposition; comments and lines it cannot read are skipped. */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels = parseLabels(match[2] ?? "");
    const value = parseValue(match[3]!);
    if (labels === undefined || value === undefined) continue;
    samples.push({ name: match[1]!, labels, value });
    if (samples.length >= MAX_SAMPLES) break;
  }
  return samples;
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) return undefined;
    labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** What one scrape contributes to the charts. */
export interface MetricsPoint {
  atMs: number;
  /** Instances in a finished status, store-wide. */
  finished: number;
  /** Activity attempts completed by this process's workers, undefined when none reported. */
  attemptsCompleted: number | undefined;
  ready: { orchestration: number; activity: number };
}

const FINISHED = new Set(["Completed", "Failed", "Terminated"]);

export function metricsPoint(samples: readonly MetricSample[], atMs: number): MetricsPoint {
  let finished = 0;
  let attemptsCompleted: number | undefined;
  const ready = { orchestration: 0, activity: 0 };
  for (const sample of samples) {
    if (sample.name === "baton_instances" && FINISHED.has(sample.labels.status ?? "")) finished += sample.value;
    if (sample.name === "baton_activity_attempts_total" && sample.labels.outcome === "completed") attemptsCompleted = (attemptsCompleted ?? 0) + sample.value;
    if (sample.name === "baton_work_ready" && (sample.labels.queue === "orchestration" || sample.labels.queue === "activity")) ready[sample.labels.queue] += sample.value;
  }
  return { atMs, finished, attemptsCompleted, ready };
}

/** Columns for uPlot: x in seconds, then each series; null where there is no figure. */
export interface ChartColumns {
  throughput: [number[], (number | null)[], (number | null)[]];
  queueDepth: [number[], number[], number[]];
}

/** Rates per second over each interval between two points; the first point has none. */
export function chartColumns(points: readonly MetricsPoint[]): ChartColumns {
  const seconds = points.map((point) => point.atMs / 1000);
  const rate = (value: (p: MetricsPoint) => number | undefined) =>
    points.map((point, i) => {
      const before = i > 0 ? value(points[i - 1]!) : undefined;
      const now = value(point);
      const intervalS = i > 0 ? (point.atMs - points[i - 1]!.atMs) / 1000 : 0;
      if (before === undefined || now === undefined || intervalS <= 0 || now < before) return null;
      return (now - before) / intervalS;
    });
  return {
    throughput: [seconds, rate((p) => p.finished), rate((p) => p.attemptsCompleted)],
    queueDepth: [seconds, points.map((p) => p.ready.orchestration), points.map((p) => p.ready.activity)],
  };
}

/** The narrowest time axis the charts draw, in seconds. */
export const MIN_WINDOW_S = 60;

/**
 * The x range of a chart, in seconds: the points' span, widened to at least MIN_WINDOW_S and
 * ending at the newest point. With fewer than two points uPlot would otherwise spread one
 * instant over years; with none, the last minute to `nowS`.
 */
export function timeWindow(minS: number | null, maxS: number | null, nowS: number): [number, number] {
  const end = maxS ?? nowS;
  const start = minS ?? end;
  return end - start >= MIN_WINDOW_S ? [start, end] : [end - MIN_WINDOW_S, end];
}

/**
 * The x range uPlot is to draw, in seconds, given the points' times and the range it asks for:
 * what the user dragged to zoom on, as it is; otherwise (the range of the data, which uPlot
 * pads by 1,000 days around a single point) the points' timeWindow.
 */
export function chartTimeRange(times: ArrayLike<number>, minS: number | null, maxS: number | null, nowS: number): [number, number] {
  if (isZoom(times, minS, maxS)) return [minS!, maxS!];
  return timeWindow(times.length > 0 ? times[0]! : null, times.length > 0 ? times[times.length - 1]! : null, nowS);
}

/**
 * Whether the x range uPlot asks for is one a user chose (a drag) rather than the data's own:
 * uPlot asks for the first and last times when it fits the data (at a new poll, at a
 * double-click that undoes a zoom).
 */
export function isZoom(times: ArrayLike<number>, minS: number | null, maxS: number | null): boolean {
  return times.length >= 2 && minS !== null && maxS !== null && (minS !== times[0] || maxS !== times[times.length - 1]);
}

/** Keeps the last `max` points: a page left open polls for hours. */
export function appendPoint(points: readonly MetricsPoint[], point: MetricsPoint, max = 720): MetricsPoint[] {
  const next = points.length >= max ? points.slice(points.length - max + 1) : points.slice();
  next.push(point);
  return next;
}
