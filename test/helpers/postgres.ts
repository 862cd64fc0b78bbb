/**
 * PostgreSQL for tests: the real server (BATON_TEST_POSTGRES_URL, default the local one), one
 * schema per store, dropped after the test. When no server answers, PostgreSQL tests skip with
 * a message, except under CI=true, where that is an error.
 */
import pg from "pg";
import { afterEach } from "vitest";

export const POSTGRES_URL = process.env.BATON_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Every schema a test run creates starts with this; the global teardown drops what is left. */
export const RUN_PREFIX = `baton_t_${process.env.BATON_TEST_RUN ?? Date.now().toString(36)}_`;

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch (error) {
    const message = `PostgreSQL is not reachable at ${POSTGRES_URL} (${(error as Error).message})`;
    if (process.env.CI === "true") throw new Error(`${message}: CI requires it. Start the server (see .ci/run).`);
    console.warn(`\n*** ${message}: PostgreSQL tests are SKIPPED. Set BATON_TEST_POSTGRES_URL or start the server. ***\n`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresAvailable: boolean = await reachable();

let counter = 0;
const created: string[] = [];

/** A store URL on a schema of its own, dropped after the test. */
export function tempPostgresUrl(): string {
  const schema = `${RUN_PREFIX}${process.pid}_${++counter}`;
  created.push(schema);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("schema", schema);
  return url.toString();
}

/** Drops schemas; one still in use (a store left open) is left for the run's global teardown. */
export async function dropSchemas(schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query("SET lock_timeout = '3s'");
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  } finally {
    await client.end();
  }
}

afterEach(async () => {
  await dropSchemas(created.splice(0));
});
