/**
 * Moves a store from SQLite to PostgreSQL: every instance, its history, its queued messages
 * and activity tasks (with attempts, retry state and heartbeat details) and the announced
 * functions, copied in one PostgreSQL transaction — all of it lands or none of it does.
 * Leases are cleared: they belonged to workers that must be stopped before the move.
 */
import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { checkKeys, knownKeys } from "../definitions/options.js";
import { InvalidArgumentError } from "../errors.js";
import { isMemoryStoreUrl, openStore, postgresOptions } from "./open-store.js";
import { Connection } from "./postgres/connection.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";

/** The tables copied, in order; `workers` is not copied (it describes running processes). */
const TABLES = ["instances", "history_segments", "inbox", "activity_tasks", "functions"] as const;
type Table = (typeof TABLES)[number];

const ROWS_PER_STATEMENT = 2000;

export interface MigrateStoreOptions {
  /** Called after each batch of rows copied (for a progress display). */
  onProgress?: (table: Table, copied: number, total: number) => void;
}

const MIGRATE_OPTION_KEYS = knownKeys<MigrateStoreOptions>()({ onProgress: true });

/** Rows copied per table. */
export type MigrateStoreResult = Record<Table, number>;

export async function migrateStore(fromUrl: string, toUrl: string, options: MigrateStoreOptions = {}): Promise<MigrateStoreResult> {
  checkKeys(options, MIGRATE_OPTION_KEYS, "migrateStore");
  if (!fromUrl?.startsWith?.("sqlite:")) throw new InvalidArgumentError(`migrateStore copies from a SQLite store: "from" must be a sqlite: URL.`);
  if (!/^postgres(ql)?:\/\//.test(toUrl ?? "")) throw new InvalidArgumentError(`migrateStore copies to PostgreSQL: "to" must be a postgres:// URL.`);
  if (isMemoryStoreUrl(fromUrl)) {
    throw new InvalidArgumentError(`migrateStore: "from" is a store in memory, which no other process can open: there is nothing to copy. Give the sqlite: URL of a store file.`);
  }
  const sourcePath = resolve(fromUrl.slice("sqlite:".length).split("?")[0]!);
  if (!existsSync(sourcePath)) throw new InvalidArgumentError(`No SQLite store at ${sourcePath}: check the "from" URL.`);
  // Opening each store first brings its schema up to date (and refuses one newer than this code).
  const source = (await openStore(fromUrl)) as SqliteStore;
  let connection: Connection | undefined;
  try {
    await (await openStore(toUrl)).close();
    connection = new Connection({ ...postgresOptions(toUrl), poolSize: 1 });
    const db: Database.Database = source.database;
    const live = (db.prepare("SELECT count(*) AS n FROM workers WHERE heartbeat_at + lease_ms >= ?").get(Date.now()) as { n: number }).n;
    if (live > 0) {
      throw new InvalidArgumentError(
        `${live} worker(s) still run on the SQLite store: stop every worker before moving the store, then run the move again.`,
      );
    }
    // One read transaction: every table is read as of the same moment.
    db.exec("BEGIN");
    return await connection.transaction(async (sql) => {
      const counts = {} as MigrateStoreResult;
      for (const table of TABLES) {
        const existing = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
        if (existing.rows[0]!.n > 0) {
          throw new InvalidArgumentError(`The PostgreSQL store already holds ${table}: move into an empty schema (?schema=… in the URL).`);
        }
      }
      for (const table of TABLES) {
        const total = (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
        const select = db.prepare(`SELECT * FROM ${table} ORDER BY ${table === "inbox" || table === "activity_tasks" ? "id" : "1, 2"}`);
        let batch: Record<string, unknown>[] = [];
        let copied = 0;
        const flush = async (): Promise<void> => {
          if (batch.length === 0) return;
          // Columns are matched by name: the two schemas share them (PostgreSQL's inbox adds type and seq).
          await sql.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1::json)`, [JSON.stringify(batch)]);
          copied += batch.length;
          batch = [];
          options.onProgress?.(table, copied, total);
        };
        for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
          batch.push(adapt(table, row));
          if (batch.length >= ROWS_PER_STATEMENT) await flush();
        }
        await flush();
        counts[table] = copied;
      }
      // New rows continue after the copied ids, so queue order stays as it was.
      for (const table of ["inbox", "activity_tasks"]) {
        await sql.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 0) + 1, false) FROM ${table}`);
      }
      return counts;
    }, { ambiguousCommitSafe: false });
  } finally {
    if (source.database.inTransaction) source.database.exec("COMMIT");
    await connection?.close();
    await source.close();
  }
}

function adapt(table: Table, row: Record<string, unknown>): Record<string, unknown> {
  if (table === "inbox") {
    const message = JSON.parse(row.message as string) as { type: string; seq?: number };
    return { ...row, type: message.type, seq: message.seq ?? null };
  }
  if (table === "instances" || table === "activity_tasks") return { ...row, lease_owner: null, lease_token: null, lease_expires_at: 0 };
  return row;
}
