/**
 * restart(id) starts a finished instance over with its input; purgeWhere(filter) deletes the
 * finished instances a filter matches. Bad input is rejected before anything is written.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  activity,
  createBaton,
  InstanceNotFinishedError,
  InstanceNotFoundError,
  InvalidArgumentError,
  orchestration,
  type Baton,
} from "../../src/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

let runs = 0;
const double = activity("Double", async (n: number) => {
  runs++;
  return n * 2;
});
const doubler = orchestration("Doubler", async (ctx, n: number) => ctx.callActivity(double, n));
const waiter = orchestration("Waiter", async (ctx) => ctx.waitForExternalEvent<string>("Go"));
const failer = orchestration("Failer", async () => {
  throw new Error("no");
});

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
});

async function newBaton(store = tempStoreUrl()): Promise<Baton> {
  const baton = await createBaton({ store, functions: [double, doubler, waiter, failer], logger: quiet });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("restart", () => {
  it("runs a finished instance again under the same id with the same input, as a new execution", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(doubler, { input: 21, instanceId: "again" });
    await client.waitForCompletion(id, { timeout: 10_000 });
    const before = (await client.getStatus(id, { showHistory: true }))!;
    const runsBefore = runs;

    expect(await client.restart(id)).toBe(id);
    const after = await client.waitForCompletion<number>(id, { timeout: 10_000 });
    expect(after).toMatchObject({ runtimeStatus: "Completed", output: 42, input: 21, name: "Doubler" });
    expect(runs).toBe(runsBefore + 1);
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    const executionOf = (h: typeof history) => h.find((e) => e.type === "ExecutionStarted")!.executionId;
    expect(executionOf(history)).not.toBe(executionOf(before.history!));
    expect(history.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1); // the old history was replaced
  });

  it("restarts a failed instance too", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(failer);
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).runtimeStatus).toBe("Failed");
    await client.restart(id);
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).runtimeStatus).toBe("Failed");
  });

  it("rejects a running instance with InstanceNotFinishedError and a missing one with InstanceNotFoundError, writing nothing", async () => {
    const store = tempStoreUrl();
    const { client } = await newBaton(store);
    const id = await client.startNew(waiter, { instanceId: "still-waiting" });
    await expect.poll(async () => (await client.getStatus(id))!.runtimeStatus).toBe("Running");
    const snapshot = await snapshotStore(store);
    const running = await client.restart(id).catch((error: unknown) => error);
    expect(running).toBeInstanceOf(InstanceNotFinishedError);
    expect((running as InstanceNotFinishedError).message).toContain("before restarting");
    await expect(client.restart("nobody")).rejects.toBeInstanceOf(InstanceNotFoundError);
    await expect(client.restart("")).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await snapshotStore(store)).toEqual(snapshot);
  });
});

describe("purgeWhere", () => {
  async function seeded() {
    const store = tempStoreUrl();
    const baton = await newBaton(store);
    const { client } = baton;
    const done = await Promise.all([1, 2, 3].map((n) => client.startNew(doubler, { input: n, instanceId: `keep-a-${n}` })));
    const failed = await client.startNew(failer, { instanceId: "keep-b-failed" });
    const other = await client.startNew(doubler, { input: 9, instanceId: "other-1" });
    const waiting = await client.startNew(waiter, { instanceId: "keep-a-waiting" });
    for (const id of [...done, failed, other]) await client.waitForCompletion(id, { timeout: 10_000 });
    await expect.poll(async () => (await client.getStatus(waiting))!.runtimeStatus).toBe("Running");
    return { store, client, done, failed, other, waiting };
  }

  const ids = async (client: Baton["client"]) => (await client.list({ pageSize: 100 })).instances.map((s) => s.instanceId).sort();

  it("deletes the finished instances the filter matches, and never an unfinished one", async () => {
    const { client } = await seeded();
    expect(await client.purgeWhere({ instanceIdPrefix: "keep-a-" })).toEqual({ purged: 3 });
    expect(await ids(client)).toEqual(["keep-a-waiting", "keep-b-failed", "other-1"]);
    expect(await client.purgeWhere({ runtimeStatus: ["Failed"] })).toEqual({ purged: 1 });
    expect(await client.purgeWhere({ name: "Doubler", createdTo: new Date(Date.now() + 1000) })).toEqual({ purged: 1 });
    expect(await ids(client)).toEqual(["keep-a-waiting"]);
    expect(await client.purgeWhere({})).toEqual({ purged: 0 });
    expect(await client.getStatus("keep-a-waiting")).toMatchObject({ runtimeStatus: "Running" });
  });

  it("purges more instances than one transaction takes", async () => {
    const { client } = await newBaton();
    const started = await Promise.all(Array.from({ length: 1100 }, (_, i) => client.startNew(failer, { instanceId: `many-${i}` })));
    await Promise.all(started.map((id) => client.waitForCompletion(id, { timeout: 60_000 })));
    expect(await client.purgeWhere({ instanceIdPrefix: "many-" })).toEqual({ purged: 1100 });
    expect((await client.list({ instanceIdPrefix: "many-" })).instances).toEqual([]);
  });

  it.each([
    [{ status: ["Completed"] }, 'unknown filter key "status"'],
    [{ runtimeStatus: ["Running"] }, "finished statuses"],
    [{ runtimeStatus: "Completed" }, "finished statuses"],
    [{ createdFrom: "yesterday" }, "createdFrom must be a valid Date"],
    [{ instanceIdPrefix: 7 }, "instanceIdPrefix must be a string"],
    [null, "needs a filter object"],
  ])("rejects %j with InvalidArgumentError and deletes nothing", async (filter, message) => {
    const { store, client } = await seeded();
    const snapshot = await snapshotStore(store);
    const error = await client.purgeWhere(filter as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain(message);
    expect(await snapshotStore(store)).toEqual(snapshot);
  });
});
