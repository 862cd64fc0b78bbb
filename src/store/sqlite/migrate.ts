import type Database from "better-sqlite3";
import { SchemaTooNewError } from "../../errors.js";
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
