/**
 * What a benchmark scenario is, and the small helpers every scenario shares.
 *
 * A scenario runs one workload of issue 4 against a store URL, using only the public API,
 * checks its own results (a fast wrong answer must not pass), and returns named metrics.
 * The runner (`bench/run.ts`) runs each scenario in fresh child processes and takes medians.
 */
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
   * wrong. The directory holding the store file belongs to this run: a scenario may put
   * more files beside it, and the runner removes the directory afterwards.
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

/** The file path of a `sqlite:` store URL. */
export function storePath(storeUrl: string): string {
  check(storeUrl.startsWith("sqlite:"), `benchmarks run on SQLite store URLs, got ${storeUrl}`);
  return storeUrl.slice("sqlite:".length).split("?")[0]!;
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
