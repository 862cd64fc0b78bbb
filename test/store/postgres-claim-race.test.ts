/**
 * A claim never hands out a message that a commit has already consumed.
 *
 * How it could: a PostgreSQL claim is one statement. It picks instances whose lease has expired
 * in its snapshot, then locks them (FOR UPDATE SKIP LOCKED). If the lease holder's episode
 * commits between the two, the lock re-checks the instance's new row (lease released: still
 * claimable) and returns its new history length — but the statement reads the inbox from its
 * old snapshot, where the consumed messages are still there. The worker then replays the new
 * history and applies the old messages again: a second ExecutionStarted, every call scheduled
 * twice under new idempotency keys. Seen under load with short leases and connections killed.
 *
 * The race needs the commit to land while the claim's statement runs: the claim is slowed by
 * thousands of claimable instances that another transaction holds locked (each is looked at
 * and skipped first), and the commit is sent just after the claim, on another connection. A claim may find the instance (before the commit, or after
 * it with fresh messages) or skip it; it must never return it with history length and messages
 * that disagree. The commit side is fenced too (see conformance: commit fencing).
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { at, createRequest, episodeOp, ORCH, orchestrationClaim, scheduleTask } from "./conformance/ops.js";

/** Claimable instances locked elsewhere, that each claim steps over before it reaches the raced one. */
const BACKGROUND_INSTANCES = 10_000;
/** Before the fix, about two rounds in three returned consumed messages. */
const ROUNDS = 20;

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

describe.skipIf(!postgresAvailable)("PostgreSQL claims racing commits", () => {
  it("never return messages that a commit consumed meanwhile", async () => {
    const url = tempPostgresUrl();
    const committer = await openStore(url);
    const claimer = await openStore(url);
    stores.push(committer, claimer);
    const db = new pg.Client({ connectionString: url.split("?")[0] });
    await db.connect();
    const schema = new URL(url).searchParams.get("schema")!;
    await fillWithRunningInstances(db, schema, BACKGROUND_INSTANCES);
    // Claimable but locked by another transaction for the whole test: every claim steps over them.
    const locker = new pg.Client({ connectionString: url.split("?")[0] });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query(`SELECT 1 FROM "${schema}".instances WHERE instance_id LIKE 'background-%' FOR UPDATE`);

    const stale: string[] = [];
    let claimedAfterCommit = 0;
    let claimedBeforeCommit = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const id = `race-${round}`;
      const now = at(round * 100_000);
      await committer.createInstance(createRequest(id), now);
      // Leased for 1 ms: expired by the time the racing claim looks.
      const [item] = (await committer.claim(orchestrationClaim("holder", now, { leaseMs: 1 }))).orchestrations;
      expect(item?.instanceId).toBe(id);
      const consumed = new Set(item!.messages.map((m) => m.id));

      const later = now + 1000;
      const claiming = claimer.claim(orchestrationClaim("racer", later));
      const committing = committer.commit([episodeOp(item!, later, { commands: [scheduleTask(0)] })], later);
      const [claimed, commit] = await Promise.all([claiming, committing]);
      // Out of the next rounds' way, whoever holds it.
      await db.query(`UPDATE "${schema}".instances SET runtime_status = 'Completed' WHERE instance_id = $1`, [id]);
      // The claim may lock the instance first: the commit then finds its lease taken.
      if (commit.outcomes[0] !== "ok") {
        claimedBeforeCommit++;
        continue;
      }

      const raced = claimed.orchestrations.find((o) => o.instanceId === id);
      if (raced && raced.historyLength > 0) {
        claimedAfterCommit++;
        if (raced.messages.some((m) => consumed.has(m.id))) stale.push(`${id}: history ${raced.historyLength}, messages ${JSON.stringify(raced.messages)}`);
      }
    }
    await locker.end();
    await db.end();
    expect(stale, `claims that returned consumed messages (${claimedBeforeCommit} claims came before the commit, ${claimedAfterCommit} after it)`).toEqual([]);
  });
});

/** Running instances of the claimed name, unleased, each with a visible message: claimable. */
async function fillWithRunningInstances(client: pg.Client, schema: string, count: number): Promise<void> {
  await client.query(
    `INSERT INTO "${schema}".instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at)
     SELECT 'background-' || n, $1, 'e-' || n, 'Running', 0, 0, 0 FROM generate_series(1, $2) AS n`,
    [ORCH, count],
  );
  await client.query(
    `INSERT INTO "${schema}".inbox (instance_id, type, message, visible_at)
     SELECT 'background-' || n, 'EventRaised', '{"type":"EventRaised","name":"x"}', 0 FROM generate_series(1, $1) AS n`,
    [count],
  );
  await client.query(`ANALYZE "${schema}".instances`);
}
