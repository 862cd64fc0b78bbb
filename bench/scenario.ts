/**
 * What a benchmark scenario is, and the small helpers every scenario shares.
 *
 * A scenario runs one workload of issue 4 against a store URL, using only the public API,
 * checks its own results (a fast wrong answer must not pass), and returns named metrics.
 * The runner (`bench/run.ts`) runs each scenario in fresh child processes and takes medians.
 */
import { statSync } from "node:fs";
import pg from "pg";
import { createBaton, type Baton, type BatonOptions, type FunctionDefinition, type Logger } from "../src/index.js";

/** How one metric is shown and judged. */
export interface MetricSpec {
  unit: "ms" | "s" | "MB" | "µs" | "×" | "/s" | "count";
  /** The target of issue 4 for this metric, when it has one. */
  target?: { op: "<=" | ">="; value: number };
  /** The figure established systems reached on the same machine (issue 4), in the same unit. */
  reference?: number;
  /** One line on what the metric measures. */
  about: string;
}

export interface Scenario {
  /** "W1" .. "W7". */
  id: string;
  title: string;
  /** The target of issue 4, as written there. */
  target: string;
  /** The reference figure of issue 4, as written there ("—" when there is none). */
  reference: string;
  /** Every metric `run` returns, in display order. */
  metrics: Record<string, MetricSpec>;
  /**
   * Runs the workload on a fresh store and returns its metrics. Throws when a result is
   * wrong. The store belongs to this run: a scenario may open more stores beside it with
   * `siblingStoreUrl` (files in the run's directory, or schemas named after the run's), and
   * the runner removes them all afterwards.
   */
  run(storeUrl: string): Promise<Record<string, number>>;
}

/** A result the scenario checked was wrong: the figures of this run do not count. */
export class CheckFailedError extends Error {
  override readonly name = "CheckFailedError";
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailedError(message);
}

/** Benchmarks print nothing but their metrics. */
export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

type Limits = Omit<BatonOptions, "store" | "functions" | "logger">;

/** Opens a baton on `storeUrl` (durability as the URL says: the default is synchronous=FULL) and starts its worker. */
export async function startBaton(storeUrl: string, functions: readonly FunctionDefinition[], limits: Limits = {}): Promise<Baton> {
  const baton = await createBaton({ store: storeUrl, functions, logger: quietLogger, ...limits });
  await baton.start();
  return baton;
}

/** Which store a URL opens. */
export function storeKindOf(storeUrl: string): "sqlite" | "postgres" {
  if (storeUrl.startsWith("sqlite:")) return "sqlite";
  if (storeUrl.startsWith("postgres://") || storeUrl.startsWith("postgresql://")) return "postgres";
  throw new CheckFailedError(`benchmarks run on sqlite: or postgres:// store URLs, got ${storeUrl}`);
}

/** The file path of a `sqlite:` store URL. */
export function storePath(storeUrl: string): string {
  check(storeKindOf(storeUrl) === "sqlite", `expected a SQLite store URL, got ${storeUrl}`);
  return storeUrl.slice("sqlite:".length).split("?")[0]!;
}

/** The schema of a `postgres://` store URL (the store's default, "baton", when it names none). */
export function storeSchema(storeUrl: string): string {
  check(storeKindOf(storeUrl) === "postgres", `expected a PostgreSQL store URL, got ${storeUrl}`);
  return new URL(storeUrl).searchParams.get("schema") ?? "baton";
}

/**
 * A second store beside `storeUrl`, belonging to the same run: `<file>-<suffix>.db` for SQLite
 * (in the run's directory), schema `<schema>_<suffix>` for PostgreSQL (dropped with the run's).
 */
export function siblingStoreUrl(storeUrl: string, suffix: string): string {
  if (storeKindOf(storeUrl) === "sqlite") return storeUrl.replace(/(\.db)?(\?.*)?$/, (_, _db, query = "") => `-${suffix}.db${query}`);
  const url = new URL(storeUrl);
  url.searchParams.set("schema", `${storeSchema(storeUrl)}_${suffix}`);
  return url.toString();
}

/**
 * A new connection to the server of a `postgres://` store URL, its search path set to the
 * store's schema, for scenario setup (seeding) and inspection only.
 */
export async function connectPostgres(storeUrl: string): Promise<pg.Client> {
  const url = new URL(storeUrl);
  const schema = storeSchema(storeUrl);
  for (const name of ["schema", "poolSize"]) url.searchParams.delete(name);
  const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path="${schema.replace(/"/g, '""')}"` });
  await client.connect();
  return client;
}

/**
 * What the store takes on disk, in MB: the SQLite file (its WAL checkpointed by whoever
 * wrote it), or every table of the PostgreSQL schema with its indexes and TOAST.
 */
export async function storeSizeMB(storeUrl: string): Promise<number> {
  if (storeKindOf(storeUrl) === "sqlite") return statSync(storePath(storeUrl)).size / 2 ** 20;
  const client = await connectPostgres(storeUrl);
  try {
    const result = await client.query<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [storeSchema(storeUrl)],
    );
    return Number(result.rows[0]?.bytes ?? 0) / 2 ** 20;
  } finally {
    await client.end();
  }
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` every `intervalMs` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitUntil(what: string, predicate: () => Promise<boolean>, timeoutMs: number, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new CheckFailedError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleepMs(intervalMs);
  }
}

/** Resident set size and V8 heap in MB, after a full collection when the process runs with --expose-gc. */
export function memoryAfterGc(): { rssMB: number; heapUsedMB: number } {
  if (typeof globalThis.gc === "function") {
    globalThis.gc();
    globalThis.gc();
  }
  const usage = process.memoryUsage();
  return { rssMB: usage.rss / 2 ** 20, heapUsedMB: usage.heapUsed / 2 ** 20 };
}

/** Time limit for waits inside scenarios, so a hang becomes an error with a message. */
export const WAIT_TIMEOUT_MS = 180_000;
