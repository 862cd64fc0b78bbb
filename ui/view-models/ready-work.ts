/**
 * The Workers page's figures out of GET /api/metrics: per function, the work ready to claim
 * (`baton_work_ready`) and how long the oldest ready item has waited
 * (`baton_work_ready_oldest_age_seconds`), both labelled by queue and function.
 */
import type { MetricSample } from "./metrics.js";

export interface ReadyWork {
  queue: string;
  function: string;
  ready: number;
  oldestAgeSeconds: number;
}

/** Ready work per queue and function, longest waiting first. */
export function readyWork(samples: readonly MetricSample[]): ReadyWork[] {
  const rows = new Map<string, ReadyWork>();
  const rowOf = (labels: Readonly<Record<string, string>>): ReadyWork => {
    const key = `${labels.queue}\u0000${labels.function}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { queue: labels.queue ?? "", function: labels.function ?? "", ready: 0, oldestAgeSeconds: 0 }));
    return row;
  };
  for (const sample of samples) {
    if (sample.name === "baton_work_ready") rowOf(sample.labels).ready = sample.value;
    if (sample.name === "baton_work_ready_oldest_age_seconds") rowOf(sample.labels).oldestAgeSeconds = sample.value;
  }
  return [...rows.values()].sort((a, b) => b.oldestAgeSeconds - a.oldestAgeSeconds || a.function.localeCompare(b.function));
}
