/**
 * Memory accounting for the worker's run cache: roughly the bytes an applied event keeps
 * alive in a run, its payload text (UTF-16, two bytes a character) and a fixed overhead.
 */
import type { HistoryEvent } from "./history-event.js";

const BYTES_PER_EVENT = 96;

export function approximateBytes(event: HistoryEvent): number {
  let bytes = BYTES_PER_EVENT;
  for (const key of ["input", "output", "data", "reason"] as const) {
    const value = (event as Partial<Record<typeof key, unknown>>)[key];
    if (typeof value === "string") bytes += 2 * value.length;
  }
  if ("error" in event) bytes += 2 * (event.error.message.length + (event.error.stack?.length ?? 0));
  return bytes;
}
