/**
 * The Workers page's figures out of GET /api/metrics: per function, the work ready to claim
 * (`baton_work_ready`) and how long the oldest ready item has waited
 * (`baton_work_ready_oldest_age_seconds`), both labelled by queue and function; per activity,
 * the share of attempts that failed; per worker of the serving process, its slots in use.
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

/** Attempts of one activity run by the serving process, and the share that failed (retried or for good). */
export interface AttemptFigures {
  activity: string;
  attempts: number;
  failed: number;
  failureRate: number;
}

/** Per activity, from `baton_activity_attempts_total{activity, outcome}`: most failing first. */
export function attemptFigures(samples: readonly MetricSample[]): AttemptFigures[] {
  const rows = new Map<string, AttemptFigures>();
  for (const sample of samples) {
    if (sample.name !== "baton_activity_attempts_total") continue;
    const activity = sample.labels.activity ?? "";
    let row = rows.get(activity);
    if (!row) rows.set(activity, (row = { activity, attempts: 0, failed: 0, failureRate: 0 }));
    row.attempts += sample.value;
    if (sample.labels.outcome !== "completed") row.failed += sample.value;
  }
  for (const row of rows.values()) row.failureRate = row.attempts > 0 ? row.failed / row.attempts : 0;
  return [...rows.values()].sort((a, b) => b.failureRate - a.failureRate || a.activity.localeCompare(b.activity));
}

/** Slots in use and in all, per worker of the serving process and kind (`baton_worker_slots_used` / `_capacity`). */
export interface SlotFigures {
  episode: { used: number; capacity: number };
  attempt: { used: number; capacity: number };
}

export function slotFigures(samples: readonly MetricSample[]): Map<string, SlotFigures> {
  const byWorker = new Map<string, SlotFigures>();
  for (const sample of samples) {
    const field = sample.name === "baton_worker_slots_used" ? "used" : sample.name === "baton_worker_slots_capacity" ? "capacity" : undefined;
    const kind = sample.labels.kind;
    const workerId = sample.labels.worker_id;
    if (!field || (kind !== "episode" && kind !== "attempt") || workerId === undefined) continue;
    let figures = byWorker.get(workerId);
    if (!figures) byWorker.set(workerId, (figures = { episode: { used: 0, capacity: 0 }, attempt: { used: 0, capacity: 0 } }));
    figures[kind][field] = sample.value;
  }
  return byWorker;
}
