/**
 * Counters and histograms aggregated in this process, for the Prometheus text of
 * GET /api/metrics: what an OpenTelemetry SDK would aggregate, kept without one. A series is
 * keyed by its label values (in the order the labels were given), so recording is a map lookup
 * and an add. Label values come from bounded sets (function names, outcomes, worker ids of this
 * process), so the maps stay small.
 */

export type Labels = Readonly<Record<string, string>>;

/** A labelled value: a counter's total, or a gauge's reading. */
export interface Sample {
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  labels: Labels;
  /** Cumulative count of observations ≤ each bound, in the order of the bounds. */
  buckets: number[];
  sum: number;
  count: number;
}

function keyOf(labels: Labels): string {
  return Object.values(labels).join("\u0001");
}

export class LocalCounter {
  private readonly series = new Map<string, Sample>();

  add(labels: Labels, value = 1): void {
    const key = keyOf(labels);
    const sample = this.series.get(key);
    if (sample) sample.value += value;
    else this.series.set(key, { labels, value });
  }

  samples(): Sample[] {
    return [...this.series.values()].map((s) => ({ ...s }));
  }
}

export class LocalHistogram {
  /** Per series: a count per bound (not cumulative; the last slot counts what is above every bound). */
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(readonly bounds: readonly number[]) {}

  record(labels: Labels, value: number): void {
    const key = keyOf(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, counts: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  samples(): HistogramSample[] {
    return [...this.series.values()].map(({ labels, counts, sum, count }) => {
      let running = 0;
      const buckets = this.bounds.map((_, i) => (running += counts[i]!));
      return { labels, buckets, sum, count };
    });
  }
}
