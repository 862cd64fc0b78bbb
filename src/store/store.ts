/**
 * The Store: everything Baton keeps, behind one interface with one implementation per
 * database. Terminology:
 * - instance: one orchestration instance, a row with its status and lease.
 * - history: the instance's append-only list of events, positions 0..historyLength-1.
 * - inbox: messages waiting for the instance's next episode (started, task completed,
 *   timer fired, event raised, terminate); `visibleAt` delays them (durable timers).
 * - activity task: a queued activity call with its attempt count, retry policy and lease.
 * - lease: a worker's claim on an instance or task, fenced by a token; a commit whose
 *   token no longer matches is rejected, so a worker that lost its lease cannot commit.
 *
 * All times are milliseconds since the epoch, passed in by the caller.
 *
 * Rules every implementation keeps (test/store/conformance checks them):
 * - Leases: a lease runs `leaseMs` from when its write takes effect (the caller's `now`, or
 *   later if the write waited for a lock); work is claimable again once its expiry is ≤ now.
 * - Messages are delivered in order of `visibleAt`, then of insertion; messages of one commit
 *   keep their order, and a message written after another's commit comes after it. (SQLite
 *   serializes writers, so insertion order is commit order; PostgreSQL numbers messages at
 *   insert, so two transactions committing at once may be seen in either order.)
 * - A suspended instance takes messages (events, results, timers) but is not claimed until
 *   resumed; an episode committed while it was suspended leaves it Suspended unless it ends it.
 * - Ending an instance deletes its inbox and its tasks not leased at that moment; later results
 *   of its calls commit as `ok` and are dropped; a task whose worker never reports is deleted by
 *   deleteOrphanedTasks once its lease has expired. An episode writes only `commandsCarriedOut`:
 *   one that ends its execution (not by termination) still creates its children, nothing else. A stall releases the lease and keeps the first
 *   `since`; a claim skips it unless `stalledBefore` is later than the stall.
 * - After `close()`, calls reject; writes accepted before it still commit.
 */
import type { ErrorDetails } from "../errors.js";
import type { EpisodeResult } from "../engine/command.js";
import type { HistoryEvent, InboxMessage } from "../engine/history-event.js";
import type { ResolvedRetryPolicy } from "../definitions/retry-policy.js";

export const RuntimeStatus = {
  Pending: "Pending",
  Running: "Running",
  Completed: "Completed",
  Failed: "Failed",
  Terminated: "Terminated",
  Suspended: "Suspended",
  ContinuedAsNew: "ContinuedAsNew",
} as const;
export type RuntimeStatus = (typeof RuntimeStatus)[keyof typeof RuntimeStatus];

export const FINISHED_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Terminated"];
/** Statuses in which an instance still takes results and events (a suspended one keeps them for later). */
export const LIVE_STATUSES: readonly RuntimeStatus[] = ["Pending", "Running", "Suspended"];
/** LIVE_STATUSES as an SQL list, for both stores' queries. */
export const LIVE_SQL = `(${LIVE_STATUSES.map((status) => `'${status}'`).join(", ")})`;

/**
 * Inbox messages that answer one call of one execution, by its sequence number: continueAsNew
 * deletes those still queued, since the next generation numbers its own calls from 0.
 */
export const RESULT_MESSAGE_TYPES = ["TaskCompleted", "TaskFailed", "TimerFired", "SubOrchestrationCompleted", "SubOrchestrationFailed"] as const;
/** RESULT_MESSAGE_TYPES as an SQL list. */
export const RESULT_TYPES_SQL = RESULT_MESSAGE_TYPES.map((type) => `'${type}'`).join(", ");

export type FailureDetails = ErrorDetails & { code: string };

export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  input: string | undefined;
  output: string | undefined;
  customStatus: string | undefined;
  failure: FailureDetails | undefined;
  createdAt: number;
  lastUpdatedAt: number;
  historyLength: number;
  stalled: { code: string; message: string; since: number } | undefined;
}

export interface CreateInstanceRequest {
  instanceId: string;
  name: string;
  executionId: string;
  input: string | undefined;
  /** Not before this time. */
  startAt: number;
  reuseFinished: boolean;
}

export interface InstanceFilter {
  runtimeStatus?: readonly RuntimeStatus[];
  name?: string;
  createdFrom?: number;
  createdTo?: number;
  instanceIdPrefix?: string;
  pageSize: number;
  continuationToken?: string;
}

/** Which finished instances purgeInstances deletes: the filter of a list, without paging. */
export type PurgeFilter = Omit<InstanceFilter, "pageSize" | "continuationToken">;

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
  leaseToken: string;
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
  return { type: "TaskCompleted", seq, ...(op.output === undefined ? {} : { output: op.output }) };
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

/**
 * A hint that another process wrote something: work may be claimable, or an instance ended.
 * Only a shortcut: a hint can be lost, so whoever listens also polls.
 */
export type StoreHint = { type: "work" } | { type: "finished"; instanceId: string };

export interface Store {
  readonly url: string;

  createInstance(request: CreateInstanceRequest, now: number): Promise<void>;
  getInstance(instanceId: string): Promise<InstanceRecord | null>;
  getHistory(instanceId: string): Promise<HistoryEvent[]>;
  /** The runtime status of each of these instances that exists, in one read. */
  runtimeStatuses(instanceIds: readonly string[]): Promise<Map<string, RuntimeStatus>>;
  listInstances(filter: InstanceFilter): Promise<{ instances: InstanceRecord[]; continuationToken: string | undefined }>;
  /** Delivers a message to a running or pending instance; rejects when it is missing or finished. */
  sendMessage(instanceId: string, message: InboxMessage, now: number): Promise<void>;
  /** Deletes a finished instance and its history; false when there was none. */
  purgeInstance(instanceId: string): Promise<boolean>;
  /** Deletes up to `limit` finished instances matching `filter`, with their history, in one transaction; returns how many. */
  purgeInstances(filter: PurgeFilter, limit: number): Promise<number>;
  /**
   * Takes a Failed instance back to before the episode that failed: that episode's events are
   * removed, its messages queued again (a failed activity as a new task), the instance Running.
   */
  rewindInstance(instanceId: string, reason: string | undefined, now: number): Promise<void>;
  /** Starts a finished instance over, as a new execution with the same name and input; rejects when it is missing or not finished. */
  restartInstance(instanceId: string, executionId: string, now: number): Promise<void>;

  /** Records the functions a worker hosts, so clients in other processes know the names. */
  announceFunctions(workerId: string, names: { activities: string[]; orchestrations: string[] }, now: number): Promise<void>;
  knownFunctions(): Promise<{ activities: string[]; orchestrations: string[] }>;
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
   * What this instance waits for that no running worker hosts (a worker runs while its last
   * heartbeat is younger than its lease): its orchestration, the activities of its queued tasks.
   */
  unhostedWork(instanceId: string, now: number): Promise<{ orchestration?: string; activities: string[] }>;

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

  /**
   * Subscribes to hints of other processes' writes, where the database can push them
   * (PostgreSQL LISTEN/NOTIFY); absent where it cannot. Returns the unsubscribe function.
   */
  watch?(listener: (hint: StoreHint) => void): () => void;

  close(): Promise<void>;
}
