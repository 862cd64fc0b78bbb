/**
 * What the client needs of a store: creating, reading, listing and managing instances, and the
 * names of the functions that running workers host. The rules every implementation keeps are
 * in store.ts.
 */
import type { ErrorDetails } from "../errors.js";
import type { Awaiting } from "../engine/command.js";
import type { InboxMessage } from "../engine/history-event.js";
import type { HistoryEvent } from "../engine/history-event.js";
import type { InstanceChange, StatusCounts, WorkerRecord } from "./dashboard-reads.js";
import type { FailureDetails, RuntimeStatus, StoreConnection } from "./store.js";
import type { InstanceCounts, ReadyWork } from "./workload.js";

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
  /** The instance that started this one as a sub-orchestration (read with the whole row; absent from lists). */
  parentInstanceId?: string | undefined;
}

export interface CreateInstanceRequest {
  instanceId: string;
  name: string;
  executionId: string;
  input: string | undefined;
  /** Not before this time. */
  startAt: number;
  reuseFinished: boolean;
  /** The trace its spans join (W3C traceparent and tracestate, see observability/trace-context.ts); none when nothing traced the start. */
  traceContext?: string;
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

/** What a live instance waits on, as its queues hold it now (see plan/pending-work.ts). Times in ms. */
export interface PendingWorkRecord {
  /** Activity tasks of its current execution, by seq; `visibleAt` is when the next attempt may start. */
  tasks: { seq: number; name: string; attempt: number; visibleAt: number; running: boolean; lastError: ErrorDetails | undefined }[];
  /** Queued timers, by fire time. */
  timers: { seq: number; fireAt: number }[];
  /** What only the engine knows (events, retries in backoff), as the last episode recorded it. */
  awaiting: Awaiting;
  /** Children of its current execution that have not ended, oldest first. */
  children: { instanceId: string; name: string; runtimeStatus: RuntimeStatus }[];
  /** True when a list held more than the limit asked and was cut. */
  truncated: boolean;
}

/** Which finished instances purgeInstances deletes: the filter of a list, without paging. */
export type PurgeFilter = Omit<InstanceFilter, "pageSize" | "continuationToken">;

export interface InstanceStore extends StoreConnection {
  createInstance(request: CreateInstanceRequest, now: number): Promise<void>;
  getInstance(instanceId: string): Promise<InstanceRecord | null>;
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
  /**
   * Starts a finished instance over, as a new execution with the same name and input; rejects
   * when it is missing or not finished. It joins `traceContext` when given, else the trace it had.
   */
  restartInstance(instanceId: string, executionId: string, now: number, traceContext?: string): Promise<void>;
  /** Work claimable now, per queue and function (see workload.ts); none listed where none is ready. */
  readyWork(now: number): Promise<ReadyWork[]>;
  /** How many instances are in each status, without counting finished ones row by row (workload.ts). */
  countInstances(): Promise<InstanceCounts>;
  /** The functions running workers announced (see WorkQueue.announceFunctions). */
  knownFunctions(): Promise<{ activities: string[]; orchestrations: string[] }>;
  /**
   * What this instance waits for that no running worker hosts (a worker runs while its last
   * heartbeat is younger than its lease): its orchestration, the activities of its queued tasks.
   */
  unhostedWork(instanceId: string, now: number): Promise<{ orchestration?: string; activities: string[] }>;
  /** Workers whose last heartbeat is younger than their lease, by id. */
  liveWorkers(now: number): Promise<WorkerRecord[]>;
  /** Up to `limit` events of the history from position `from`, and how long it is; null when there is no such instance. */
  historyRange(instanceId: string, from: number, limit: number): Promise<{ events: HistoryEvent[]; total: number } | null>;
  /** Instances matching `filter` per status, each count stopping at `cap`. */
  countInstancesWhere(filter: PurgeFilter, cap: number): Promise<StatusCounts>;
  /** Up to `limit` instances changed at or after `since`, the latest change first (through the updated_at index). */
  changedSince(since: number, limit: number): Promise<InstanceChange[]>;
  /**
   * What a live (Pending, Running or Suspended) instance waits on, each list at most `limit`
   * long, read by instance id; null when the instance is missing or ended.
   */
  pendingWork(instanceId: string, now: number, limit: number): Promise<PendingWorkRecord | null>;
}
