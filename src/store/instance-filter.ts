import { encodeToken } from "./continuation-token.js";
import { rowToInstance, type InstanceRow } from "./instance-row.js";
import { FINISHED_STATUSES, type InstanceRecord, type PurgeFilter, type RuntimeStatus } from "./store.js";

/**
 * The WHERE terms of a list or purge filter. `param` registers a value and returns its
 * placeholder (`?` in SQLite, `$n` in PostgreSQL), so both stores share one translation.
 *
 * `idBytes` is the store's indexed expression that orders ids byte by byte (SQLite's
 * `instance_id`, in its BINARY collation; PostgreSQL's `(instance_id COLLATE "C")`, whatever
 * the database's collation): a prefix adds the range of ids it spans, which the index seeks.
 * The substr term stays, so the range can only narrow the search.
 */
export function filterTerms(filter: PurgeFilter, param: (value: unknown) => string, idBytes: string): string[] {
  const where: string[] = [];
  if (filter.runtimeStatus && filter.runtimeStatus.length > 0) {
    where.push(`runtime_status IN (${filter.runtimeStatus.map((status) => param(status)).join(", ")})`);
  }
  if (filter.name !== undefined) where.push(`name = ${param(filter.name)}`);
  if (filter.createdFrom !== undefined) where.push(`created_at >= ${param(filter.createdFrom)}`);
  if (filter.createdTo !== undefined) where.push(`created_at <= ${param(filter.createdTo)}`);
  if (filter.instanceIdPrefix !== undefined) {
    const length = param(filter.instanceIdPrefix.length);
    where.push(`substr(instance_id, 1, ${length}) = ${param(filter.instanceIdPrefix)}`);
    // U+10FFFF, a noncharacter, sorts after every character an id holds.
    where.push(`${idBytes} >= ${param(filter.instanceIdPrefix)} AND ${idBytes} < ${param(`${filter.instanceIdPrefix}\u{10FFFF}`)}`);
  }
  return where;
}

/** The statuses a purge may touch: the finished ones, narrowed by the filter's (empty: nothing to purge). */
export function finishedOnly(statuses: readonly RuntimeStatus[] | undefined): RuntimeStatus[] {
  return FINISHED_STATUSES.filter((status) => statuses === undefined || statuses.length === 0 || statuses.includes(status));
}

/** A page of a list read with one row more than its size: that row's presence means more follow. */
export function pageOf(rows: readonly InstanceRow[], pageSize: number): { instances: InstanceRecord[]; continuationToken: string | undefined } {
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  const continuationToken = rows.length > pageSize && last ? encodeToken([last.created_at, last.instance_id]) : undefined;
  return { instances: page.map(rowToInstance), continuationToken };
}
