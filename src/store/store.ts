/**
 * The Store: everything Baton keeps, with one implementation per database. It is two
 * interfaces, one per caller: InstanceStore (instance-store.ts) is what the client needs,
 * WorkQueue (work-queue.ts) what the worker needs; both share getHistory, watch and close,
 * and every backend implements both. Terminology:
 * - instance: one orchestration instance, a row with its status and lease.
 * - history: the instance's append-only list of events, positions 0..historyLength-1.
 * - inbox: messages waiting for the instance's next episode (started, task completed,
 *   timer fired, event raised, terminate); `visibleAt` delays them (durable timers).
 * - activity task: a queued activity call with its attempt count, retry policy and lease.
 * - lease: a worker's claim on an instance or task, fenced by a token; a commit whose
 *   token no longer matches is rejected, so a worker that lost its lease cannot commit.
 *
 * All times are milliseconds since the epoch, passed in by the caller; a store reads its own
 * clock (options.clock, Date.now by default) only to start a lease no earlier than the write.
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
import type { HistoryEvent } from "../engine/history-event.js";
import type { InstanceStore } from "./instance-store.js";
import type { WorkQueue } from "./work-queue.js";

export type { InstanceChange, StatusCounts, WorkerRecord } from "./dashboard-reads.js";
export type { CreateInstanceRequest, InstanceFilter, InstanceRecord, InstanceStore, PurgeFilter } from "./instance-store.js";
export {
  outcomeMessage,
  type ActivityWorkItem,
  type ClaimedWork,
  type ClaimRequest,
  type CommitOp,
  type CommitOutcome,
  type InstanceLease,
  type OrchestrationWorkItem,
  type RunningTask,
  type StoredMessage,
  type WorkClaim,
  type WorkQueue,
} from "./work-queue.js";

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

export type FailureDetails = ErrorDetails & { code: string };

/**
 * A hint that another process wrote something: work may be claimable, or an instance ended.
 * Only a shortcut: a hint can be lost, so whoever listens also polls.
 */
export type StoreHint = { type: "work" } | { type: "finished"; instanceId: string };

/** What both callers use: the store's address, an instance's history, hints, closing. */
export interface StoreConnection {
  readonly url: string;

  getHistory(instanceId: string): Promise<HistoryEvent[]>;

  /**
   * Subscribes to hints of other processes' writes, where the database can push them
   * (PostgreSQL LISTEN/NOTIFY); absent where it cannot. Returns the unsubscribe function.
   */
  watch?(listener: (hint: StoreHint) => void): () => void;

  close(): Promise<void>;
}

/** A whole store, for the places that wire the client and the worker to the same one (opening, hosting). */
export type Store = InstanceStore & WorkQueue;
