import type Database from "better-sqlite3";
import { SchemaTooNewError, StoreUnavailableError } from "../../errors.js";
import { MIGRATIONS } from "./migrations/index.js";

/**
 * Brings the schema up to date. Runs under BEGIN IMMEDIATE, so processes that open the
 * same file at once take turns, and a second one finds nothing left to do. A database
 * newer than this code is refused before anything is written.
 */
export function migrate(db: Database.Database, now: number): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const run = db.transaction(() => {
    const row = db.prepare("SELECT max(version) AS version FROM schema_migrations").get() as { version: number | null };
    const current = row.version ?? 0;
    if (current > MIGRATIONS.length) throw new SchemaTooNewError(current, MIGRATIONS.length);
    for (let version = current + 1; version <= MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version - 1]!);
      db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(version, now);
    }
  });
  run.immediate();
}

/**
 * Refuses, before anything is written, a file whose schema is newer than this code and a
 * database that is not a Baton store (it has tables but no migration record).
 */
export function assertOpenable(db: Database.Database, path: string): void {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  if (tables.length === 0) return;
  if (!tables.includes("schema_migrations")) {
    throw new StoreUnavailableError(
      `"${path}" is a SQLite database but not a Baton store (it has tables and no schema_migrations). Point the store URL at a new file.`,
    );
  }
  const row = db.prepare("SELECT max(version) AS version FROM schema_migrations").get() as { version: number | null };
  if ((row.version ?? 0) > MIGRATIONS.length) throw new SchemaTooNewError(row.version!, MIGRATIONS.length);
}

/**
 * Switches to WAL. On a fresh file opened by several processes at once, the switch can fail
 * with SQLITE_BUSY without honouring busy_timeout, so it is retried with a short pause.
 */
export function enableWal(db: Database.Database, deadlineMs = 10_000): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + deadlineMs;
  for (let delayMs = 2; ; delayMs = Math.min(delayMs * 2, 50)) {
    try {
      db.pragma("journal_mode = WAL");
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, delayMs);
    }
  }
}
