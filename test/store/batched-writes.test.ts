/**
 * Client writes (startNew, raiseEvent, terminate, purge) made in one turn of the event loop
 * share one SQLite transaction. When one of them fails its check, the batch is rolled back and
 * run again with a savepoint per write: the failing one rejects alone, the others commit. A promise resolves only once the shared transaction
 * has committed; closing the store flushes the writes it has accepted, and refuses new ones.
 *
 * How batching is observed: better-sqlite3 runs BEGIN IMMEDIATE, SAVEPOINT, RELEASE, ROLLBACK TO
 * and COMMIT through prepared statements of its own (lib/methods/transaction.js), and every
 * statement, the store's own included, shares one native Statement prototype. A spy on its
 * `run` therefore sees each transaction the store opens on its connection, and each savepoint
 * inside it, in order (`this.source` is the SQL text, `this.database` the connection). Client
 * writes begin with a status check that only they run (CLIENT_CHECK), so the committed
 * transactions holding it are the client write batches. This is SQLite-level evidence, not a
 * count of calls to a private method.
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ClosedError,
  createBaton,
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  orchestration,
  type Baton,
  type BatonOptions,
} from "../../src/index.js";
import { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { CreateInstanceRequest } from "../../src/store/store.js";
import { pathOfUrl } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus } from "../helpers/wait.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";


const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
  vi.restoreAllMocks();
});

const echo = orchestration("Echo", async (_ctx, input: unknown) => input);
const waiter = orchestration("Waiter", async (ctx, input: unknown) => {
  const go = await ctx.waitForExternalEvent<unknown>("Go");
  return { input, go };
});

async function newBaton(store: string, options: Partial<BatonOptions> = {}, start = false): Promise<Baton> {
  const baton = await createBaton({ store, functions: [echo, waiter], logger: quiet, pollIntervalMs: 20, ...options });
  batons.push(baton);
  if (start) await baton.start();
  return baton;
}

// ---- observing transactions ----

interface StatementLike {
  source: string;
  database: { name: string };
  run(...args: unknown[]): unknown;
  get(...args: unknown[]): unknown;
}

/** Records every statement run; `transactions(path)` splits those on the store file's connections into transactions. */
function recordStatements() {
  const probe = new Database(":memory:");
  const prototype = Object.getPrototypeOf(probe.prepare("SELECT 1")) as StatementLike;
  probe.close();
  const log: StatementLike[] = [];
  for (const method of ["run", "get"] as const) {
    const original = prototype[method];
    vi.spyOn(prototype, method).mockImplementation(function (this: StatementLike, ...args: unknown[]) {
      log.push(this);
      return original.apply(this, args);
    });
  }
  return {
    /** The SQL of each transaction run on the file at `path`, BEGIN to COMMIT/ROLLBACK. */
    transactions(path: string): string[][] {
      const all: string[][] = [];
      let current: string[] | undefined;
      for (const statement of log) {
        if (statement.database.name !== path) continue;
        const sql = statement.source;
        if (/^BEGIN\b/.test(sql)) current = [];
        if (!current) continue; // an autocommit statement
        current.push(sql);
        if (sql === "COMMIT" || sql === "ROLLBACK") {
          all.push(current);
          current = undefined;
        }
      }
      return all;
    },
    /** The committed transactions holding client writes. */
    writeBatches(path: string): string[][] {
      return this.transactions(path).filter((t) => t.at(-1) === "COMMIT" && t.some(isClientCheck));
    },
  };
}

const isSavepoint = (sql: string) => sql.startsWith("SAVEPOINT");
/** The check every client write makes first (queries.ts selectInstanceStatus). */
const isClientCheck = (sql: string) => sql.startsWith("SELECT runtime_status, start_at FROM instances");
const count = (batch: string[], test: (sql: string) => boolean) => batch.filter(test).length;

/** Rows of one instance, read through a read-only connection of our own. */
function rowsOf(storeUrl: string, instanceId: string) {
  const db = new Database(pathOfUrl(storeUrl), { readonly: true });
  try {
    return {
      instance: db.prepare("SELECT * FROM instances WHERE instance_id = ?").get(instanceId) as Record<string, unknown> | undefined,
      inbox: db.prepare("SELECT * FROM inbox WHERE instance_id = ? ORDER BY id").all(instanceId),
    };
  } finally {
    db.close();
  }
}

