/**
 * A claim answered after its leases ran out hands out nothing: the worker does not start that
 * work, and claims it again.
 *
 * Found by `npm run chaos` on PostgreSQL: a worker's group commit (with the claim in its
 * transaction) took seconds under load and the process was frozen meanwhile; the leases it took
 * ran out, another worker claimed and ran the same 19 attempts, and the first worker, once it
 * read its answer, ran them again. Here the claim is made slow for real, on the server: a
 * trigger sleeps for three leases inside the first claim of a task, so its answer comes back
 * with the lease long gone. The activity checks, at its start, that the lease it runs under is
 * still held in the store: another worker may take a task whose lease has run out.
 *
 * PostgreSQL only: the slow claim is a PostgreSQL trigger (SQLite claims are in-process and
 * synchronous; the worker's check is the same for both stores).
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import type { Logger } from "../../src/definitions/logger.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus } from "../helpers/wait.js";

const LEASE_MS = 1000;
const onPostgres = process.env.BATON_TEST_STORE === "postgres";

let baton: Baton | undefined;
let db: pg.Client | undefined;
afterEach(async () => {
  await baton?.stop();
  await db?.end();
  baton = undefined;
  db = undefined;
});

/** Makes the first claim of an activity task sleep `sleepMs` inside its statement, lease already set. */
async function slowFirstClaim(client: pg.Client, schema: string, sleepMs: number): Promise<void> {
  await client.query(`CREATE SEQUENCE "${schema}".claims_seen`);
  await client.query(`
    CREATE FUNCTION "${schema}".slow_first_claim() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF nextval('"${schema}".claims_seen') = 1 THEN PERFORM pg_sleep(${sleepMs / 1000}); END IF;
      RETURN NEW;
    END $$`);
  await client.query(`
    CREATE TRIGGER slow_first_claim BEFORE UPDATE OF lease_token ON "${schema}".activity_tasks
    FOR EACH ROW WHEN (NEW.lease_token IS NOT NULL AND NEW.lease_token IS DISTINCT FROM OLD.lease_token)
    EXECUTE FUNCTION "${schema}".slow_first_claim()`);
}

describe.skipIf(!onPostgres)("a claim answered after its leases ran out", () => {
  it("starts none of its work; the work is claimed again and runs once, under a lease held", async () => {
    const url = tempStoreUrl();
    const schema = new URL(url).searchParams.get("schema")!;
    const runs: { attempt: number; leaseHeld: boolean }[] = [];
    const effect = activity("Effect", async (n: number, ctx) => {
      const row = await db!.query<{ lease_expires_at: string }>(
        `SELECT lease_expires_at FROM "${schema}".activity_tasks WHERE idempotency_key = $1 AND attempt = $2`,
        [ctx.idempotencyKey, ctx.attempt],
      );
      runs.push({ attempt: ctx.attempt, leaseHeld: Number(row.rows[0]?.lease_expires_at ?? 0) > Date.now() });
      return n + 1;
    });
    const once = orchestration("CallOnce", async (ctx, n: number) => ctx.callActivity(effect, n));
    const warnings: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
    // Not inline: the task must go through a claim.
    baton = await createBaton({ store: url, functions: [effect, once], leaseMs: LEASE_MS, pollIntervalMs: 50, inlineActivities: false, logger });
    db = new pg.Client({ connectionString: url.split("?")[0] });
    await db.connect();
    await slowFirstClaim(db, schema, 3 * LEASE_MS);
    await baton.start();

    await baton.client.startNew(once, { input: 41, instanceId: "once" });
    const done = await waitForStatus(baton.client, "once", ["Completed", "Failed"], 30_000);

    expect(done.output).toBe(42);
    expect(runs).toEqual([{ attempt: 1, leaseHeld: true }]);
    expect(warnings.filter((w) => w.includes("after its leases ran out"))).toHaveLength(1);
  });
});
