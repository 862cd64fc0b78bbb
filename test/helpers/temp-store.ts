import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { tempPostgresUrl } from "./postgres.js";

const dirs: string[] = [];

/** A fresh directory for this test, removed after it. */
export function tempDir(prefix = "baton-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** A store URL for a new SQLite file of its own. */
export function tempSqliteUrl(): string {
  return `sqlite:${join(tempDir(), "baton.db")}`;
}

/**
 * A new, empty store of its own for this test: SQLite, or a PostgreSQL schema when the run
 * sets BATON_TEST_STORE=postgres (the "postgres" test project runs the suites again that way).
 */
export function tempStoreUrl(): string {
  return process.env.BATON_TEST_STORE === "postgres" ? tempPostgresUrl() : tempSqliteUrl();
}

/**
 * The store class tempStoreUrl() opens in this run, to spy on. Its `open` is sync for SQLite
 * and async for PostgreSQL: await what a spy on it records.
 */
export const TestStore: typeof SqliteStore | typeof PostgresStore = process.env.BATON_TEST_STORE === "postgres" ? PostgresStore : SqliteStore;

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
