/**
 * What the client reads for a dashboard: the live workers and the functions they host, a page
 * of one history, instances per status, and what changed lately. Each answer is bounded: a
 * history comes in pages, a filtered count stops at a cap, changes come newest first up to a
 * limit; so that none of them grows with the store.
 */
import { toHistoryEntry, type HistoryEntry } from "../engine/history-entry.js";
import { InvalidArgumentError } from "../errors.js";
import type { InstanceStore, PurgeFilter, RuntimeStatus, StatusCounts } from "../store/store.js";

/** A running worker: the functions it hosts, its last heartbeat, and how long that keeps it counted alive. */
export interface WorkerInfo {
  workerId: string;
  orchestrations: string[];
  activities: string[];
  heartbeatAt: Date;
  leaseMs: number;
}

/** Every function a worker announced, and whether a running worker hosts it now. */
export interface FunctionsInfo {
  orchestrations: { name: string; hosted: boolean }[];
  activities: { name: string; hosted: boolean }[];
}

/** Instances per status. `capped`: at least one count stopped at the cap and means "at least". */
export interface InstanceCounts {
  counts: StatusCounts;
  capped: boolean;
}

/** A page of a history: `next` is the position to ask for next, null at the end. */
export interface HistoryPage {
  events: HistoryEntry[];
  total: number;
  next: number | null;
}

/** One instance as it was when it last changed (see changedSince). */
export interface InstanceChange {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  createdAt: Date;
  lastUpdatedAt: Date;
}

/** Default and largest page of a history. */
export const DEFAULT_HISTORY_PAGE = 500;
export const MAX_HISTORY_PAGE = 5000;
/** Where a filtered count stops, per status. */
export const DEFAULT_COUNT_CAP = 10_000;
/** Most changes one changedSince answer holds. */
export const MAX_CHANGES = 1000;

export async function listWorkers(store: InstanceStore, now: number): Promise<WorkerInfo[]> {
  return (await store.liveWorkers(now)).map((worker) => ({
    workerId: worker.workerId,
    orchestrations: worker.orchestrations,
    activities: worker.activities,
    heartbeatAt: new Date(worker.heartbeatAt),
    leaseMs: worker.leaseMs,
  }));
}

export async function listFunctions(store: InstanceStore, now: number): Promise<FunctionsInfo> {
  const [known, workers] = await Promise.all([store.knownFunctions(), store.liveWorkers(now)]);
  const hosted = { orchestrations: new Set(workers.flatMap((w) => w.orchestrations)), activities: new Set(workers.flatMap((w) => w.activities)) };
  const entries = (names: string[], live: Set<string>) => [...names].sort().map((name) => ({ name, hosted: live.has(name) }));
  return { orchestrations: entries(known.orchestrations, hosted.orchestrations), activities: entries(known.activities, hosted.activities) };
}

/**
 * Unfiltered, the counts are exact (read through the status index); filtered, each stops at
 * `cap`, since a filter on name or id prefix must look at the rows of each status in turn.
 */
export async function countInstances(store: InstanceStore, filter: PurgeFilter, cap: number | undefined): Promise<InstanceCounts> {
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) throw new InvalidArgumentError(`countInstances cap must be a whole number of at least 1, got ${cap}.`);
  const filtered = Object.values(filter).some((value) => value !== undefined);
  const applied = filtered ? (cap ?? DEFAULT_COUNT_CAP) : cap;
  const counts = await store.countInstancesWhere(filter, applied);
  return { counts, capped: applied !== undefined && Object.values(counts).some((n) => n >= applied) };
}

export async function historyPage(store: InstanceStore, instanceId: string, from: number, limit: number): Promise<HistoryPage | null> {
  if (!Number.isInteger(from) || from < 0) throw new InvalidArgumentError(`from must be a whole number of at least 0, got ${from}.`);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_PAGE) {
    throw new InvalidArgumentError(`limit must be a whole number from 1 to ${MAX_HISTORY_PAGE}, got ${limit}.`);
  }
  const range = await store.historyRange(instanceId, from, limit);
  if (!range) return null;
  const end = from + range.events.length;
  return { events: range.events.map(toHistoryEntry), total: range.total, next: end < range.total ? end : null };
}

export async function changedSince(store: InstanceStore, since: number, limit: number): Promise<InstanceChange[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGES) throw new InvalidArgumentError(`limit must be a whole number from 1 to ${MAX_CHANGES}, got ${limit}.`);
  return (await store.changedSince(since, limit)).map((change) => ({
    ...change,
    createdAt: new Date(change.createdAt),
    lastUpdatedAt: new Date(change.lastUpdatedAt),
  }));
}
