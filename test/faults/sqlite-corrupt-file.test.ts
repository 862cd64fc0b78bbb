/**
 * A SQLite store file with pages overwritten by random bytes (the header, the root of the
 * instances table, a leaf of it, a leaf of an index): every call that meets the damage rejects
 * with StoreCorruptError (STORE_CORRUPT, HTTP 500, exit code 8) naming the file and the
 * recovery steps; from then on nothing is written to the file, not even at close; the worker
 * stops claiming and says so once.
 */
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createBaton, serveHttpApi, StoreCorruptError, StoreUnavailableError, type Baton } from "../../src/index.js";
import { EXIT } from "../../src/cli/exit-codes.js";
import { main } from "../../src/cli/main.js";
import type { Logger } from "../../src/definitions/logger.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { functions } from "../http/http-kit.js";
import { fingerprint, leavesOf, overwritePage, rootPageOf, storeOfInstances } from "./damage-kit.js";

const INSTANCES = 300;
const TOMORROW = Date.now() + 86_400_000;

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (error: Error) => error,
  );
}

function expectDamaged(error: Error & { code?: string }, path: string): void {
  expect(error).toBeInstanceOf(StoreCorruptError);
  expect(error.code).toBe("STORE_CORRUPT");
  expect(error.message).toContain(path);
  expect(error.message).toContain('"Damaged SQLite file" in docs/operations.md');
}

/** Runs `baton` in this process; its exit code and what it wrote to stderr. */
async function cli(args: string[]): Promise<{ exit: number; stderr: string }> {
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const exit = await main(args);
    return { exit, stderr: stderr.mock.calls.map((call) => String(call[0])).join("") };
  } finally {
    stderr.mockRestore();
  }
}

/** A store of instances not due before tomorrow (so a worker has nothing to run), closed. */
async function scheduledStore(): Promise<{ path: string; url: string; ids: string[] }> {
  const path = join(tempDir(), "baton.db");
  const ids = await storeOfInstances(path, INSTANCES, { startAt: TOMORROW });
  return { path, url: `sqlite:${path}`, ids };
}

/** A leaf of the instances table in the middle (the probe at open reads only the first), and an instance on it. */
function damageInstancesLeaf(path: string, ids: string[]): { damagedId: string; intactId: string } {
  const leaves = leavesOf(path, "instances");
  expect(leaves.length).toBeGreaterThan(4);
  const leaf = leaves[Math.floor(leaves.length / 2)]!;
  overwritePage(path, leaf.pageno);
  return { damagedId: ids[leaf.firstRow]!, intactId: ids[0]! };
}

function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return { lines, debug: keep, info: keep, warn: keep, error: keep };
}

describe("damage found when the store opens", () => {
  it("a header damaged after SQLite's magic string: createClient and the CLI reject with STORE_CORRUPT, the file unchanged", async () => {
    const { path, url } = await scheduledStore();
    overwritePage(path, 1, { offset: 16, length: 84 });
    const before = fingerprint(path);

    expectDamaged(await rejection(createBaton({ store: url, functions })), path);
    const { exit, stderr } = await cli(["--store", url, "list"]);
    expect(exit).toBe(EXIT.STORE_CORRUPT);
    expect(stderr).toContain("STORE_CORRUPT");
    expect(stderr).toContain(path);

    expect(fingerprint(path)).toEqual(before);
  });

  it("a header overwritten whole (no magic string left): not a SQLite database, with the recovery steps named", async () => {
    const { path, url } = await scheduledStore();
    overwritePage(path, 1, { length: 100 });
    const before = fingerprint(path);

    const error = await rejection(createBaton({ store: url, functions }));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain(path);
    expect(error.message).toContain("its header is damaged");
    expect(error.message).toContain('"Damaged SQLite file" in docs/operations.md');
    expect(fingerprint(path)).toEqual(before);
  });

  it("the root page of the instances table damaged: opening rejects with STORE_CORRUPT, the file unchanged", async () => {
    const { path, url } = await scheduledStore();
    overwritePage(path, rootPageOf(path, "instances"));
    const before = fingerprint(path);

    expectDamaged(await rejection(createBaton({ store: url, functions })), path);
    expect((await cli(["--store", url, "status", "i000"])).exit).toBe(EXIT.STORE_CORRUPT);
    expect(fingerprint(path)).toEqual(before);
  });
});

