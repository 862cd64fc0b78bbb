/**
 * What the worker needs of a store: claiming orchestration episodes and activity tasks under
 * leases, renewing those leases, committing results, and announcing itself. The rules every
 * implementation keeps are in store.ts.
 */
import type { ErrorDetails } from "../errors.js";
import type { EpisodeResult } from "../engine/command.js";
import { failureSummary, type InboxMessage } from "../engine/history-event.js";
import type { ResolvedRetryPolicy } from "../definitions/retry-policy.js";
import type { StoreConnection } from "./store.js";

export interface StoredMessage {
  id: number;
  message: InboxMessage;
}

export interface OrchestrationWorkItem {
  instanceId: string;
  name: string;
  executionId: string;
  historyLength: number;
  leaseToken: string;
  messages: StoredMessage[];
  /** The trace the instance's spans join (stored as observability/trace-context.ts says), if its start was traced. */
  traceContext?: string;
}

/** A claimed activity task; its lease token identifies it in every later op. */
export interface ActivityWorkItem {
  instanceId: string;
  executionId: string;
  seq: number;
  name: string;
  input: string | undefined;
  attempt: number;
  idempotencyKey: string;
  /** The call's policy, or null to apply the definition's. */
  retry: ResolvedRetryPolicy | null;
  /** When the first attempt became visible: the start of retryTimeout. */
  firstVisibleAt: number;
  /** The call's own per-attempt timeout; undefined applies the definition's. */
  timeoutMs?: number;
  /** The previous attempt's last heartbeat details (serialized). */
  heartbeatDetails?: string;
  /** Why the previous attempt failed, when this one is a retry from the queue. */
  lastError?: ErrorDetails;
  leaseToken: string;
  /** The span of the episode that scheduled it (stored as observability/trace-context.ts says): its attempts' parent. */
  traceContext?: string;
}

/** One unit of a group commit. Each is fenced by its lease token. */
export type CommitOp =
  | {
      type: "episode";
      instanceId: string;
      executionId: string;
      leaseToken: string;
      historyLengthBefore: number;
      consumedMessageIds: number[];
      result: EpisodeResult;
      /** Scheduled tasks whose first attempt already runs in this worker: inserted leased to it. */
      runningTasks?: RunningTask[];
      /** With a ContinuedAsNew result: the execution id of the next generation. */
      newExecutionId?: string;
      /** The episode's span (stored as observability/trace-context.ts says): the parent of the tasks and children it starts. */
      traceContext?: string;
    }
  | { type: "stall"; instanceId: string; leaseToken: string; code: string; message: string }
  | { type: "releaseInstance"; instanceId: string; leaseToken: string }
  | { type: "activityCompleted"; task: ActivityWorkItem; output: string | undefined }
  | { type: "activityFailed"; task: ActivityWorkItem; error: ErrorDetails }
  | { type: "activityRetry"; task: ActivityWorkItem; visibleAt: number; error: ErrorDetails; heartbeatDetails?: string }
  | { type: "releaseActivity"; task: ActivityWorkItem };

export interface RunningTask {
  seq: number;
  leaseOwner: string;
  leaseToken: string;
  leaseMs: number;
}

/**
 * The inbox message an activity's final outcome becomes for its instance: written by the store
 * for a task from the queue, fed straight to the run for an attempt that ran inline.
 */
export function outcomeMessage(op: Extract<CommitOp, { type: "activityCompleted" | "activityFailed" }>): InboxMessage {
  const { seq, attempt } = op.task;
  if (op.type === "activityFailed") return { type: "TaskFailed", seq, error: op.error, attempts: attempt };
  return { type: "TaskCompleted", seq, ...(op.output === undefined ? {} : { output: op.output }), ...retriedBefore(op.task) };
}

/**
 * What a success after failed attempts tells the history: how many attempts it took and the
 * last failure, without its stack (attempts are not history events; this keeps them readable).
 */
function retriedBefore(task: ActivityWorkItem): { attempts?: number; lastFailure?: ErrorDetails } {
  if (task.attempt <= 1) return {};
  return { attempts: task.attempt, ...(task.lastError ? { lastFailure: failureSummary(task.lastError) } : {}) };
}

/** `ok`, or `leaseLost` when the op's lease token no longer matched (nothing was written). */
export type CommitOutcome = "ok" | "leaseLost";

/** What a worker asks to claim: used alone, or inside a commit to save a transaction. */
export interface WorkClaim {
  orchestrations: ClaimRequest & { stalledBefore: number; maxMessages: number };
  activities: ClaimRequest;
}

export interface ClaimedWork {
  orchestrations: OrchestrationWorkItem[];
  activities: ActivityWorkItem[];
  /**
   * When a claim on its own reads it on the way: what `nextVisibleAt` would answer for the
   * claim's names at the claim's time (null: nothing queued for later), saving that query.
   */
  nextVisibleAt?: number | null;
  /**
   * When the leases this claim took run out (the earliest of them, on the clock leases are
   * written with). An answer that arrives later (a slow commit, a frozen process) hands out
   * work another worker may already hold: it must not be started.
   */
  leasesExpireAt?: number;
}

/** An instance leased to a worker, as its renewal names it. */
export interface InstanceLease {
  instanceId: string;
  leaseToken: string;
}

export interface ClaimRequest {
  workerId: string;
  names: readonly string[];
  /** Per-name caps on attempts running at once across all workers (activities only). */
  concurrency?: Readonly<Record<string, number>>;
  limit: number;
  leaseMs: number;
  now: number;
}

export interface WorkQueue extends StoreConnection {
  /** Records the functions a worker hosts, so clients in other processes know the names. */
  announceFunctions(workerId: string, names: { activities: string[]; orchestrations: string[] }, now: number): Promise<void>;
  /** Records that this worker runs and hosts these functions; repeated while it runs (a heartbeat). */
  workerAlive(workerId: string, names: { activities: readonly string[]; orchestrations: readonly string[] }, leaseMs: number, now: number): Promise<void>;
  /** Forgets a worker that stopped. */
  workerStopped(workerId: string): Promise<void>;
  /**
   * Deletes up to `limit` activity tasks of executions that ended (or were replaced or purged)
   * whose lease expired by `now`: left leased by a worker that died or lost them, they would
   * otherwise never run nor be deleted (an ending episode deletes only the tasks not leased at
   * that moment). Returns how many it deleted.
   */
  deleteOrphanedTasks(now: number, limit: number): Promise<number>;
  /**
   * Leases instances with visible inbox messages (stalled ones are skipped unless stalled
   * before `stalledBefore`) and visible activity tasks, in one transaction.
   */
  claim(request: WorkClaim): Promise<ClaimedWork>;
  /**
   * Extends these leases to `leaseMs` from when the renewal takes effect (an instance's only
   * if it still holds that token). Resolves with the task lease tokens whose instance has
   * ended (or was replaced or purged) meanwhile.
   */
  renewLeases(
    instanceLeases: readonly InstanceLease[],
    taskTokens: readonly string[],
    now: number,
    leaseMs: number,
  ): Promise<{ endedTaskTokens: string[] }>;
  /**
   * Applies every op in one transaction and returns one outcome per op, in order. With
   * `claim`, the same transaction also claims new work (one fsync for both).
   */
  commit(ops: readonly CommitOp[], now: number, claim?: WorkClaim): Promise<{ outcomes: CommitOutcome[]; claimed: ClaimedWork }>;
  /** The earliest time after `now` at which queued work for these names becomes visible. */
  nextVisibleAt(orchestrationNames: readonly string[], activityNames: readonly string[], now: number): Promise<number | null>;
}
