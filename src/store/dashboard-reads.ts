/**
 * What a dashboard reads of a store besides single instances: the live workers, a page of one
 * history, instances per status under a filter, and which instances changed lately. Every read
 * is bounded and goes through an index, so that it stays cheap on a store of a million
 * instances; the decisions both backends share live here as pure functions.
 */
import type { HistoryEvent } from "../engine/history-event.js";
import type { RuntimeStatus } from "./store.js";

/** A worker whose last heartbeat is younger than its lease, with the functions it hosts. */
export interface WorkerRecord {
  workerId: string;
  activities: string[];
  orchestrations: string[];
  heartbeatAt: number;
  leaseMs: number;
}

/** One instance as the live stream reports a change of it. */
export interface InstanceChange {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  createdAt: number;
  lastUpdatedAt: number;
}

/** Instances per status; a count at the cap means "at least". */
export type StatusCounts = Record<RuntimeStatus, number>;

export const COUNTED_STATUSES: readonly RuntimeStatus[] = ["Pending", "Running", "Suspended", "Completed", "Failed", "Terminated", "ContinuedAsNew"];

/** The statuses a filtered count reads: the filter's own, or all of them. */
export function statusesToCount(filter: readonly RuntimeStatus[] | undefined): RuntimeStatus[] {
  return COUNTED_STATUSES.filter((status) => filter === undefined || filter.length === 0 || filter.includes(status));
}

/** Every status with its count, 0 where none was read (drivers may give counts as strings). */
export function statusCounts(rows: readonly { runtime_status: string; n: number | string }[]): StatusCounts {
  const counts = Object.fromEntries(COUNTED_STATUSES.map((status) => [status, 0])) as StatusCounts;
  for (const row of rows) if (row.runtime_status in counts) counts[row.runtime_status as RuntimeStatus] = Number(row.n);
  return counts;
}

export function workerRecord(row: { worker_id: string; activities: string; orchestrations: string; heartbeat_at: number | string; lease_ms: number | string }): WorkerRecord {
  return {
    workerId: row.worker_id,
    activities: JSON.parse(row.activities) as string[],
    orchestrations: JSON.parse(row.orchestrations) as string[],
    heartbeatAt: Number(row.heartbeat_at),
    leaseMs: Number(row.lease_ms),
  };
}

export function instanceChange(row: { instance_id: string; name: string; runtime_status: string; created_at: number | string; updated_at: number | string }): InstanceChange {
  return {
    instanceId: row.instance_id,
    name: row.name,
    runtimeStatus: row.runtime_status as RuntimeStatus,
    createdAt: Number(row.created_at),
    lastUpdatedAt: Number(row.updated_at),
  };
}

/**
 * Events `from` .. `from + limit - 1` out of the segments read: those that hold position `from`
 * and the ones after it (each segment keyed by the position of its first event).
 */
export function eventsInRange(segments: readonly { first: number; events: HistoryEvent[] }[], from: number, limit: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const segment of segments) {
    segment.events.forEach((event, i) => {
      const position = segment.first + i;
      if (position >= from && position < from + limit) events.push(event);
    });
  }
  return events;
}
