/**
 * A group commit that a storm of terminated backends cuts again and again still makes progress.
 *
 * Before: a batch was retried whole after each cut. Under a storm that cuts every transaction
 * longer than a few hundred milliseconds, a batch of a hundred episodes never finished while its
 * leases ran out; the chaos suite saw results wait minutes to reach their histories. Now a cut
 * batch is split (commit-in-pieces.ts) and the pieces that can land, land.
 *
 * The storm here is exact: one instance of the batch is locked by another transaction, so every
 * try that includes it waits on that lock; the test terminates every backend of the store that
 * waits on a lock. The locked instance is the batch's last op (pieces land in order). The
 * episodes of the other instances must reach their histories while the lock is still held —
 * retried whole, none could. Then the lock goes and the last one lands too.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { at, createRequest, episodeOp, orchestrationClaim, scheduleTask } from "./conformance/ops.js";

const INSTANCES = 24;
/** The batch's last op: pieces are committed in order, and the ones before it must not wait for it. */
const LOCKED = `cut-${INSTANCES - 1}`;

const stores: Store[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.end().catch(() => undefined);
  for (const store of stores.splice(0)) await store.close();
});

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url.split("?")[0] });
  await client.connect();
  clients.push(client);
  return client;
}

describe.skipIf(!postgresAvailable)("PostgreSQL group commits under cut connections", () => {
  it("land the pieces of a cut batch that can land, and the rest once they can", { timeout: 180_000 }, async () => {
    const url = tempPostgresUrl();
    const schema = new URL(url).searchParams.get("schema")!;
    const appName = `cuts-${process.pid}-${schema}`.slice(0, 63);
    const storeUrl = new URL(url);
    storeUrl.searchParams.set("application_name", appName);
    const store = await openStore(storeUrl.toString());
    stores.push(store);
    const now = at(0);
    const ids = Array.from({ length: INSTANCES }, (_, i) => `cut-${String(i).padStart(2, "0")}`);
    for (const id of ids) await store.createInstance(createRequest(id), now);
    const claimed = (await store.claim(orchestrationClaim("w", now, { limit: INSTANCES }))).orchestrations;
    expect(claimed).toHaveLength(INSTANCES);

    const locker = await connect(url);
    await locker.query("BEGIN");
    await locker.query(`SELECT 1 FROM "${schema}".instances WHERE instance_id = $1 FOR UPDATE`, [LOCKED]);

    const later = now + 1000;
    const ops = [...claimed].sort((a, b) => a.instanceId.localeCompare(b.instanceId)).map((item) => episodeOp(item, later, { commands: [scheduleTask(0)] }));
    const committing = store.commit(ops, later);

    // The storm: every backend of this store that waits on a lock is terminated, until the
    // episodes of every unlocked instance are in their histories.
    const watcher = await connect(url);
    let terminated = 0;
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await watcher.query<{ landed: number }>(
        `SELECT count(*)::int AS landed FROM "${schema}".instances WHERE instance_id = ANY($1) AND history_length > 1`,
        [ids],
      );
      if (rows[0]!.landed === INSTANCES - 1) break;
      expect(rows[0]!.landed, "the locked instance cannot have landed").toBeLessThan(INSTANCES);
      if (Date.now() > deadline) throw new Error(`only ${rows[0]!.landed} of ${INSTANCES - 1} episodes landed in 120 s while their batch was cut ${terminated} times`);
      const cut = await watcher.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [appName],
      );
      terminated += cut.rowCount ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(terminated).toBeGreaterThan(0);
    const locked = await watcher.query(`SELECT history_length FROM "${schema}".instances WHERE instance_id = $1`, [LOCKED]);
    expect(locked.rows[0].history_length).toBeLessThanOrEqual(1);

    await locker.query("ROLLBACK");
    const { outcomes } = await committing;
    expect(outcomes).toEqual(ops.map(() => "ok"));
    for (const id of ids) {
      const history = await store.getHistory(id);
      expect(history.filter((e) => e.type === "TaskScheduled"), id).toHaveLength(1);
    }
  });
});
