/**
 * Opening a PostgreSQL store: migrations are safe when many opens race on a fresh schema; a
 * schema written by newer code, or one holding someone else's tables, is refused and left as
 * it was; URL mistakes are clear errors that hide the password; and applications on separate
 * schemas of one database never see each other's instances.
 */
import pg from "pg";
import { afterEach, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, SchemaTooNewError, StoreUnavailableError, type Baton } from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { openStore } from "../../src/store/open-store.js";
import { MIGRATIONS } from "../../src/store/postgres/migrations/index.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import type { Store } from "../../src/store/store.js";
import { POSTGRES_URL, postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { waitUntil } from "../helpers/wait.js";

const opened: (Store | Baton)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
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

/** Waits until a connection has run LISTEN on the store's hint channel (its last statement, done). */
async function waitForListen(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await waitUntil(async () => {
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle' AND query ~* '^LISTEN' AND position($1 in query) > 0",
        [schemaOf(url)],
      );
      return rows[0]!.n > 0 ? true : undefined;
    }, "the worker's LISTEN on the store's channel");
  } finally {
    await client.end();
  }
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
    // It retries for 5 s, each try refused at once: a generous bound, which a store that kept on retrying would exceed.
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
    const claims = vi.spyOn(PostgresStore.prototype, "claim"); // only A's worker claims
    await expect(a.client.waitForCompletion("same-id", { timeout: 20_000 })).resolves.toMatchObject({ output: "hello a" });
    // A's worker has looked for work several times since B's instance was queued, and left it.
    const looked = claims.mock.calls.length;
    await expect.poll(() => claims.mock.calls.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(looked + 3);
    expect(await b.client.getStatus("same-id")).toMatchObject({ runtimeStatus: "Pending", input: "b" });
    expect((await a.client.list({ pageSize: 10 })).instances.map((i) => i.output)).toEqual(["hello a"]);
    expect((await b.client.list({ pageSize: 10 })).instances.map((i) => i.runtimeStatus)).toEqual(["Pending"]);
  });
});

describe.skipIf(!postgresAvailable)("hints between processes (LISTEN/NOTIFY)", () => {
  const echo = activity("Echo", async (text: string) => text);
  const hello = orchestration("Hello", async (ctx, who: string) => ctx.callActivity(echo, `hello ${who}`));

  it("wake a worker for work another store wrote, and a waiter for an instance another store finished, long before a poll", { timeout: 120_000 }, async () => {
    const url = tempPostgresUrl();
    // Polls every hour: only a hint can make these finish within the test (the timeouts below
    // are generous bounds for a busy machine, far below the poll).
    const worker = await createBaton({ store: url, functions: [echo, hello], logger: quiet, pollIntervalMs: "1h" });
    const client = await createBaton({ store: url, functions: [echo, hello], logger: quiet, pollIntervalMs: "1h" });
    opened.push(worker, client);
    await worker.start();
    await waitForListen(url); // else the first hint could be sent before anyone listens
    for (let i = 0; i < 3; i++) {
      await client.client.startNew(hello, { instanceId: `hinted-${i}`, input: String(i) });
      await expect(client.client.waitForCompletion(`hinted-${i}`, { timeout: 30_000 })).resolves.toMatchObject({ output: `hello ${i}` });
    }
  });
});
