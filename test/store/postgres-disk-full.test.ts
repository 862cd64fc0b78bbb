/**
 * How the PostgreSQL connection names a server out of disk space: SQLSTATE 53100 (disk_full) is
 * StoreFullError, in a transaction and in a single statement alike, with the driver's error as
 * its cause and the store named without its password; the transaction it broke rolled back. Its
 * neighbours 53200 (out of memory) and 53300 (too many connections) are not a full disk. The
 * server raises the errors itself (RAISE ... USING ERRCODE), so no root and no full disk are
 * needed: test/faults/postgres-full-disk.test.ts fills a real one.
 */
import { afterEach, describe, expect, it } from "vitest";
import { StoreFullError } from "../../src/errors.js";
import { Connection } from "../../src/store/postgres/connection.js";
import { postgresOptions } from "../../src/store/open-store.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";

const opened: Connection[] = [];
afterEach(async () => {
  for (const connection of opened.splice(0)) await connection.close();
});

async function connect(): Promise<{ db: Connection; schema: string }> {
  const url = new URL(tempPostgresUrl());
  url.password = "secret";
  url.searchParams.set("sslmode", "disable");
  const options = { ...postgresOptions(url.toString()), retryForMs: 2_000 };
  // The server's trust authentication ignores the password: it is only there to be hidden.
  const db = new Connection(options);
  opened.push(db);
  await db.query(`CREATE SCHEMA "${options.schema}"`);
  await db.query("CREATE TABLE rows (n INTEGER)");
  return { db, schema: options.schema };
}

const raise = (sqlstate: string) => `DO $$ BEGIN RAISE EXCEPTION 'raised %', '${sqlstate}' USING ERRCODE = '${sqlstate}'; END $$`;

describe.skipIf(!postgresAvailable)("PostgreSQL: a server out of disk space", () => {
  it("refuses a transaction with StoreFullError (cause kept, password hidden) and rolls it back", async () => {
    const { db, schema } = await connect();
    const refused = await db
      .transaction(async (sql) => {
        await sql.query("INSERT INTO rows VALUES (1)");
        await sql.query(raise("53100"));
      }, { ambiguousCommitSafe: false })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreFullError);
    const error = refused as StoreFullError;
    expect(error.code).toBe("STORE_FULL");
    expect((error.cause as { code?: string }).code).toBe("53100");
    expect(error.path).toContain(`schema=${schema}`);
    expect(error.path).toContain("127.0.0.1");
    expect(`${error.path} ${error.message}`).not.toContain("secret");
    expect(error.path).not.toContain("sslmode");
    expect(error.message).toContain("raised 53100");
    expect((await db.query("SELECT count(*)::int AS n FROM rows")).rows[0]).toEqual({ n: 0 });
  });

  it("refuses a single statement with StoreFullError", async () => {
    const { db } = await connect();
    await expect(db.query(raise("53100"))).rejects.toBeInstanceOf(StoreFullError);
    await expect(db.run({ name: "raise_disk_full", text: raise("53100") }, [])).rejects.toBeInstanceOf(StoreFullError);
  });

  it("leaves out of memory (53200) and too many connections (53300) as they are", async () => {
    const { db } = await connect();
    const outOfMemory = await db.query(raise("53200")).catch((error: unknown) => error);
    expect(outOfMemory).not.toBeInstanceOf(StoreFullError);
    expect((outOfMemory as { code?: string }).code).toBe("53200");
    // Transient: retried until retryForMs, then the store is unavailable, not full.
    const tooMany = await db.query(raise("53300")).catch((error: unknown) => error);
    expect(tooMany).not.toBeInstanceOf(StoreFullError);
    expect((tooMany as { code?: string }).code).toBe("STORE_UNAVAILABLE");
  });
});
