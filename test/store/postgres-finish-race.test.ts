/**
 * An instance that ends leaves nothing queued, even a message sent while its last episode commits.
 *
 * How one could stay: a PostgreSQL episode commit is one statement, which deletes the inbox of
 * an instance that ends as its snapshot shows it. A suspend (or terminate, or resume) sent at
 * that moment locks the instance, finds it running, queues its message and commits; the
 * episode's update, which waited for that lock, then goes on, but the statement's delete does
 * not see the message committed after its snapshot. The message stayed, on an instance that
 * will never read it (seen once in a chaos run: a Suspend left on a Completed instance).
 *
 * The test holds the instance's lock in a transaction of its own, as a sender does, starts the
 * commit (which waits for the lock, its snapshot taken), queues the message and commits: the
 * interleaving the race needs, every time.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { waitUntil } from "../helpers/wait.js";
import { at, claimInstance, commitOne, createRequest, episodeOp } from "./conformance/ops.js";

const stores: Store[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.end();
  for (const store of stores.splice(0)) await store.close();
});

describe.skipIf(!postgresAvailable)("PostgreSQL: a message sent while an instance ends", () => {
  it.each(["Completed", "Failed"] as const)("is dropped with the rest of its inbox when the instance ends %s", async (runtimeStatus) => {
    const url = tempPostgresUrl();
    const store = await openStore(url);
    stores.push(store);
    const schema = new URL(url).searchParams.get("schema")!;
    const sender = new pg.Client({ connectionString: url.split("?")[0] });
    const watcher = new pg.Client({ connectionString: url.split("?")[0] });
    await Promise.all([sender.connect(), watcher.connect()]);
    clients.push(sender, watcher);

    await store.createInstance(createRequest("ending"), at(0));
    const item = await claimInstance(store, "ending", "w", at(1));
    await sender.query("BEGIN");
    await sender.query(`SELECT 1 FROM "${schema}".instances WHERE instance_id = 'ending' FOR UPDATE`);
    const committing = commitOne(store, episodeOp(item, at(2), { runtimeStatus, output: "1" }), at(2));
    // The commit's statement has its snapshot and waits for the instance's lock.
    await waitUntil(async () => {
      const { rows } = await watcher.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE '%UPDATE instances%'",
      );
      return rows[0]!.n > 0 ? true : undefined;
    }, "the commit waiting for the instance's lock");
    await sender.query(
      `INSERT INTO "${schema}".inbox (instance_id, type, message, visible_at) VALUES ('ending', 'Suspend', '{"type":"Suspend","reason":"late"}', $1)`,
      [at(2)],
    );
    await sender.query("COMMIT");

    expect(await committing).toBe("ok");
    expect((await store.getInstance("ending"))?.runtimeStatus).toBe(runtimeStatus);
    const { rows } = await watcher.query(`SELECT type FROM "${schema}".inbox WHERE instance_id = 'ending'`);
    expect(rows).toEqual([]);
  });
});
