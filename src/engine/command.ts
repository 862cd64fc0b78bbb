import type { ErrorDetails } from "../errors.js";
import type { ResolvedRetryPolicy } from "../definitions/retry-policy.js";

/** Work an episode asks the store to enqueue, committed in the same transaction as its events. */
export type Command =
  | {
      type: "ScheduleTask";
      seq: number;
      name: string;
      input?: string;
      attempt: number;
      idempotencyKey: string;
      /** The call's own policy, or null: the activity's host applies its definition's policy (with its retryIf). */
      retry: ResolvedRetryPolicy | null;
      /** Not before this time (orchestration-driven retry backoff). */
      visibleAt?: number;
      /** The call's own per-attempt timeout. */
      timeoutMs?: number;
    }
  | { type: "CreateTimer"; seq: number; fireAt: number }
  /** Creates the child instance (with its start message), linked to this call. */
  | { type: "StartSubOrchestration"; seq: number; name: string; instanceId: string; input?: string }
  /** Drops a durable timer's pending fire message: cancelled timers cost no later episode. */
  | { type: "CancelTimer"; seq: number };

export type FinishedStatus = "Completed" | "Failed" | "Terminated";

/** What one episode produced: to be committed atomically by the worker. */
export interface EpisodeResult {
  newEvents: import("./history-event.js").HistoryEvent[];
  /** What to carry out, by seq; a commit writes only commandsCarriedOut(result) of them. */
  commands: Command[];
  /** Running while the orchestration waits on anything, else how it finished (or that it started over). */
  runtimeStatus: "Running" | FinishedStatus | "ContinuedAsNew";
  /** With ContinuedAsNew: the next generation's input, and the messages it inherits, in order. */
  continuedAsNew?: {
    input?: string;
    /** False drops the events still waiting in the inbox too. */
    preserveEvents: boolean;
    carried: import("./history-event.js").InboxMessage[];
  };
  output?: string;
  failure?: ErrorDetails & { code: string };
  /** Present when the custom status changed in this episode (value may be undefined: cleared). */
  customStatus?: { value: string | undefined };
  /**
   * What the code waits on once the episode ends that only the engine knows, when it still runs
   * and waits on any such thing: the commit stores it for getStatus to show (see Awaiting).
   */
  awaiting?: Awaiting;
}

/**
 * What a running orchestration waits on that its queues cannot tell: the external events its
 * code waits for, and the activity calls whose retry (decided by the orchestration) waits on a
 * backoff timer. Its activity tasks, timers and children are read from the queues instead.
 */
export interface Awaiting {
  /** Event names, each once, in the order first waited on. */
  events?: string[];
  /** Activity calls waiting for their next attempt, by the timer of their backoff. */
  retries?: RetryBackoff[];
}

/** An activity call between two attempts of a retry the orchestration runs (durable-retry.ts). */
export interface RetryBackoff {
  /** The backoff's timer: the next attempt is scheduled when it fires. */
  timerSeq: number;
  name: string;
  /** The step of the attempt that failed. */
  seq: number;
  /** The attempt to come. */
  attempt: number;
  /** Why the last attempt failed (no stack: this is stored with every episode). */
  lastFailure: ErrorDetails;
}

/**
 * Which commands an episode carries out, by how it leaves its execution. A Running episode
 * carries out all of them. One that ends its execution (Completed, Failed, ContinuedAsNew)
 * still starts the children it called: a parent that ends leaves its children running, and
 * their outcomes go to no one. Its activities and timers would never be awaited, so they are
 * not scheduled (nor, when issued in that episode, recorded), and cancelling a timer is moot.
 * A terminated episode carries out nothing: termination reaches the children instead.
 * (A fire-and-forget command, such as an event sent to another instance, would be kept like a
 * child start; none exists yet.)
 */
export function isCarriedOut(command: Command, runtimeStatus: EpisodeResult["runtimeStatus"]): boolean {
  if (runtimeStatus === "Running") return true;
  return runtimeStatus !== "Terminated" && command.type === "StartSubOrchestration";
}

/** The commands of an episode that its commit writes (see isCarriedOut). */
export function commandsCarriedOut(result: EpisodeResult): Command[] {
  return result.commands.filter((command) => isCarriedOut(command, result.runtimeStatus));
}

/** The idempotency key of an activity call unless the call gives its own: stable across attempts and replays. */
export function callKey(instanceId: string, executionId: string, seq: number): string {
  return `${instanceId}:${executionId}:${seq}`;
}
