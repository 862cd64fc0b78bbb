/**
 * The stores a benchmark run can use, and what the runner needs around each run:
 *
 * - `sqlite`: a temporary directory holding `store.db` (synchronous=FULL, the default),
 *   removed after the run.
 * - `postgres`: a fresh schema on `BATON_BENCH_POSTGRES_URL` (default the local server),
 *   named `bench_<scenario>_<time>_<run>`; the store creates it on first open. After the run
 *   that schema and any sibling a scenario made from it (`<schema>_large`, W7) are dropped
 *   (DROP SCHEMA … CASCADE), whether the run succeeded, failed or hung.
 *
 * The durability of a PostgreSQL figure is the server's: `synchronous_commit` and `fsync` are
 * read from the server before each scenario and recorded next to its figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { fileSystemOf } from "./machine.js";

export type StoreKind = "sqlite" | "postgres";
export const STORE_KINDS: readonly StoreKind[] = ["sqlite", "postgres"];

export const POSTGRES_URL = process.env.BATON_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** What the figures of a PostgreSQL scenario were measured against, read from the server. */
export interface PostgresInfo {
  /** The server URL without password or query. */
  server: string;
  version: string;
  /** `SHOW` values: synchronous_commit, fsync, wal_sync_method, full_page_writes, shared_buffers. */
  settings: Record<string, string>;
  /** File system of the server's data directory when the server runs on this machine and it can be read. */
  dataFileSystem?: string;
}

/** One run's store: its URL, and how to remove it afterwards. */
export interface RunStore {
  url: string;
  /** Where the store lives, for messages: a directory or a schema. */
  where: string;
  cleanup(): Promise<void>;
}

/** A new empty store for one run of `scenarioId`. */
export function newRunStore(kind: StoreKind, scenarioId: string, run: number): RunStore {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), `baton-bench-${scenarioId.toLowerCase()}-`));
    return {
      url: `sqlite:${join(dir, "store.db")}`,
      where: dir,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `bench_${scenarioId.toLowerCase()}_${Date.now().toString(36)}_${run}`;
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("schema", schema);
  return { url: url.toString(), where: `schema ${schema}`, cleanup: () => dropSchemaFamily(schema) };
}

/**
 * Drops `schema` and the schemas named `<schema>_…` (a scenario's sibling stores). A child
 * killed mid-transaction may hold locks for a moment until the server notices the closed
 * socket: the drop waits up to 30 s for them, and tries again once.
 */
export async function dropSchemaFamily(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query("SET lock_timeout = '30s'");
    const found = await client.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE nspname = $1 OR left(nspname, length($1) + 1) = $1 || '_'",
      [schema],
    );
    for (const { nspname } of found.rows) {
      const drop = `DROP SCHEMA IF EXISTS "${nspname.replace(/"/g, '""')}" CASCADE`;
      await client.query(drop).catch(async () => client.query(drop));
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Reads the server's version and durability settings (throws when the server does not answer). */
export async function describePostgres(): Promise<PostgresInfo> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const show = async (name: string): Promise<string> => {
      try {
        return (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? "unknown";
      } catch {
        return "unknown";
      }
    };
    const version = (await client.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version.split(" ")[0]!;
    const settings: Record<string, string> = {};
    for (const name of ["synchronous_commit", "fsync", "wal_sync_method", "full_page_writes", "shared_buffers"]) {
      settings[name] = await show(name);
    }
    const server = new URL(POSTGRES_URL);
    server.password = "";
    server.search = "";
    const info: PostgresInfo = { server: server.toString(), version, settings };
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(server.hostname);
    const dataDirectory = await show("data_directory");
    if (local && dataDirectory !== "unknown") {
      const fileSystem = fileSystemOf(dataDirectory);
      if (fileSystem !== "unknown file system") info.dataFileSystem = fileSystem;
    }
    return info;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * True when PostgreSQL commits wait for the WAL to reach this server's disk (the equivalent of
 * SQLite's synchronous=FULL): fsync on, and any synchronous_commit but off (local, on,
 * remote_write and remote_apply all flush locally first).
 */
export function postgresIsDurable(info: PostgresInfo): boolean {
  return info.settings.fsync === "on" && ["on", "local", "remote_write", "remote_apply"].includes(info.settings.synchronous_commit ?? "");
}
