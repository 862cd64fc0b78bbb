/**
 * PostgreSQL keeps finished instances counted as +1/−1 rows appended by triggers (migration
 * finished-counts): a read sums them, and folds them into one row per status once they are
 * many, so that reads stay cheap; concurrent reads and appends never change the sums.
 */
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { POSTGRES_URL, postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";

describe.skipIf(!postgresAvailable)("PostgreSQL finished counts", () => {
  let store: Store | undefined;
  let db: pg.Client | undefined;
  afterEach(async () => {
    await store?.close();
    await db?.end();
    store = db = undefined;
  });

  async function open(): Promise<{ store: Store; db: pg.Client }> {
    const url = tempPostgresUrl();
    store = await openStore(url);
    const schema = new URL(url).searchParams.get("schema")!;
    db = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${schema}"` });
    await db.connect();
    return { store, db };
  }

  /** Finished instances written straight into the table: the triggers append one row each. */
  async function insertFinished(db: pg.Client, from: number, count: number, status: string): Promise<void> {
    await db.query(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at)
       SELECT 'i' || i, 'Orch', 'e' || i, $3, 0, 0, 0 FROM generate_series($1::int, $2::int - 1) AS i`,
      [from, from + count, status],
    );
  }

  const rowsOf = async (db: pg.Client) => Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM finished_counts")).rows[0]!.n);

  it("sums the appended rows, and folds them once they are many: the next reads sum one row per status", async () => {
    const { store, db } = await open();
    await insertFinished(db, 0, 1500, "Completed");
    await insertFinished(db, 1500, 20, "Failed");
    expect(await rowsOf(db)).toBe(1520);
    expect(await store.countInstances()).toMatchObject({ Completed: 1500, Failed: 20, Terminated: 0 });
    expect(await rowsOf(db)).toBe(2);
    await db.query("DELETE FROM instances WHERE instance_id IN ('i0', 'i1')");
    expect(await store.countInstances()).toMatchObject({ Completed: 1498, Failed: 20 });
  });

  it("keeps the sums right when reads fold while instances keep finishing", async () => {
    const { store, db } = await open();
    await insertFinished(db, 0, 1200, "Completed");
    const writes = (async () => {
      for (let i = 0; i < 20; i++) await insertFinished(db, 10_000 + i * 100, 100, "Terminated");
    })();
    const reads = Array.from({ length: 8 }, () => store.countInstances());
    await Promise.all([writes, ...reads]);
    for (const counts of await Promise.all(reads)) {
      expect(counts.Completed).toBe(1200);
      expect(counts.Terminated % 100).toBe(0); // whole inserts only: a read sees one snapshot
    }
    expect(await store.countInstances()).toMatchObject({ Completed: 1200, Terminated: 2000 });
    expect((await store.countInstances()).Terminated).toBe(2000);
  });
});
