/**
 * What an instance waits on, as its queues hold it: its activity tasks (attempt, last error,
 * next attempt, running or not), its queued timers, its live children, and what its last
 * episode recorded of what only the engine knows (awaited events, retries in backoff). Both
 * stores read the same rows, each list cut at `limit` (they read one more, to know whether a
 * list was cut); this turns them into the record getStatus shows.
 */
import type { Awaiting } from "../../engine/command.js";
import type { ErrorDetails } from "../../errors.js";
import type { PendingWorkRecord } from "../instance-store.js";
import type { RuntimeStatus } from "../store.js";

export interface PendingRows {
  awaiting: string | null;
  /** Tasks of the current execution, by seq. */
  tasks: {
    seq: number;
    name: string;
    attempt: number;
    visible_at: number;
    lease_owner: string | null;
    lease_expires_at: number;
    last_error: string | null;
  }[];
  /** Queued TimerFired messages, by fire time. */
  timers: { seq: number; visible_at: number }[];
  /** Children of the current execution still live, oldest first. */
  children: { instance_id: string; name: string; runtime_status: string }[];
}

export function pendingWork(rows: PendingRows, now: number, limit: number): PendingWorkRecord {
  const truncated = rows.tasks.length > limit || rows.timers.length > limit || rows.children.length > limit;
  return {
    tasks: rows.tasks.slice(0, limit).map((task) => ({
      seq: Number(task.seq),
      name: task.name,
      attempt: Number(task.attempt),
      visibleAt: Number(task.visible_at),
      // A lease that ran out (its worker died) leaves the task waiting to be claimed again.
      running: task.lease_owner !== null && Number(task.lease_expires_at) > now,
      lastError: task.last_error === null ? undefined : (JSON.parse(task.last_error) as ErrorDetails),
    })),
    timers: rows.timers.slice(0, limit).map((timer) => ({ seq: Number(timer.seq), fireAt: Number(timer.visible_at) })),
    awaiting: rows.awaiting === null ? {} : (JSON.parse(rows.awaiting) as Awaiting),
    children: rows.children.slice(0, limit).map((child) => ({
      instanceId: child.instance_id,
      name: child.name,
      runtimeStatus: child.runtime_status as RuntimeStatus,
    })),
    truncated,
  };
}