function countRows(storeUrl: string, sql: string): number {
  const db = new Database(pathOfUrl(storeUrl), { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

// ---- tests ----

describe("client writes made in one turn", () => {
  it("200 startNew calls issued together all succeed, in far fewer transactions than 200, with no savepoint when none fails", async () => {
    const store = tempStoreUrl();
    const baton = await newBaton(store);
    const statements = recordStatements();
    const ids = Array.from({ length: 200 }, (_, i) => `batch-${String(i).padStart(3, "0")}`);
    const started = await Promise.all(ids.map((instanceId, i) => baton.client.startNew(echo, { instanceId, input: i })));
    expect(started).toEqual(ids);

    const batches = statements.writeBatches(pathOfUrl(store));
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.length).toBeLessThanOrEqual(5); // one in practice: a transaction takes up to 1000 writes
    const checks = batches.reduce((sum, batch) => sum + count(batch, isClientCheck), 0);
    expect(checks).toBe(200);
    for (const batch of batches) {
      expect(batch[0]).toBe("BEGIN IMMEDIATE");
      expect(batch.at(-1)).toBe("COMMIT");
      expect(count(batch, isSavepoint)).toBe(0);
      expect(count(batch, (sql) => sql.startsWith("INSERT INTO instances"))).toBe(count(batch, isClientCheck));
    }

    const listed = await baton.client.list({ instanceIdPrefix: "batch-", pageSize: 1000 });
    expect(listed.instances.map((s) => s.instanceId).sort()).toEqual(ids);
    expect(countRows(store, "SELECT count(*) AS n FROM inbox WHERE message LIKE '%ExecutionStarted%'")).toBe(200);
    for (const [i, id] of ids.entries()) expect((await baton.client.getStatus(id))!.input).toBe(i);
  });

  it("a startNew with an id that exists rejects alone: the other starts of the batch are stored, the existing instance is untouched", async () => {
    const store = tempStoreUrl();
    const baton = await newBaton(store);
    await baton.client.startNew(echo, { instanceId: "taken", input: "original" });
    const before = rowsOf(store, "taken");
    expect(before.instance).toBeDefined();

    const statements = recordStatements();
    const outcomes = await Promise.allSettled([
      baton.client.startNew(echo, { instanceId: "fresh-1", input: "one" }),
      baton.client.startNew(echo, { instanceId: "taken", input: "intruder" }),
      baton.client.startNew(echo, { instanceId: "fresh-2", input: "two" }),
      baton.client.startNew(echo, { instanceId: "twice", input: "first" }),
      baton.client.startNew(echo, { instanceId: "twice", input: "second" }),
    ]);
    // The first try rolled back whole; the retry ran all five in one transaction, one
    // savepoint each, and rolled back only the two that failed.
    const attempts = statements.transactions(pathOfUrl(store)).filter((t) => t.some(isClientCheck));
    expect(attempts.map((t) => t.at(-1))).toEqual(["ROLLBACK", "COMMIT"]);
    expect(count(attempts[0]!, isSavepoint)).toBe(0);
    const batches = statements.writeBatches(pathOfUrl(store));
    expect(batches).toHaveLength(1);
    expect(count(batches[0]!, isSavepoint)).toBe(5);
    expect(count(batches[0]!, (sql) => sql.startsWith("ROLLBACK TO"))).toBe(2);
    expect(batches[0]!.at(-1)).toBe("COMMIT");

    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled", "rejected"]);
    for (const i of [1, 4]) {
      const reason = (outcomes[i] as PromiseRejectedResult).reason as InstanceAlreadyExistsError;
      expect(reason).toBeInstanceOf(InstanceAlreadyExistsError);
      expect(reason.code).toBe("INSTANCE_ALREADY_EXISTS");
    }
    expect(((outcomes[1] as PromiseRejectedResult).reason as InstanceAlreadyExistsError).instanceId).toBe("taken");
    expect(((outcomes[4] as PromiseRejectedResult).reason as InstanceAlreadyExistsError).instanceId).toBe("twice");

    expect(rowsOf(store, "taken")).toEqual(before);
    expect((await baton.client.getStatus("taken", { showHistory: true }))!).toMatchObject({ input: "original", history: [] });
    expect((await baton.client.getStatus("fresh-1"))!.input).toBe("one");
    expect((await baton.client.getStatus("fresh-2"))!.input).toBe("two");
    expect((await baton.client.getStatus("twice"))!.input).toBe("first");
    expect(rowsOf(store, "twice").inbox).toHaveLength(1);

    await baton.start();
    for (const [id, output] of [["taken", "original"], ["fresh-1", "one"], ["fresh-2", "two"], ["twice", "first"]] as const) {
      expect(await baton.client.waitForCompletion(id, { timeout: 20_000 })).toMatchObject({ runtimeStatus: "Completed", output });
    }
  });

  it("a raiseEvent to a missing instance rejects alone: the good events of the batch are delivered", async () => {
    const store = tempStoreUrl();
    const baton = await newBaton(store, {}, true);
    const ids = ["w-1", "w-2", "w-3"];
    for (const [i, instanceId] of ids.entries()) await baton.client.startNew(waiter, { instanceId, input: i });
    for (const id of ids) await waitForStatus(baton.client, id, "Running");

    const statements = recordStatements();
    const outcomes = await Promise.allSettled([
      baton.client.raiseEvent("w-1", "Go", "go 1"),
      baton.client.raiseEvent("no-such-instance", "Go", "lost"),
      baton.client.raiseEvent("w-2", "Go", "go 2"),
      baton.client.raiseEvent("w-3", "Go", "go 3"),
    ]);
    const batches = statements.writeBatches(pathOfUrl(store));
    expect(batches).toHaveLength(1);
    expect(count(batches[0]!, isSavepoint)).toBe(4);
    expect(count(batches[0]!, (sql) => sql.startsWith("ROLLBACK TO"))).toBe(1);

    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const reason = (outcomes[1] as PromiseRejectedResult).reason as InstanceNotFoundError;
    expect(reason).toBeInstanceOf(InstanceNotFoundError);
    expect(reason.code).toBe("INSTANCE_NOT_FOUND");
    expect(reason.instanceId).toBe("no-such-instance");

    for (const [i, id] of ids.entries()) {
      const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
      expect(done).toMatchObject({ runtimeStatus: "Completed", output: { input: i, go: `go ${i + 1}` } });
    }
    expect(await baton.client.getStatus("no-such-instance")).toBeNull();
    expect(countRows(store, "SELECT count(*) AS n FROM inbox WHERE instance_id = 'no-such-instance'")).toBe(0);
  });
});

describe("stopping with writes in flight", () => {
  it.each([
    ["a running worker", true],
    ["no worker started", false],
  ])("with %s, every write accepted before the store closed is durable", async (_what, started) => {
    const store = tempStoreUrl();
    const first = await newBaton(store, {}, started);
    await first.client.startNew(waiter, { instanceId: "existing", input: "before" });
    if (started) await waitForStatus(first.client, "existing", "Running");

    const ids = Array.from({ length: 50 }, (_, i) => `late-${i}`);
    const writes: Promise<unknown>[] = [
      ...ids.map((instanceId, i) => first.client.startNew(waiter, { instanceId, input: i })),
      first.client.raiseEvent("existing", "Go", "sent with the stop"),
    ];
    const stopping = first.stop(); // same turn: the writes are still pending
    const outcomes = await Promise.allSettled(writes);
    await stopping;

    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(ClosedError); // refused: wrote nothing
    }
    const accepted = ids.filter((_, i) => outcomes[i]!.status === "fulfilled");
    expect(accepted.length).toBeGreaterThan(0); // else this test shows nothing

    const second = await newBaton(store);
    for (const [i, id] of ids.entries()) {
      const status = await second.client.getStatus(id);
      if (accepted.includes(id)) expect(status).toMatchObject({ instanceId: id, input: i });
      else expect(status).toBeNull();
    }
    const eventAccepted = outcomes.at(-1)!.status === "fulfilled";
    await second.start();
    if (eventAccepted) {
      const done = await second.client.waitForCompletion("existing", { timeout: 20_000 });
      expect(done.output).toEqual({ input: "before", go: "sent with the stop" });
    } else {
      expect(rowsOf(store, "existing").inbox.some((m) => String((m as { message: string }).message).includes("EventRaised"))).toBe(false);
    }
  });
});

describe("a closed store", () => {
  const request = (instanceId: string): CreateInstanceRequest => ({
    instanceId,
    name: "Echo",
    executionId: randomUUID(),
    input: undefined,
    startAt: 0,
    reuseFinished: false,
  });

  it("commits the writes it accepted before closing, and rejects later ones with ClosedError (code CLOSED)", async () => {
    const store = tempStoreUrl();
    const path = pathOfUrl(store);
    const sqlite = SqliteStore.open(store, path);
    const accepted = sqlite.createInstance(request("before-close"), Date.now()); // pending until the next turn
    await sqlite.close();
    await expect(accepted).resolves.toBeUndefined();

    for (const write of [
      () => sqlite.createInstance(request("after-close"), Date.now()),
      () => sqlite.sendMessage("before-close", { type: "EventRaised", name: "Go" }, Date.now()),
      () => sqlite.purgeInstance("before-close"),
    ]) {
      const error = await write().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClosedError);
      expect((error as ClosedError).code).toBe("CLOSED");
    }

    expect(rowsOf(store, "before-close").instance).toMatchObject({ instance_id: "before-close", runtime_status: "Pending" });
    expect(rowsOf(store, "before-close").inbox).toHaveLength(1); // its ExecutionStarted, and no event
    expect(rowsOf(store, "after-close").instance).toBeUndefined();
  });

  it("behind a stopped baton: the client's writes reject with ClosedError", async () => {
    const store = tempStoreUrl();
    const baton = await newBaton(store, {}, true);
    await baton.client.startNew(waiter, { instanceId: "kept" });
    await baton.stop();
    for (const write of [() => baton.client.startNew(echo, { instanceId: "too-late" }), () => baton.client.raiseEvent("kept", "Go", 1)]) {
      const error = await write().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClosedError);
      expect((error as ClosedError).code).toBe("CLOSED");
    }
    expect(rowsOf(store, "too-late").instance).toBeUndefined();
  });
});
