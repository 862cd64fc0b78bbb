/**
 * A history event as users see it (getStatus with showHistory, a worker's onHistory, the CLI's
 * timeline): payloads parsed, times as Dates. A pure mapping of the engine's own events, so
 * the client and the worker both use it without depending on each other.
 */
import { deserialize } from "../definitions/payload.js";
import { InvalidArgumentError } from "../errors.js";
import type { HistoryEvent } from "./history-event.js";

/** A history event as shown to users: payloads parsed, timestamp as a Date. */
export type HistoryEntry = { type: HistoryEvent["type"]; timestamp: Date } & Record<string, unknown>;

const PAYLOAD_FIELDS = ["input", "output", "data", "value"] as const;

export function toHistoryEntry(event: HistoryEvent): HistoryEntry {
  const entry: Record<string, unknown> = { ...event, timestamp: new Date(event.timestamp) };
  for (const field of PAYLOAD_FIELDS) {
    if (typeof entry[field] === "string") entry[field] = deserialize(entry[field] as string);
  }
  if (event.type === "TimerCreated") entry.fireAt = new Date(event.fireAt);
  return entry as HistoryEntry;
}

const EVENT_TYPES: ReadonlySet<string> = new Set<HistoryEvent["type"]>([
  "EpisodeStarted", "ExecutionStarted", "TaskScheduled", "TaskCompleted", "TaskFailed", "TimerCreated",
  "SubOrchestrationScheduled", "SubOrchestrationCompleted", "SubOrchestrationFailed", "TimerFired", "EventRaised",
  "CustomStatusSet", "ExecutionCompleted", "ExecutionFailed", "ExecutionTerminated", "ExecutionContinuedAsNew",
  "ExecutionRewound", "PatchApplied", "ExecutionSuspended", "ExecutionResumed",
]);

/**
 * The inverse of toHistoryEntry, for entries read back from JSON (`baton history --json`, the
 * HTTP API): payloads serialized again, times (Dates, ISO strings or milliseconds) as numbers.
 */
export function fromHistoryEntry(entry: unknown, index: number): HistoryEvent {
  const fields = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
  if (typeof fields.type !== "string" || !EVENT_TYPES.has(fields.type)) {
    throw new InvalidArgumentError(
      `History entry ${index} has no known event type (${JSON.stringify(fields.type)}). Pass the history as getStatus({ showHistory: true }), the HTTP API or \`baton history --json\` give it.`,
    );
  }
  const event: Record<string, unknown> = { ...fields, timestamp: toMs(fields.timestamp, "timestamp", index) };
  for (const field of PAYLOAD_FIELDS) {
    if (field in event) event[field] = event[field] === undefined ? undefined : JSON.stringify(event[field]);
    if (event[field] === undefined) delete event[field];
  }
  if (fields.type === "TimerCreated") event.fireAt = toMs(fields.fireAt, "fireAt", index);
  return event as HistoryEvent;
}

function toMs(value: unknown, field: string, index: number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : value;
  if (typeof ms !== "number" || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(`History entry ${index} has no valid ${field} (${JSON.stringify(value)}). Give a date or an ISO string.`);
  }
  return ms;
}