describe("damage found by a call", () => {
  it("a leaf of the instances table: getStatus and list reject with STORE_CORRUPT, startNew is refused, intact reads still answer", async () => {
    const { path, url, ids } = await scheduledStore();
    const { damagedId, intactId } = damageInstancesLeaf(path, ids);
    const before = fingerprint(path);
    const baton = await createBaton({ store: url, functions }); // opens: the damage is past the pages read at open

    expect((await baton.client.getStatus(intactId))?.runtimeStatus).toBe("Pending");
    expectDamaged(await rejection(baton.client.getStatus(damagedId)), path);
    expectDamaged(await rejection(baton.client.list({ pageSize: 1000 })), path);
    // Refused without being tried: it touches no damaged page, yet the file is known to be damaged.
    expectDamaged(await rejection(baton.client.startNew("Hello", { instanceId: "new", input: "x" })), path);
    expectDamaged(await rejection(baton.client.terminate(intactId, "no")), path);
    expect((await baton.client.getStatus(intactId))?.runtimeStatus).toBe("Pending");

    await baton.stop();
    expect(fingerprint(path).main).toEqual(before.main);
    expect((await cli(["--store", url, "status", damagedId])).exit).toBe(EXIT.STORE_CORRUPT);
    expect(fingerprint(path).main).toEqual(before.main);
  });

  it("startNew as the first call, with the id of an instance on a damaged leaf, rejects with STORE_CORRUPT", async () => {
    const { path, url, ids } = await scheduledStore();
    const { damagedId } = damageInstancesLeaf(path, ids);
    const before = fingerprint(path);
    const baton = await createBaton({ store: url, functions });

    expectDamaged(await rejection(baton.client.startNew("Hello", { instanceId: damagedId, reuseFinished: true })), path);
    expectDamaged(await rejection(baton.client.startNew("Hello", { instanceId: "new" })), path);

    await baton.stop();
    expect(fingerprint(path).main).toEqual(before.main);
  });

  it("a leaf of the index list reads in: list rejects with STORE_CORRUPT, startNew is refused, getStatus still answers", async () => {
    const { path, url, ids } = await scheduledStore();
    const leaves = leavesOf(path, "instances_by_created");
    overwritePage(path, leaves[leaves.length - 1]!.pageno);
    const before = fingerprint(path);
    const baton = await createBaton({ store: url, functions });

    expectDamaged(await rejection(baton.client.list({ pageSize: 1000 })), path);
    expectDamaged(await rejection(baton.client.startNew("Hello", { input: "x" })), path);
    expect((await baton.client.getStatus(ids[INSTANCES - 1]!))?.runtimeStatus).toBe("Pending");

    await baton.stop();
    expect(fingerprint(path).main).toEqual(before.main);
  });
});

describe("damage met by the HTTP API and the worker", () => {
  it("answers 500 with code STORE_CORRUPT and the recovery steps; the worker stops claiming and says so once; the file unchanged", async () => {
    const { path, url, ids } = await scheduledStore();
    const { damagedId } = damageInstancesLeaf(path, ids);
    const before = fingerprint(path);
    const logger = capturingLogger();
    const baton = await createBaton({ store: url, functions, logger, pollIntervalMs: 20 });
    await baton.start();
    const unexpected: unknown[] = [];
    const server = await serveHttpApi(baton.client, { port: 0, onUnexpectedError: (error) => unexpected.push(error) });
    try {
      const expect500 = async (response: Response) => {
        expect(response.status).toBe(500);
        const body = (await response.json()) as { code: string; message: string };
        expect(body.code).toBe("STORE_CORRUPT");
        expect(body.message).toContain(path);
        expect(body.message).toContain("docs/operations.md");
      };
      await expect500(await fetch(`${server.url}/api/instances?pageSize=1000`));
      await expect500(await fetch(`${server.url}/api/instances/${damagedId}`));
      await expect500(await fetch(`${server.url}/api/orchestrators/Hello`, { method: "POST", body: '"x"' }));
      expect(unexpected).toEqual([]);

      const damageLines = () => logger.lines.filter((line) => line.includes("is damaged"));
      await waitUntil(() => (damageLines().length > 0 ? true : undefined), "the worker to report the damaged store");
      // Later refusals (claims, heartbeats, another request) add no line.
      await expect500(await fetch(`${server.url}/api/orchestrators/Hello`, { method: "POST", body: '"y"' }));
      expect(damageLines()).toHaveLength(1);
      expect(damageLines()[0]).toContain("stops claiming");
      expect(logger.lines.filter((line) => line.includes("claiming work failed"))).toEqual([]);
    } finally {
      await server.close();
      await baton.stop({ timeoutMs: 2000 });
    }
    expect(fingerprint(path).main).toEqual(before.main);
  });

  it("a worker that meets the damage itself stops claiming, says so once, and writes nothing more", async () => {
    const path = join(tempDir(), "baton.db");
    const url = `sqlite:${path}`;
    const ids = await storeOfInstances(path, INSTANCES, { name: "Waiter" }); // all due now: the worker claims them all
    damageInstancesLeaf(path, ids);
    const logger = capturingLogger();
    const baton: Baton = await createBaton({ store: url, functions, logger, pollIntervalMs: 20 });
    await baton.start();
    const damageLines = () => logger.lines.filter((line) => line.includes("is damaged"));
    try {
      await waitUntil(() => (damageLines().length > 0 ? true : undefined), "the worker to report the damaged store");
      const atDetection = fingerprint(path);
      expectDamaged(await rejection(baton.client.startNew("Waiter", { instanceId: "new" })), path);
      expectDamaged(await rejection(baton.client.raiseEvent(ids[0]!, "Go", 1)), path);
      await baton.stop({ timeoutMs: 2000 });
      expect(fingerprint(path)).toEqual(atDetection); // the WAL is kept beside the file, not checkpointed into it
      expect(damageLines()).toHaveLength(1);
    } finally {
      await baton.stop();
    }
  });
});
