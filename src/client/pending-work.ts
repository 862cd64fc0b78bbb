/**
 * Why an instance waits, as getStatus shows it: the activities it called (each running, or
 * waiting for its next attempt, with the last failure that made it retry), its timers with
 * their fire times, the events it waits for, and its children still running. Read from the
 * store's queues when asked (plus what its last episode recorded of what only the engine
 * knows: awaited events, retries the orchestration runs), so it is as current as the queues,
 * and costs nothing while nobody asks.
 */
import type { ErrorDetails } from "../errors.js";
import type { PendingWorkRecord, RuntimeStatus } from "../store/store.js";

/** Each list of a status's `pending` holds at most this many items (`truncated` says when one was cut). */
export const MAX_PENDING_SHOWN = 100;

/** What a live instance waits on. */
export interface PendingWork {
  /** Activity calls not finished yet, by seq (a retry waiting for its next attempt: the seq of the attempt that failed). */
  activities: PendingActivity[];
  /**
   * Durable timers (ctx.createTimer, sleep, the timeout of a wait, the backoff of a
   * sub-orchestration's retry), by fire time. The backoff of an activity call's retry that the
   * orchestration runs (a call with its own retryIf) shows as that call, in `activities`.
   */
  timers: { seq: number; fireAt: Date }[];
  /** Names passed to ctx.waitForExternalEvent that no event has answered yet (at most 100). */
  events: string[];
  /** Sub-orchestrations started by this execution that have not ended. */
  children: { instanceId: string; name: string; runtimeStatus: RuntimeStatus }[];
  /** Present when a list held more than MAX_PENDING_SHOWN items and shows only the first ones. */
  truncated?: true;
}

export interface PendingActivity {
  name: string;
  seq: number;
  /** The attempt running now, or the next one to run (1 for the first). */
  attempt: number;
  /** `running`: a worker holds it; `waiting`: queued for a worker, or for its backoff to pass. */
  state: "running" | "waiting";
  /** While waiting: when the attempt may start (after a failure, the end of its backoff). */
  nextAttemptAt?: Date;
  /** Why the previous attempt failed, when this one is a retry. */
  lastFailure?: ErrorDetails;
}

export function toPendingWork(record: PendingWorkRecord): PendingWork {
  const fireTimes = new Map(record.timers.map((timer) => [timer.seq, timer.fireAt]));
  // A retry the orchestration runs waits on a timer: shown as its call, waiting for its next attempt.
  const backoffs = (record.awaiting.retries ?? []).filter((retry) => fireTimes.has(retry.timerSeq));
  const backoffTimers = new Set(backoffs.map((retry) => retry.timerSeq));
  const queued: PendingActivity[] = record.tasks.map((task) => ({
    name: task.name,
    seq: task.seq,
    attempt: task.attempt,
    state: task.running ? "running" : "waiting",
    ...(task.running ? {} : { nextAttemptAt: new Date(task.visibleAt) }),
    ...(task.lastError ? { lastFailure: task.lastError } : {}),
  }));
  const inBackoff: PendingActivity[] = backoffs.map((retry) => ({
    name: retry.name,
    seq: retry.seq,
    attempt: retry.attempt,
    state: "waiting",
    nextAttemptAt: new Date(fireTimes.get(retry.timerSeq)!),
    lastFailure: retry.lastFailure,
  }));
  const pending: PendingWork = {
    activities: [...queued, ...inBackoff].sort((a, b) => a.seq - b.seq),
    timers: record.timers.filter((timer) => !backoffTimers.has(timer.seq)).map((timer) => ({ seq: timer.seq, fireAt: new Date(timer.fireAt) })),
    events: record.awaiting.events ?? [],
    children: record.children,
  };
  if (record.truncated) pending.truncated = true;
  return pending;
}
