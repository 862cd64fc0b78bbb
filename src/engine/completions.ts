/**
 * What the code waits on: the durable calls it made that history has not completed yet, one
 * map per kind, keyed by sequence number. A result takes the call of its own kind at its
 * number. A result with no such call does not fit the code: on replay a NonDeterminismError,
 * live a late message for a call the code no longer waits on (delivered twice, or meant for a
 * call of an earlier generation under the same number).
 */
import { NonDeterminismError } from "../errors.js";
import type { DurableTask, DurableTimerTask } from "./durable-task.js";
import type { RetryBackoff } from "./command.js";
import type { InboxMessage } from "./history-event.js";

export interface PendingActivity {
  name: string;
  task: DurableTask<unknown>;
}

export interface PendingSubOrchestration {
  name: string;
  instanceId: string;
  task: DurableTask<unknown>;
}

export interface PendingTimer {
  fireAt: number;
  task: DurableTimerTask;
  /** Set when the timer is a retry's backoff: the call it will attempt again. */
  backoff?: PendingBackoff;
}

/** A retry's backoff, before its timer has a number. */
export type PendingBackoff = Omit<RetryBackoff, "timerSeq">;

interface PendingByKind {
  activity: PendingActivity;
  subOrchestration: PendingSubOrchestration;
  timer: PendingTimer;
}

export type CallKind = keyof PendingByKind;

/** How determinism errors name each kind. */
const KIND_IN_MESSAGES = { activity: "task", subOrchestration: "sub", timer: "timer" } as const satisfies Record<CallKind, string>;

/** The kind of call each result message settles. */
const RESULT_KIND = {
  TaskCompleted: "activity",
  TaskFailed: "activity",
  TimerFired: "timer",
  SubOrchestrationCompleted: "subOrchestration",
  SubOrchestrationFailed: "subOrchestration",
} as const satisfies Record<Extract<InboxMessage, { seq: number }>["type"], CallKind>;

export class Completions {
  private readonly pending: { [K in CallKind]: Map<number, PendingByKind[K]> } = {
    activity: new Map(),
    subOrchestration: new Map(),
    timer: new Map(),
  };

  constructor(private readonly run: { readonly instanceId: string; readonly isReplaying: boolean }) {}

  /** The code now waits on this call under this sequence number. */
  add<K extends CallKind>(kind: K, seq: number, call: PendingByKind[K]): void {
    this.pending[kind].set(seq, call);
  }

  /** A message that is no call's result, or the result of a pending call of its kind. */
  awaits(message: InboxMessage): boolean {
    if (!("seq" in message)) return true;
    return this.pending[RESULT_KIND[message.type]].has(message.seq);
  }

  /**
   * Removes and returns the call of this kind at `seq`, which a result event completes.
   * Undefined for a late result; throws NonDeterminismError when a replayed one fits no call.
   */
  take<K extends CallKind>(kind: K, seq: number): PendingByKind[K] | undefined {
    const calls: Map<number, PendingByKind[K]> = this.pending[kind];
    const call = calls.get(seq);
    if (!call) {
      if (this.run.isReplaying) {
        throw new NonDeterminismError(`Instance "${this.run.instanceId}": history completes a ${KIND_IN_MESSAGES[kind]} at step ${seq} that the code never started.`);
      }
      return undefined;
    }
    calls.delete(seq);
    return call;
  }

  /** When the pending timer at `seq` is due. */
  pendingTimerFireAt(seq: number): number | undefined {
    return this.pending.timer.get(seq)?.fireAt;
  }

  /** The live timers that are retries' backoffs, in the order they were started. */
  backoffs(): RetryBackoff[] {
    const backoffs: RetryBackoff[] = [];
    for (const [timerSeq, timer] of this.pending.timer) {
      if (timer.backoff && !timer.task.isCancelled) backoffs.push({ timerSeq, ...timer.backoff });
    }
    return backoffs;
  }

  /**
   * When the code expects to be woken next: now if it waits on an activity or a child,
   * else at its earliest live timer, else never (it waits only on external events).
   */
  expectedWakeAt(nowMs: number): number {
    if (this.pending.activity.size > 0 || this.pending.subOrchestration.size > 0) return nowMs;
    let earliest = Infinity;
    for (const timer of this.pending.timer.values()) if (!timer.task.isCancelled) earliest = Math.min(earliest, timer.fireAt);
    return earliest;
  }
}
