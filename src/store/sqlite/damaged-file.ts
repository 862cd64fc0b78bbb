/**
 * Finding damage in a SQLite file early, and leaving a damaged file as it is.
 *
 * At open, a full `PRAGMA quick_check` reads every page: on a 300 MB store it took 1.3 s with a
 * warm cache and 6.9 s with a cold one, too slow for every open. The probe below reads what
 * every later call depends on instead — the header and schema (read by any query), then the
 * root and first leaf of every table and index — a few pages each. Damage elsewhere is found by
 * the call that reads it.
 *
 * Closing the last connection to a file in WAL mode checkpoints the log into it. A damaged file
 * must not be written, so it is closed while a read-only connection still holds it open (the
 * writable one then cannot checkpoint, and a read-only one never does): the log stays beside the
 * file, whole, for the recovery to read.
 */
import Database from "better-sqlite3";
import { isCorruption } from "./driver-faults.js";

/** Reads the first page of every table and index; throws the driver's error at the first damaged one. */
export function probeTables(db: Database.Database): void {
  const objects = db
    .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'index') AND rootpage > 0 ORDER BY rootpage")
    .all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
  for (const object of objects) {
    try {
      db.prepare(probeOf(object)).get();
    } catch (error) {
      if (isCorruption(error)) throw error;
      // Any other refusal (an index the planner cannot scan on its own) says nothing of damage.
    }
  }
}

/** A query that reads the root and first leaf of this b-tree (a partial index needs its own condition). */
function probeOf({ type, name, tbl_name: table, sql }: { type: string; name: string; tbl_name: string; sql: string | null }): string {
  if (type === "table") return `SELECT 1 FROM ${quote(name)} NOT INDEXED LIMIT 1`; // not a smaller index instead
  const partial = sql?.match(/\)\s+WHERE\s+(.+)$/is)?.[1];
  return `SELECT 1 FROM ${quote(table)} INDEXED BY ${quote(name)}${partial ? ` WHERE ${partial}` : ""} LIMIT 1`;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** Closes `db` without checkpointing its WAL into the file at `path`. */
export function closeKeepingWal(db: Database.Database, path: string): void {
  let reader: Database.Database | undefined;
  try {
    reader = new Database(path, { readonly: true, fileMustExist: true });
    reader.prepare("PRAGMA user_version").get(); // opens the WAL: this connection now holds the file
  } catch {
    // Unreadable (its header damaged, say): then the writable connection never opened the WAL either.
  }
  db.close();
  reader?.close();
}
