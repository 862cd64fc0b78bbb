/**
 * A history event as users see it (getStatus with showHistory, a worker's onHistory, the CLI's
 * timeline): payloads parsed, times as Dates. A pure mapping of the engine's own events, so
 * the client and the worker both use it without depending on each other.
 */
import { deserialize } from "../definitions/payload.js";
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
