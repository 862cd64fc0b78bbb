/**
 * Crash-test worlds on each store, for tests that run once per store. PostgreSQL is on the
 * real server (test/helpers/postgres.ts): a schema of its own per world, dropped after the
 * test; its worlds are skipped, visibly, when the server is unreachable (except under CI=true,
 * where the helper throws).
 */
import { join } from "node:path";
import { postgresAvailable, tempPostgresUrl } from "../../helpers/postgres.js";
import { crashWorld, type CrashWorld } from "../crash-kit.js";

/** A schema of its own on the test server, and an activity log in `dir`. */
export function postgresCrashWorld(dir: string): CrashWorld {
  return { storeUrl: tempPostgresUrl(), logFile: join(dir, "activity.log") };
}

export interface CrashStore {
  name: "SQLite" | "PostgreSQL";
  /** True when this store cannot be tested here (skip its tests, visibly). */
  skip: boolean;
  world: (dir: string) => CrashWorld;
}

export const CRASH_STORES: readonly CrashStore[] = [
  { name: "SQLite", skip: false, world: crashWorld },
  { name: "PostgreSQL", skip: !postgresAvailable, world: postgresCrashWorld },
];

export { postgresAvailable };
