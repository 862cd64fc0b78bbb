/**
 * A full disk under a SQLite store. `PRAGMA max_page_count` on the store's own connection makes
 * any write that needs a new page fail with SQLITE_FULL, as a full disk does; raising it is the
 * space coming back. (The store is reached through a spy on SqliteStore.open: no test hook in
 * the product.) What must hold: a client call rejects with StoreFullError and writes nothing; the
 * worker backs off (capped exponential) instead of spinning, says once that the disk is full and
 * once that it recovered, recovers on its own, and every acknowledged instance completes.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, StoreFullError, type Baton } from "../../src/index.js";
import type { Logger } from "../../src/definitions/logger.js";
import type { CreateInstanceRequest } from "../../src/store/store.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import { FIRST_RETRY_MS, MAX_RETRY_MS } from "../../src/worker/store-faults.js";
import { capturingLogger } from "../helpers/capturing-logger.js";
import { snapshotSqlite } from "../helpers/store-snapshot.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitForStatus, waitUntil } from "../helpers/wait.js";

const FULL_LINE = "is full";
const RECOVERED_LINE = "accepts writes again";

/** No write may take a new page: SQLITE_FULL, as on a full disk. */
function fillUp(store: SqliteStore): number {
  const pages = store.database.pragma("page_count", { simple: true }) as number;
  store.database.pragma(`max_page_count = ${pages}`);
  return pages;
}

/** The space comes back. */
function makeRoom(store: SqliteStore): void {
  store.database.pragma("max_page_count = 1000000");
}

function request(instanceId: string, input?: string): CreateInstanceRequest {
  return { instanceId, name: "Flow", executionId: `e-${instanceId}`, input, startAt: 0, reuseFinished: false };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("a client write on a full disk", () => {
  it("rejects with StoreFullError naming the file, writes nothing, and succeeds once there is room", async () => {
    const path = join(tempDir(), "baton.db");
    const store = SqliteStore.open(`sqlite:${path}`, path);
    try {
      await store.createInstance(request("before"), Date.now());
      fillUp(store);
      const before = snapshotSqlite(path);

      const big = JSON.stringify("x".repeat(50_000)); // needs overflow pages
      const error = await store.createInstance(request("big", big), Date.now()).catch((e: Error) => e);
      expect(error).toBeInstanceOf(StoreFullError);
      expect((error as StoreFullError).code).toBe("STORE_FULL");
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).toContain("Free space on that disk");
      expect(await store.getInstance("big")).toBeNull();
      expect(snapshotSqlite(path)).toEqual(before);

      makeRoom(store);
      await store.createInstance(request("big", big), Date.now());
      expect((await store.getInstance("big"))?.runtimeStatus).toBe("Pending");
    } finally {
      await store.close();
    }
  });

  it("rejects every write sharing the refused transaction (SQLite may have rolled it all back), each with StoreFullError", async () => {
    const path = join(tempDir(), "baton.db");
    const store = SqliteStore.open(`sqlite:${path}`, path);
    try {
      await store.createInstance(request("running"), Date.now());
      fillUp(store);
      const before = snapshotSqlite(path);
      const results = await Promise.allSettled([
        store.createInstance(request("small"), Date.now()),
        store.createInstance(request("big", JSON.stringify("x".repeat(50_000))), Date.now()),
        store.sendMessage("running", { type: "EventRaised", name: "Go", data: "1" }, Date.now()),
      ]);
      for (const result of results) {
        expect(result.status).toBe("rejected");
        expect((result as PromiseRejectedResult).reason).toBeInstanceOf(StoreFullError);
      }
      expect(snapshotSqlite(path)).toEqual(before);
    } finally {
      await store.close();
    }
  });
});

