/**
 * The filters the client takes (list, countInstances, replayCheckWhere, purgeWhere), checked
 * and turned into what the store takes: statuses known, dates valid, times in milliseconds.
 */
import { InvalidArgumentError } from "../errors.js";
import { RuntimeStatus, type PurgeFilter } from "../store/store.js";

/** The filter of list without paging: the one countInstances and replayCheckWhere take. */
export interface InstanceFilterOptions {
  runtimeStatus?: RuntimeStatus[];
  name?: string;
  createdFrom?: Date;
  createdTo?: Date;
  instanceIdPrefix?: string;
}

/** A list filter, checked, as the store takes it. */
export function storeFilterOf(filter: InstanceFilterOptions): PurgeFilter {
  const statuses = filter.runtimeStatus;
  const known: readonly string[] = Object.values(RuntimeStatus);
  if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => !known.includes(s)))) {
    throw new InvalidArgumentError(`runtimeStatus must be an array of ${Object.keys(RuntimeStatus).join(", ")}.`);
  }
  if (filter.instanceIdPrefix !== undefined && typeof filter.instanceIdPrefix !== "string") {
    throw new InvalidArgumentError("instanceIdPrefix must be a string.");
  }
  return {
    ...(statuses ? { runtimeStatus: statuses } : {}),
    ...(filter.name !== undefined ? { name: filter.name } : {}),
    ...(filter.createdFrom !== undefined ? { createdFrom: dateMs(filter.createdFrom, "createdFrom") } : {}),
    ...(filter.createdTo !== undefined ? { createdTo: dateMs(filter.createdTo, "createdTo") } : {}),
    ...(filter.instanceIdPrefix !== undefined ? { instanceIdPrefix: filter.instanceIdPrefix } : {}),
  };
}

export function dateMs(value: Date, what: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new InvalidArgumentError(`${what} must be a valid Date.`);
  return value.getTime();
}
