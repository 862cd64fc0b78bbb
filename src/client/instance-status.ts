/**
 * What getStatus answers for one instance: its stored record with payloads parsed and times as
 * Dates. RuntimeStatus and FailureDetails belong to that answer and are re-exported here, so
 * callers of the client (the HTTP API, the CLI) need not reach into the store.
 */
import { deserialize } from "../definitions/payload.js";
import { toHistoryEntry, type HistoryEntry } from "../engine/history-entry.js";
import type { HistoryEvent } from "../engine/history-event.js";
import type { FailureDetails, InstanceRecord, RuntimeStatus } from "../store/store.js";
import type { PendingWork } from "./pending-work.js";

export { RuntimeStatus, type FailureDetails } from "../store/store.js";

/** What getStatus returns for one instance. */
export interface InstanceStatus<Out = unknown> {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input?: unknown;
  output: Out | undefined;
  customStatus: unknown;
  createdAt: Date;
  lastUpdatedAt: Date;
  failureDetails?: FailureDetails;
  /** Set while an episode cannot run, e.g. after a NonDeterminismError. */
  stalled?: { code: string; message: string; since: Date };
  /**
   * Set (by getStatus) while the instance waits for work that no running worker hosts: its
   * orchestration, or activities it called. It waits, it does not fail: start a worker hosting them.
   */
  waitingForWorker?: { orchestration?: string; activities?: string[]; message: string };
  /**
   * Set (by getStatus, unless `showPending: false`) while the instance is Pending, Running or
   * Suspended: what it waits on now. Absent once it has ended.
   */
  pending?: PendingWork;
  /** Set when a parent orchestration started this instance as a sub-orchestration. */
  parentInstanceId?: string;
  history?: HistoryEntry[];
}

export function toInstanceStatus(
  record: InstanceRecord,
  options: { showInput: boolean; history?: HistoryEvent[] },
): InstanceStatus {
  const status: InstanceStatus = {
    instanceId: record.instanceId,
    name: record.name,
    runtimeStatus: record.runtimeStatus,
    output: deserialize(record.output),
    customStatus: deserialize(record.customStatus),
    createdAt: new Date(record.createdAt),
    lastUpdatedAt: new Date(record.lastUpdatedAt),
  };
  if (options.showInput) status.input = deserialize(record.input);
  if (record.failure) status.failureDetails = record.failure;
  if (record.parentInstanceId) status.parentInstanceId = record.parentInstanceId;
  if (record.stalled) status.stalled = { ...record.stalled, since: new Date(record.stalled.since) };
  if (options.history) {
    const history = options.history.map(toHistoryEntry);
    // Hidden input stays hidden in the history too.
    if (!options.showInput) for (const entry of history) if (entry.type === "ExecutionStarted") delete entry.input;
    status.history = history;
  }
  return status;
}
