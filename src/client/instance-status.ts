import { deserialize } from "../definitions/payload.js";
import type { HistoryEvent } from "../engine/history-event.js";
import type { FailureDetails, InstanceRecord, RuntimeStatus } from "../store/store.js";

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
  history?: HistoryEntry[];
}

/** A history event as shown to users: payloads parsed, timestamp as a Date. */
export type HistoryEntry = { type: HistoryEvent["type"]; timestamp: Date } & Record<string, unknown>;

const PAYLOAD_FIELDS = ["input", "output", "data", "value"] as const;

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
  if (record.stalled) status.stalled = { ...record.stalled, since: new Date(record.stalled.since) };
  if (options.history) {
    const history = options.history.map(toHistoryEntry);
    // Hidden input stays hidden in the history too.
    if (!options.showInput) for (const entry of history) if (entry.type === "ExecutionStarted") delete entry.input;
    status.history = history;
  }
  return status;
}

export function toHistoryEntry(event: HistoryEvent): HistoryEntry {
  const entry: Record<string, unknown> = { ...event, timestamp: new Date(event.timestamp) };
  for (const field of PAYLOAD_FIELDS) {
    if (typeof entry[field] === "string") entry[field] = deserialize(entry[field] as string);
  }
  if (event.type === "TimerCreated") entry.fireAt = new Date(event.fireAt);
  return entry as HistoryEntry;
}
