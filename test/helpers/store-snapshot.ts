import Database from "better-sqlite3";
import { existsSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import pg from "pg";
import { waitUntil } from "./wait.js";

/** Tables of liveness, not data: a running worker's heartbeat rewrites them on its own schedule. */
const LIVENESS_TABLES = ["workers"];

/** BIGINT (times in ms, serial ids) as numbers, as the store itself reads them and as SQLite gives them. */
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/**
 * Every row of every data table of a store (SQLite file or PostgreSQL schema), to assert that a
 * rejected call changed nothing. Both kinds skip only the liveness tables (schema_migrations is
 * data and is included); rows are ordered by their first two columns.
 */
export async function snapshotStore(url: string): Promise<Record<string, unknown[]>> {
  if (isPostgresUrl(url)) return snapshotPostgres(url);
  return snapshotSqlite(pathOfUrl(url));
}

/** Every row of every data table of a SQLite store file, to assert that a rejected call changed nothing. */
export function snapshotSqlite(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]
    ).filter(({ name }) => !LIVENESS_TABLES.includes(name));
    return Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all()]));
  } finally {
    db.close();
  }
}

/**
 * Every row of one table of a store, ordered like a snapshot's: cheaper than a whole snapshot,
 * for a test that polls one table while the store works.
 */
export async function tableRows(url: string, table: string): Promise<unknown[]> {
  if (!isPostgresUrl(url)) {
    const db = new Database(pathOfUrl(url), { readonly: true });
    try {
      return db.prepare(`SELECT * FROM ${quote(table)} ORDER BY 1, 2`).all();
    } finally {
      db.close();
    }
  }
  return withPostgres(url, async (client, schema) => (await client.query(`SELECT * FROM ${quote(schema)}.${quote(table)} ORDER BY 1, 2`)).rows);
}

/**
 * Waits until nothing is in flight in a store: no lease held on an instance, no activity task,
 * and no inbox message but the `pending` ones (not due yet). A worker that has reached that
 * point writes nothing more to the data tables while it idles: a snapshot taken then stays.
 */
export async function waitForIdleStore(url: string, pending = 0): Promise<void> {
  await waitUntil(async () => {
    const now = Date.now();
    const instances = (await tableRows(url, "instances")) as { lease_expires_at: number | null }[];
    const leased = instances.filter((row) => (row.lease_expires_at ?? 0) > now).length;
    const tasks = (await tableRows(url, "activity_tasks")).length;
    const messages = (await tableRows(url, "inbox")).length;
    return leased === 0 && tasks === 0 && messages === pending ? true : undefined;
  }, `the store to be idle (no lease, no task, ${pending} pending messages)`);
}

/** Every row of every data table of the PostgreSQL schema a store URL names. */
function snapshotPostgres(url: string): Promise<Record<string, unknown[]>> {
  return withPostgres(url, async (client, schema) => {
    const tables = (await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", [schema])).rows
      .map((row) => row.tablename)
      .filter((name) => !LIVENESS_TABLES.includes(name));
    const snapshot: Record<string, unknown[]> = {};
    for (const name of tables) snapshot[name] = (await client.query(`SELECT * FROM ${quote(schema)}.${quote(name)} ORDER BY 1, 2`)).rows;
    return snapshot;
  });
}

/** Runs `body` on a connection of its own to the database of a `postgres://` store URL, closed after. */
async function withPostgres<T>(url: string, body: (client: pg.Client, schema: string) => Promise<T>): Promise<T> {
  const { connectionString, schema } = postgresTarget(url);
  const client = new pg.Client({ connectionString, types: TYPES });
  await client.connect();
  try {
    return await body(client, schema);
  } finally {
    await client.end();
  }
}

/**
 * What exists of a store that was never opened should be nothing: the files in a SQLite
 * store's directory, or for PostgreSQL the URL's schema if it exists.
 */
export async function storeTraces(url: string): Promise<string[]> {
  if (!isPostgresUrl(url)) {
    const dir = dirname(pathOfUrl(url));
    return existsSync(dir) ? readdirSync(dir) : [];
  }
  return withPostgres(url, async (client, schema) => {
    const found = await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = $1", [schema]);
    return found.rows.map((row) => `schema ${row.nspname}`);
  });
}

export function pathOfUrl(url: string): string {
  return url.slice("sqlite:".length);
}

function isPostgresUrl(url: string): boolean {
  return url.startsWith("postgres://") || url.startsWith("postgresql://");
}

/** The connection string (the store's own parameters taken out) and the schema of a `postgres://` store URL. */
function postgresTarget(url: string): { connectionString: string; schema: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "baton";
  parsed.searchParams.delete("schema");
  parsed.searchParams.delete("poolSize");
  return { connectionString: parsed.toString(), schema };
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
