/**
 * Tools for crash tests: worker child processes that can be killed for real, the activity
 * log they write, and the invariants every crash test checks afterwards:
 * - every instance completed with the output its input implies;
 * - no history holds a step twice (no TaskScheduled or TaskCompleted seq appears twice);
 * - every activity call ran, and ran more than once only where a process lost its work;
 * - nothing committed before a crash was rewritten or run again after it;
 * - the store is self-consistent (history_length matches the rows, no gaps) and, once
 *   everything completed, holds no queued work.
 * The store checks read either store, SQLite or PostgreSQL, by URL; kit/stores.ts gives a
 * world on each, for tests that run on both.
 */
import { join } from "node:path";

export * from "./kit/activity-log.js";
export * from "./kit/instances.js";
export * from "./kit/processes.js";
export * from "./kit/store-inspection.js";
export { backendsOf, terminateBackends, withPostgres, type Backend } from "./kit/store-postgres.js";
export { sqlitePath, withStoreFile } from "./kit/store-sqlite.js";

export const quietLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The timeout of a crash or scale-out test. Each starts worker processes and runs real work,
 * which on a loaded machine takes minutes. The waits inside have bounds of their own (a
 * child's start, the instances' progress) and fail first, saying what they waited for: this
 * one only ends a test that hangs.
 */
export const CRASH_TEST_TIMEOUT_MS = 600_000;

export const randomBetween = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

export interface CrashWorld {
  storeUrl: string;
  logFile: string;
}

/** A store file and an activity log in a fresh temporary directory (removed after the test). */
export function crashWorld(dir: string): CrashWorld {
  return { storeUrl: `sqlite:${join(dir, "baton.db")}`, logFile: join(dir, "activity.log") };
}

