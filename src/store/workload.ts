/**
 * What a store holds right now, as an autoscaler or a dashboard reads it: the work ready to be
 * claimed (per queue and function), and how many instances are in each status. Both stores
 * answer from indexes and small tables only, so that a scrape stays cheap however many
 * instances the store keeps:
 * - ready work is read through the `visible_at` indexes, so it costs what is queued and due;
 * - live statuses (Pending, Running, Suspended) are counted through the status index;
 * - finished ones are kept counted by triggers (migration finished-counts), since they pile up
 *   until purged and counting them would read one index entry each.
 */
import type { RuntimeStatus } from "./store.js";

/** The two queues a worker claims from. */
export type WorkQueueName = "orchestration" | "activity";

/**
 * Work a worker hosting `name` could claim now: orchestration instances with a visible message
 * (not leased, not suspended, not stalled), or activity tasks visible and not leased.
 */
export interface ReadyWork {
  queue: WorkQueueName;
  name: string;
  /** Instances (orchestration queue) or tasks (activity queue). */
  items: number;
  /** When the longest-waiting of them became visible (ms since the epoch). */
  oldestVisibleAt: number;
}

/** The statuses an instance rests in (ContinuedAsNew is passed through within one commit). */
export type StoredStatus = Exclude<RuntimeStatus, "ContinuedAsNew">;

export const STORED_STATUSES: readonly StoredStatus[] = ["Pending", "Running", "Suspended", "Completed", "Failed", "Terminated"];

export type InstanceCounts = Record<StoredStatus, number>;

/** Every status with its count, 0 where the rows have none (counts may come as strings from a driver). */
export function instanceCounts(rows: readonly { runtime_status: string; n: number | string }[]): InstanceCounts {
  const counts = Object.fromEntries(STORED_STATUSES.map((status) => [status, 0])) as InstanceCounts;
  for (const row of rows) {
    if (row.runtime_status in counts) counts[row.runtime_status as StoredStatus] += Number(row.n);
  }
  return counts;
}

/** Rows of both ready-work queries, as one list. */
export function readyWorkOf(
  orchestrations: readonly { name: string; items: number | string; oldest: number | string }[],
  activities: readonly { name: string; items: number | string; oldest: number | string }[],
): ReadyWork[] {
  const of = (queue: WorkQueueName) => (row: { name: string; items: number | string; oldest: number | string }): ReadyWork => ({
    queue,
    name: row.name,
    items: Number(row.items),
    oldestVisibleAt: Number(row.oldest),
  });
  return [...orchestrations.map(of("orchestration")), ...activities.map(of("activity"))];
}
