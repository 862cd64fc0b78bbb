/**
 * A full disk under a PostgreSQL store, for real: the store's tables and indexes moved to a
 * tablespace on a 4 MiB tmpfs, a ballast table filling most of it, client calls until one is
 * refused, then the ballast dropped. Needs root (to mount) and the local server as superuser (for
 * CREATE TABLESPACE, on a directory it can reach): where either is missing the test is skipped,
 * and says why (unless CI=true and PostgreSQL is unreachable: test/helpers/postgres.ts).
 *
 * What must hold: the refused call rejects with StoreFullError (STORE_FULL, HTTP 507, exit 7) and
 * leaves nothing behind; the worker says that the store is full (once, unless some writes land
 * meanwhile: see below) and backs off instead of logging every failure; once space is freed it
 * recovers on its own and every acknowledged instance completes.
 */
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmdirSync, statfsSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, serveHttpApi, StoreFullError } from "../../src/index.js";
import type { Logger } from "../../src/definitions/logger.js";
import { exitCodeOf } from "../../src/cli/exit-codes.js";
import { statusOfCode } from "../../src/http/error-status.js";
import { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { POSTGRES_URL, postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { waitForStatus, waitUntil } from "../helpers/wait.js";
import { recordFullRefusals } from "./kit/full-refusals.js";

const DISK_BYTES = 4 * 1024 * 1024;
/** What the ballast leaves free: room for some hundred instances, then the disk is full. */
const LEFT_FREE_BYTES = 400 * 1024;
const TABLESPACE = `baton_full_disk_${process.pid}`;
const THIS_FILE = "test/faults/postgres-full-disk.test.ts";

interface Disk {
  dir: string;
}

function freeBytes(dir: string): number {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
}

async function admin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function unmount(dir: string): void {
  execFileSync("umount", [dir], { stdio: "pipe" });
  rmdirSync(dir);
}

/** A tmpfs owned by the server's OS user, and a tablespace on it; or why not. */
async function prepareDisk(): Promise<Disk | { reason: string }> {
  if (!postgresAvailable) return { reason: "PostgreSQL is not reachable" };
  if (userInfo().uid !== 0) return { reason: "mounting a tmpfs needs root" };
  const dir = mkdtempSync(join(tmpdir(), "baton-pg-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${DISK_BYTES},mode=0700`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmdirSync(dir);
    return { reason: `mount -t tmpfs failed (${(error as Error).message.split("\n")[0]}); it needs root` };
  }
  try {
    const owner = postgresOsUser();
    chownSync(dir, owner.uid, owner.gid);
    // Outside a transaction, as CREATE TABLESPACE must be.
    await admin((client) => client.query(`CREATE TABLESPACE ${TABLESPACE} LOCATION '${dir}'`));
    return { dir };
  } catch (error) {
    unmount(dir);
    return { reason: `CREATE TABLESPACE on a local tmpfs failed (${(error as Error).message}); it needs the local server as superuser` };
  }
}

function postgresOsUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

const disk = await prepareDisk();
if ("reason" in disk) console.warn(`\n*** ${THIS_FILE} is SKIPPED: ${disk.reason}. ***\n`);

afterAll(async () => {
  if (!("dir" in disk)) return;
  // The test drops its schema (and with it everything it put in the tablespace); this is the rest.
  // DROP TABLESPACE waits for a checkpoint, which takes long on a busy server.
  await admin((client) => client.query(`DROP TABLESPACE IF EXISTS ${TABLESPACE}`));
  unmount(disk.dir);
}, 180_000);

/** Moves every table and index of `schema` to the tablespace (their TOAST tables go along). */
async function moveToTablespace(client: pg.Client, schema: string): Promise<void> {
  const tables = await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = $1", [schema]);
  for (const { name } of tables.rows) await client.query(`ALTER TABLE "${schema}"."${name}" SET TABLESPACE ${TABLESPACE}`);
  const indexes = await client.query<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1", [schema]);
  for (const { name } of indexes.rows) await client.query(`ALTER INDEX "${schema}"."${name}" SET TABLESPACE ${TABLESPACE}`);
}

/** A table in the tablespace grown until about `leftBytes` of the disk are free. */
async function fillWithBallast(client: pg.Client, table: string, dir: string, leftBytes: number): Promise<void> {
  await client.query(`CREATE TABLE ${table} (pad TEXT) TABLESPACE ${TABLESPACE}`);
  // 1000 bytes a row (short enough to stay uncompressed in the table): about 56 KiB a statement.
  while (freeBytes(dir) > leftBytes + 64 * 1024) {
    await client.query(`INSERT INTO ${table} SELECT repeat('x', 1000) FROM generate_series(1, 50)`);
  }
}

const step = activity("Step", async (n: number) => n + 1);
const chain = orchestration("Chain", async (ctx, n: number) => {
  let x = n;
  for (let i = 0; i < 5; i++) x = await ctx.callActivity(step, x);
  return x;
});

describe.skipIf(!("dir" in disk))("a PostgreSQL store whose tablespace is on a 4 MiB disk (needs root and a local superuser)", () => {
  it("a full disk refuses startNew cleanly (STORE_FULL, 507, exit 7); once space is freed the worker recovers on its own and every acknowledged instance completes", async () => {
    const dir = (disk as Disk).dir;
    const url = tempPostgresUrl();
    const schema = new URL(url).searchParams.get("schema")!;
    const ballast = `"${schema}".ballast`;
    const lines: string[] = [];
    const keep = (message: string) => void lines.push(message);
    const logger: Logger = { debug: keep, info: keep, warn: keep, error: keep };
    const opened = vi.spyOn(PostgresStore, "open");
    const baton = await createBaton({ store: url, functions: [step, chain], logger, pollIntervalMs: 20, leaseMs: 2000 });
    const store = (await opened.mock.results[0]!.value) as PostgresStore;
    opened.mockRestore();
    // When the store refused one of the worker's background writes as full.
    const refusals = recordFullRefusals(store);
    const http = await serveHttpApi(baton.client, { port: 0 });
    try {
      await admin(async (client) => {
        await moveToTablespace(client, schema);
        await fillWithBallast(client, ballast, dir, LEFT_FREE_BYTES);
      });
      await baton.start();

      const acknowledged: string[] = [];
      let refused: { instanceId: string; error: unknown } | undefined;
      for (let i = 0; i < 20_000 && refused === undefined; i++) {
        const instanceId = `c${i}`;
        await baton.client.startNew(chain, { input: i * 10, instanceId }).then(
          () => acknowledged.push(instanceId),
          (error: unknown) => (refused = { instanceId, error }),
        );
      }
      expect(refused?.error).toBeInstanceOf(StoreFullError);
      const error = refused!.error as StoreFullError;
      expect(error.code).toBe("STORE_FULL");
      expect(error.path).toContain(schema);
      expect((error.cause as { code?: string }).code).toBe("53100");
      expect(await baton.client.getStatus(refused!.instanceId)).toBeNull(); // nothing half-written
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const id of acknowledged.slice(-3)) expect(await baton.client.getStatus(id), id).not.toBeNull();

      // Over HTTP the same refusal is 507 STORE_FULL (space may come back for a moment as the
      // worker's dead rows are pruned: an accepted start is acknowledged like the rest).
      const answered = await waitUntil(async () => {
        const instanceId = `h${acknowledged.length}`;
        const response = await fetch(`${http.url}/api/orchestrators/Chain/${instanceId}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(7),
        });
        if (response.status === 202) return void acknowledged.push(instanceId);
        return { status: response.status, body: (await response.json()) as { code: string } };
      }, "an HTTP start refused");
      expect(answered).toEqual({ status: 507, body: { code: "STORE_FULL", message: expect.stringContaining("nothing was written") } });
      expect(statusOfCode(error.code)).toBe(507);
      expect(exitCodeOf(error.code)).toBe(7); // what `baton` exits with for this error

      await waitUntil(() => (lines.some((line) => line.includes("is full")) ? true : undefined), "the worker to say the store is full", 60_000);
      const fullSince = Date.now();
      await waitUntil(() => (refusals.length >= 8 ? true : undefined), "eight refused background writes", 60_000);
      // Backing off (50 ms doubling to 2 s per kind of write), not spinning: a few tries a second.
      const secondsFull = (Date.now() - fullSince) / 1000;
      expect(refusals.filter((at) => at >= fullSince).length).toBeLessThanOrEqual(16 + 8 * secondsFull);

      await admin((client) => client.query(`DROP TABLE ${ballast}`));
      for (const id of acknowledged) {
        const status = await waitForStatus(baton.client, id, ["Completed", "Failed"], 60_000);
        expect(status.runtimeStatus, id).toBe("Completed");
        expect(status.output, id).toBe(id.startsWith("h") ? 12 : Number(id.slice(1)) * 10 + 5);
      }
      // Said once per spell of refusals, not once per try. Unlike a SQLite file, a full server is
      // not all or nothing: a write that fits in room pruned inside a table's pages lands, so a
      // worker whose every refused kind of write landed since says so, and may meet the full
      // disk again before the ballast is gone. So: "full" and "accepts" alternate, "full" first.
      const spells = lines.filter((line) => line.includes("is full") || line.includes("accepts writes again"));
      expect(spells.length % 2, spells.join("\n")).toBe(0);
      spells.forEach((line, i) => expect(line, spells.join("\n")).toContain(i % 2 === 0 ? "is full" : "accepts writes again"));
      expect(spells.length / 2).toBeLessThan(refusals.length);
      // No failure logged one by one: no driver error, no "commit failed", "heartbeat failed", ...
      expect(lines.filter((line) => /failed|could not|No space left/.test(line))).toEqual([]);
    } finally {
      await http.close();
      await baton.stop({ timeoutMs: 2000 });
      // Everything the test put in the tablespace is in its schema.
      await admin((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    }
  }, 240_000);
});
