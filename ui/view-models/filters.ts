/**
 * The Instances page's filter, kept in the URL (the part after `#/instances?`) so that a view
 * can be bookmarked, shared and restored by Back. Unknown statuses and empty values are
 * dropped on the way in, so a hand-edited URL never reaches the API malformed.
 */
import { RUNTIME_STATUSES, type InstanceFilter, type RuntimeStatus } from "../api-types.js";

const isStatus = (value: string): value is RuntimeStatus => (RUNTIME_STATUSES as readonly string[]).includes(value);

/** The filter a URL's query names. */
export function filterFromParams(params: URLSearchParams): InstanceFilter {
  const filter: InstanceFilter = {};
  const statuses = (params.get("status") ?? "").split(",").filter(isStatus);
  if (statuses.length) filter.runtimeStatus = statuses;
  const name = params.get("name")?.trim();
  if (name) filter.name = name;
  const prefix = params.get("prefix");
  if (prefix) filter.instanceIdPrefix = prefix;
  const from = isoDate(params.get("from"));
  if (from) filter.createdFrom = from;
  const to = isoDate(params.get("to"));
  if (to) filter.createdTo = to;
  return filter;
}

/** The URL query for a filter, keys in a fixed order (one filter, one URL). */
export function paramsFromFilter(filter: InstanceFilter): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.runtimeStatus?.length) params.set("status", filter.runtimeStatus.join(","));
  if (filter.name) params.set("name", filter.name);
  if (filter.instanceIdPrefix) params.set("prefix", filter.instanceIdPrefix);
  if (filter.createdFrom) params.set("from", filter.createdFrom);
  if (filter.createdTo) params.set("to", filter.createdTo);
  return params;
}

/** Whether an instance (as listed or streamed) passes the filter. */
export function matchesFilter(filter: InstanceFilter, instance: { instanceId: string; name: string; runtimeStatus: RuntimeStatus; createdAt: string }): boolean {
  if (filter.runtimeStatus?.length && !filter.runtimeStatus.includes(instance.runtimeStatus)) return false;
  if (filter.name && instance.name !== filter.name) return false;
  if (filter.instanceIdPrefix && !instance.instanceId.startsWith(filter.instanceIdPrefix)) return false;
  const created = Date.parse(instance.createdAt);
  if (filter.createdFrom && created < Date.parse(filter.createdFrom)) return false;
  if (filter.createdTo && created >= Date.parse(filter.createdTo)) return false;
  return true;
}

export function isEmptyFilter(filter: InstanceFilter): boolean {
  return paramsFromFilter(filter).toString() === "";
}

/** A datetime-local input's value ("2026-12-05T10:30", local time) as ISO 8601, or undefined. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** An ISO date as a datetime-local input shows it (local time, to the minute). */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function isoDate(value: string | null): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
