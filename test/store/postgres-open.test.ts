/**
 * Opening a PostgreSQL store: migrations are safe when many opens race on a fresh schema; a
 * schema written by newer code, or one holding someone else's tables, is refused and left as
 * it was; URL mistakes are clear errors that hide the password; and applications on separate
 * schemas of one database never see each other's instances.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, SchemaTooNewError, StoreUnavailableError, type Baton } from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { openStore } from "../../src/store/open-store.js";
import { MIGRATIONS } from "../../src/store/postgres/migrations/index.js";
import type { Store } from "../../src/store/store.js";
import { POSTGRES_URL, postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";

const opened: (Store | Baton)[] = [];
afterEach(async () => {
  for (const item of opened.splice(0)) await ("stop" in item ? item.stop({ timeoutMs: 2000 }) : item.close());
});

async function open(url: string): Promise<Store> {
  const store = await openStore(url);
  opened.push(store);
  return store;
}

function schemaOf(url: string): string {
  return new URL(url).searchParams.get("schema")!;
}

async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const ALL_VERSIONS = MIGRATIONS.map((_, i) => i + 1);

describe.skipIf(!postgresAvailable)("PostgreSQL store: opening and migrations", () => {
  it("migrates once when twelve opens race on each of three fresh schemas", async () => {
    const urls = [tempPostgresUrl(), tempPostgresUrl(), tempPostgresUrl()];
    const stores = await Promise.all(urls.flatMap((url) => Array.from({ length: 12 }, () => open(url))));
    expect(stores).toHaveLength(36);
    for (const url of urls) {
      const rows = await query<{ version: number }>(`SELECT version FROM "${schemaOf(url)}".schema_migrations ORDER BY version`);
      expect(rows.map((r) => r.version)).toEqual(ALL_VERSIONS);
    }
    // Each store works on the shared schema.
    await stores[0]!.createInstance({ instanceId: "a", name: "X", executionId: "e", input: undefined, startAt: 0, reuseFinished: false }, Date.now());
    expect(await stores[11]!.getInstance("a")).toMatchObject({ instanceId: "a", runtimeStatus: "Pending" });
  });

  it("refuses a schema written by newer code with SchemaTooNewError and leaves it unchanged", async () => {
    const url = tempPostgresUrl();
    const schema = schemaOf(url);
    const store = await openStore(url);
    await store.createInstance({ instanceId: "kept", name: "X", executionId: "e", input: "1", startAt: 0, reuseFinished: false }, Date.now());
    await store.close();
    await query(`INSERT INTO "${schema}".schema_migrations (version, applied_at) VALUES ($1, 0)`, [MIGRATIONS.length + 5]);
    const before = await query(`SELECT * FROM "${schema}".instances`);

    const error = await openStore(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect((error as SchemaTooNewError).storeVersion).toBe(MIGRATIONS.length + 5);
    expect(await query(`SELECT * FROM "${schema}".instances`)).toEqual(before);
    const versions = await query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(versions.map((r) => r.version)).toEqual([...ALL_VERSIONS, MIGRATIONS.length + 5]);
  });

  it("refuses a schema that holds other tables, and creates nothing in it", async () => {
    const url = tempPostgresUrl();
    const schema = schemaOf(url);
    await query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".orders (id int)`);
    const error = await openStore(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/not a Baton store.*\?schema=/);
    const tables = await query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", [schema]);
    expect(tables.map((t) => t.table_name)).toEqual(["orders"]);
  });

  it("rejects bad URL parameters before connecting, and never shows the password", async () => {
    const base = "postgres://app:s3cret-pw@127.0.0.1:5432/test";
    for (const [url, pattern] of [
      [`${base}?schema=drop;table`, /schema "drop;table" must be a plain identifier/],
      [`${base}?schema=1abc`, /must be a plain identifier/],
      [`${base}?poolSize=0`, /poolSize must be a whole number from 1 to 1000/],
      [`${base}?poolSize=many`, /poolSize must be a whole number/],
      [`${base}?preparedStatements=no`, /preparedStatements must be "true" or "false", got "no"/],
      [`${base}?options=-c%20search_path%3Dpublic`, /remove "options"/],
      ["postgres://app:s3cret-pw@[bad", /not a valid URL/],
      ["mysql://app:s3cret-pw@127.0.0.1/x", /not supported/],
    ] as const) {
      const error = await openStore(url).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message, url).toMatch(pattern);
      expect((error as Error).message, url).not.toContain("s3cret-pw");
    }
  });

  it("prepares its frequent statements on its connections, unless preparedStatements=false", async () => {
    const preparedOn = async (url: string): Promise<string[]> => {
      const store = await openStore(`${url}&poolSize=1`);
      try {
        await store.createInstance({ instanceId: "a", name: "Orch", executionId: "e1", input: undefined, startAt: 0, reuseFinished: false }, Date.now());
        await store.getInstance("a");
        // The store's only connection: what it has prepared is visible to its own session.
        const pool = (store as unknown as { db: { pool: pg.Pool } }).db.pool;
        return (await pool.query<{ name: string }>("SELECT name FROM pg_prepared_statements ORDER BY name")).rows.map((r) => r.name);
      } finally {
        await store.close();
      }
    };
    expect(await preparedOn(tempPostgresUrl())).toEqual(expect.arrayContaining(["baton_insert_starts", "baton_read_instances"]));
    expect(await preparedOn(`${tempPostgresUrl()}&preparedStatements=false`)).toEqual([]);
  });

  it("a claim on its own skips its WAL flush for its own transaction only: the connection's setting stays on", async () => {
    const store = await openStore(`${tempPostgresUrl()}&poolSize=1`);
    try {
      await store.createInstance({ instanceId: "a", name: "Orch", executionId: "e1", input: undefined, startAt: 0, reuseFinished: false }, Date.now());
      const now = Date.now() + 1;
      const claimed = await store.claim({
        orchestrations: { workerId: "w", names: ["Orch"], limit: 10, leaseMs: 10_000, now, stalledBefore: 0, maxMessages: 10 },
        activities: { workerId: "w", names: [], limit: 0, leaseMs: 10_000, now },
      });
      expect(claimed.orchestrations.map((item) => item.instanceId)).toEqual(["a"]);
      expect(claimed.nextVisibleAt).toBeNull(); // read on the way: nothing is queued for later
      // The store's only connection, used by that claim: later transactions (commits) still wait for their flush.
      const pool = (store as unknown as { db: { pool: pg.Pool } }).db.pool;
      expect((await pool.query<{ synchronous_commit: string }>("SHOW synchronous_commit")).rows[0]?.synchronous_commit).toBe("on");
    } finally {
      await store.close();
    }
  });

  it("fails with StoreUnavailableError, without the password, when nothing listens at the address", async () => {
    const startedAt = Date.now();
    const error = await openStore("postgres://app:s3cret-pw@127.0.0.1:1/test").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/did not answer|Cannot open/);
    expect((error as Error).message).not.toContain("s3cret-pw");
    expect(Date.now() - startedAt).toBeLessThan(15_000);
  });
});

describe.skipIf(!postgresAvailable)("applications on separate schemas of one database", () => {
  const echo = activity("Echo", async (text: string) => text);
  const hello = orchestration("Hello", async (ctx, who: string) => ctx.callActivity(echo, `hello ${who}`));

  it("see only their own instances, and one's workers never run the other's", async () => {
    const urlA = tempPostgresUrl();
    const urlB = tempPostgresUrl();
    const a = await createBaton({ store: urlA, functions: [echo, hello], logger: quiet, pollIntervalMs: 50 });
    const b = await createBaton({ store: urlB, functions: [echo, hello], logger: quiet, pollIntervalMs: 50 });
    opened.push(a, b);
    await a.start(); // only A runs a worker
    await a.client.startNew(hello, { instanceId: "same-id", input: "a" });
    await b.client.startNew(hello, { instanceId: "same-id", input: "b" });
    await expect(a.client.waitForCompletion("same-id", { timeout: 20_000 })).resolves.toMatchObject({ output: "hello a" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await b.client.getStatus("same-id")).toMatchObject({ runtimeStatus: "Pending", input: "b" });
    expect((await a.client.list({ pageSize: 10 })).instances.map((i) => i.output)).toEqual(["hello a"]);
    expect((await b.client.list({ pageSize: 10 })).instances.map((i) => i.runtimeStatus)).toEqual(["Pending"]);
  });
});

describe.skipIf(!postgresAvailable)("hints between processes (LISTEN/NOTIFY)", () => {
  const echo = activity("Echo", async (text: string) => text);
  const hello = orchestration("Hello", async (ctx, who: string) => ctx.callActivity(echo, `hello ${who}`));

  it("wake a worker for work another store wrote, and a waiter for an instance another store finished, long before a poll", async () => {
    const url = tempPostgresUrl();
    // Polls every 20 s: only a hint can make these finish within the timeouts below.
    const worker = await createBaton({ store: url, functions: [echo, hello], logger: quiet, pollIntervalMs: 20_000 });
    const client = await createBaton({ store: url, functions: [echo, hello], logger: quiet, pollIntervalMs: 20_000 });
    opened.push(worker, client);
    await worker.start();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the worker's LISTEN is in place
    for (let i = 0; i < 3; i++) {
      const startedAt = Date.now();
      await client.client.startNew(hello, { instanceId: `hinted-${i}`, input: String(i) });
      await expect(client.client.waitForCompletion(`hinted-${i}`, { timeout: 8000 })).resolves.toMatchObject({ output: `hello ${i}` });
      expect(Date.now() - startedAt).toBeLessThan(8000);
    }
  });
});
