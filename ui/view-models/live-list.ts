/**
 * The Instances page's rows kept current from the stream: a change to a listed instance
 * updates its row, or removes it when it no longer passes the filter; a new instance that
 * passes it is put on top (newest first, as the list is) when the page shown is the first.
 * The list never grows past its page size: the oldest rows fall off the end, as paging would.
 */
import type { InstanceChange, InstanceFilter, InstanceStatus } from "../api-types.js";
import { matchesFilter } from "./filters.js";

export type ListedInstance = Pick<InstanceStatus, "instanceId" | "name" | "runtimeStatus" | "createdAt" | "lastUpdatedAt">;

export function applyChanges<Row extends ListedInstance>(
  rows: readonly Row[],
  changes: readonly InstanceChange[],
  options: { filter: InstanceFilter; firstPage: boolean; pageSize: number },
): ListedInstance[] {
  // The last change of an instance in the batch is the one that counts.
  const latest = new Map<string, InstanceChange>();
  for (const change of changes) latest.set(change.instanceId, change);
  const listed = new Set(rows.map((row) => row.instanceId));
  const kept: ListedInstance[] = [];
  for (const row of rows) {
    const change = latest.get(row.instanceId);
    if (!change) kept.push(row);
    else if (matchesFilter(options.filter, change)) kept.push({ ...row, ...change });
  }
  if (!options.firstPage) return kept;
  const added = [...latest.values()]
    .filter((change) => !listed.has(change.instanceId) && matchesFilter(options.filter, change))
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return [...added, ...kept].slice(0, options.pageSize);
}