describe("a worker on a full disk", () => {
  const OUTPUT_BYTES = 6000; // each result needs pages of its own
  const INSTANCES = 5;
  const batons: Baton[] = [];
  afterEach(async () => {
    for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 1000 });
    vi.restoreAllMocks();
  });

  /** Two steps whose results are large; the first waits for `gate`, so the test chooses when they write. */
  function flow(gate: Promise<void>, entered: () => void) {
    const step = activity("BigStep", async (n: number) => {
      entered();
      await gate;
      return `${n}:${"r".repeat(OUTPUT_BYTES)}`;
    });
    const bigFlow = orchestration("BigFlow", async (ctx, n: number) => {
      const first = await ctx.callActivity(step, n);
      const second = await ctx.callActivity(step, n + 100);
      return first.length + second.length;
    });
    return [step, bigFlow] as const;
  }

  /** A baton whose SqliteStore (and its commit attempts: when, and whether each failed) the test sees. */
  async function startBaton(path: string, functions: ReturnType<typeof flow>, logger: Logger, leaseMs = 15_000) {
    const opened = vi.spyOn(SqliteStore, "open");
    const baton = await createBaton({ store: `sqlite:${path}`, functions, logger, pollIntervalMs: 20, leaseMs });
    batons.push(baton);
    const store = opened.mock.results[0]!.value as SqliteStore;
    opened.mockRestore();
    const attempts: { at: number; failed: boolean }[] = [];
    const commit = store.commit.bind(store);
    vi.spyOn(store, "commit").mockImplementation(async (...args) => {
      const at = Date.now();
      try {
        const result = await commit(...args);
        attempts.push({ at, failed: false });
        return result;
      } catch (error) {
        attempts.push({ at, failed: true });
        throw error;
      }
    });
    await baton.start();
    return { baton, store, attempts };
  }

  /** Starts the instances and waits until each is inside its first step: acknowledged, and about to write a large result. */
  async function startInstances(baton: Baton, entered: { count: number }): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < INSTANCES; i++) ids.push(await baton.client.startNew("BigFlow", { input: i, instanceId: `big-${i}` }));
    await waitUntil(() => (entered.count >= INSTANCES ? true : undefined), "every instance to enter its first step");
    return ids;
  }

  it("backs off, says once that the disk is full and once that it recovered, checkpoints the WAL and completes every instance", async () => {
    const path = join(tempDir(), "baton.db");
    const gate = deferred();
    const entered = { count: 0 };
    const logger = capturingLogger();
    const { baton, store, attempts } = await startBaton(path, flow(gate.promise, () => entered.count++), logger);
    const ids = await startInstances(baton, entered);

    const pagesWhenFull = fillUp(store);
    const mainBytesBefore = statSync(path).size;
    expect(mainBytesBefore).toBeLessThan(pagesWhenFull * 4096); // the WAL holds pages the main file lacks
    gate.resolve();

    // Commits are refused and tried again with a growing pause: wait for six refusals in a row.
    const failedInARow = () => {
      let from = attempts.length;
      while (from > 0 && attempts[from - 1]!.failed) from--;
      return attempts.slice(from);
    };
    await waitUntil(() => (failedInARow().length >= 6 ? true : undefined), "six refused commits in a row", 60_000);
    const refused = failedInARow();
    refused.slice(1).forEach((attempt, i) => {
      const pauseMs = Math.min(FIRST_RETRY_MS * 2 ** i, MAX_RETRY_MS);
      expect(attempt.at - refused[i]!.at, `pause before retry ${i + 1}`).toBeGreaterThanOrEqual(pauseMs - 2);
    });
    expect(logger.matching(FULL_LINE)).toHaveLength(1);
    expect(logger.matching(FULL_LINE)[0]).toContain(path);
    expect(logger.matching("commit failed")).toEqual([]);

    makeRoom(store);
    for (const [i, id] of ids.entries()) {
      const status = await waitForStatus(baton.client, id, ["Completed", "Failed"], 60_000);
      expect(status.runtimeStatus).toBe("Completed");
      expect(status.output).toBe(2 * (OUTPUT_BYTES + 1) + String(i).length + String(i + 100).length);
    }
    expect(logger.matching(FULL_LINE)).toHaveLength(1);
    expect(logger.matching(RECOVERED_LINE)).toHaveLength(1);
    // The WAL was checkpointed into the main file (SQLite alone waits for 1000 pages of it).
    expect(statSync(path).size).toBeGreaterThanOrEqual(pagesWhenFull * 4096);
  });

  it("stop() returns while the disk is still full, and a worker started later completes every instance", async () => {
    const path = join(tempDir(), "baton.db");
    const gate = deferred();
    const entered = { count: 0 };
    const functions = flow(gate.promise, () => entered.count++);
    const first = await startBaton(path, functions, capturingLogger(), 1000);
    const ids = await startInstances(first.baton, entered);
    fillUp(first.store);
    gate.resolve();
    await waitUntil(() => (first.attempts.some((a) => a.failed) ? true : undefined), "a refused commit");

    await first.baton.stop({ timeoutMs: 100 });

    const second = await startBaton(path, functions, capturingLogger(), 1000); // a new connection: no page limit
    for (const id of ids) expect((await waitForStatus(second.baton.client, id, ["Completed", "Failed"], 60_000)).runtimeStatus).toBe("Completed");
  });
});
