import { isAbsolute, resolve } from "node:path";
import { StoreUnavailableError } from "../errors.js";
import type { Store } from "./store.js";
import { SqliteStore, type SqliteSynchronous } from "./sqlite/sqlite-store.js";
import { PostgresStore } from "./postgres/postgres-store.js";
import { redact } from "./redact-url.js";
import type { ConnectionOptions } from "./postgres/connection.js";
import type { Clock } from "./plan/lease.js";

const SYNCHRONOUS = ["OFF", "NORMAL", "FULL", "EXTRA"];
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Opens a store from its URL:
 * - `sqlite:./relative.db`, `sqlite:/absolute/path.db`, optionally `?synchronous=NORMAL`.
 * - `sqlite::memory:`: a store in this process's memory, gone when it closes (for tests).
 * - `postgres://user:password@host:5432/database`, optionally `?schema=baton` (the schema
 *   holding this application's tables: applications sharing a database use one each) and
 *   `&poolSize=10` (connections per process), `&preparedStatements=false` (for a pooler in
 *   transaction mode that cannot keep them); other parameters go to the driver.
 * `clock` is where the store reads the time leases start from (Date.now unless a test
 * environment runs the store on its virtual clock).
 */
export async function openStore(url: string, { clock }: { clock?: Clock } = {}): Promise<Store> {
  if (typeof url !== "string" || url.length === 0) {
    throw new StoreUnavailableError(`store must be a URL such as "sqlite:./baton.db", got ${JSON.stringify(url)}.`);
  }
  if (url.startsWith("sqlite:")) return openSqlite(url, clock);
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url, clock);
  throw new StoreUnavailableError(
    `Store URL "${redact(url)}" is not supported. Use "sqlite:./baton.db" (embedded) or "postgres://user@host:5432/database".`,
  );
}

/** The URL of a store in memory: it exists only inside the store object that opened it. */
export function isMemoryStoreUrl(url: unknown): boolean {
  return typeof url === "string" && url.split("?", 1)[0] === MEMORY_URL;
}

const MEMORY_URL = "sqlite::memory:";

function openSqlite(url: string, clock: Clock | undefined): Store {
  const [pathPart, query] = url.slice("sqlite:".length).split("?", 2) as [string, string | undefined];
  if (pathPart.trim() === "") {
    throw new StoreUnavailableError(`Store URL "${url}" has no file path. Use "sqlite:./baton.db" or "sqlite:/abs/path.db".`);
  }
  const params = new URLSearchParams(query ?? "");
  const synchronous = (params.get("synchronous") ?? "FULL").toUpperCase();
  if (!SYNCHRONOUS.includes(synchronous)) {
    throw new StoreUnavailableError(`Store URL "${url}": synchronous must be one of ${SYNCHRONOUS.join(", ")}.`);
  }
  // SQLite's own name for a database in memory; never a file of that name in the working directory.
  const options = { synchronous: synchronous as SqliteSynchronous, ...(clock ? { clock } : {}) };
  if (isMemoryStoreUrl(url)) return SqliteStore.open(url, ":memory:", options);
  const path = isAbsolute(pathPart) ? pathPart : resolve(process.cwd(), pathPart);
  return SqliteStore.open(url, path, options);
}

function openPostgres(url: string, clock: Clock | undefined): Promise<Store> {
  return PostgresStore.open(url, postgresOptions(url), clock ? { clock } : {});
}

/** How long a PostgreSQL store retries a call that failed for a transient reason (docs/guarantees.md). */
export const POSTGRES_RETRY_MS = 30_000;

/** The connection options a `postgres://` store URL stands for (its own parameters taken out). */
export function postgresOptions(url: string): ConnectionOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreUnavailableError(`Store URL "${redact(url)}" is not a valid URL. Use "postgres://user:password@host:5432/database".`);
  }
  const schema = parsed.searchParams.get("schema") ?? "baton";
  if (!SCHEMA_NAME.test(schema)) {
    throw new StoreUnavailableError(
      `Store URL "${redact(url)}": schema "${schema}" must be a plain identifier (letters, digits, _; at most 63 characters).`,
    );
  }
  if (parsed.searchParams.has("options")) {
    throw new StoreUnavailableError(
      `Store URL "${redact(url)}": remove "options": Baton sets the connection's search_path itself (use ?schema=… to choose the schema).`,
    );
  }
  const poolText = parsed.searchParams.get("poolSize") ?? "10";
  const poolSize = Number(poolText);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new StoreUnavailableError(`Store URL "${redact(url)}": poolSize must be a whole number from 1 to 1000, got "${poolText}".`);
  }
  const prepared = parsed.searchParams.get("preparedStatements") ?? "true";
  if (prepared !== "true" && prepared !== "false") {
    throw new StoreUnavailableError(`Store URL "${redact(url)}": preparedStatements must be "true" or "false", got "${prepared}".`);
  }
  parsed.searchParams.delete("schema");
  parsed.searchParams.delete("poolSize");
  parsed.searchParams.delete("preparedStatements");
  return { connectionString: parsed.toString(), schema, poolSize, retryForMs: POSTGRES_RETRY_MS, preparedStatements: prepared === "true" };
}
