/**
 * An orchestration that ends in the episode where it started a child it does not await: the
 * child is created and runs to its end, on its own (a parent that ends leaves its children
 * running); the activities and timers of that last episode are never scheduled.
 */
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus } from "../helpers/wait.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

let forgottenRuns = 0;
const double = activity("Double", async (n: number) => n * 2);
const forgotten = activity("Forgotten", async () => {
  forgottenRuns++;
});
const child = orchestration("Child", async (ctx, n: number) => (await ctx.callActivity(double, n)) + 1);
const waitingChild = orchestration("WaitingChild", async (ctx) => ctx.waitForExternalEvent<string>("Go"));

const returnsAfterChild = orchestration("ReturnsAfterChild", async (ctx) => {
  void ctx.callSubOrchestrator(child, 1, { instanceId: "c-returns" });
  void ctx.callActivity(forgotten, null);
  void ctx.sleep(5);
  return "parent done";
});
const throwsAfterChild = orchestration("ThrowsAfterChild", async (ctx) => {
  void ctx.callSubOrchestrator(child, 2, { instanceId: "c-throws" });
  throw new Error("parent failed");
});
// The last episode is the second of an inline chain: the child was started in the first.
const chainedChild = orchestration("ChainedChild", async (ctx) => {
  void ctx.callSubOrchestrator(child, 3, { instanceId: "c-chained" });
  return ctx.callActivity(double, 21);
});
// Generation 1 starts a child at step 0 and continues; generation 2 waits on a child of its own
// at step 0 too: the first child's result must not reach it.
const continuesAfterChild = orchestration("ContinuesAfterChild", async (ctx, generation: number) => {
  if (generation === 1) {
    void ctx.callSubOrchestrator(child, 4, { instanceId: "c-gen1" });
    ctx.continueAsNew(2);
    return undefined;
  }
  return ctx.callSubOrchestrator(waitingChild, null, { instanceId: "c-gen2" });
});

async function newBaton(store = tempStoreUrl(), cache = 10_000): Promise<Baton> {
  const baton = await createBaton({
    store,
    functions: [double, forgotten, child, waitingChild, returnsAfterChild, throwsAfterChild, chainedChild, continuesAfterChild],
    logger: quiet,
    maxCachedOrchestrations: cache,
  });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("a child started in an orchestration's last episode", () => {
  it.each([10_000, 0])("is created when the parent returns, runs to its end, and is recorded in the parent's history (cache %i)", async (cache) => {
    const store = tempStoreUrl();
    forgottenRuns = 0;
    const { client } = await newBaton(store, cache);
    const id = await client.startNew(returnsAfterChild, { instanceId: "p-returns" });
    expect((await client.waitForCompletion(id, { timeout: 20_000 })).output).toBe("parent done");
    expect(await client.waitForCompletion("c-returns", { timeout: 20_000 })).toMatchObject({ runtimeStatus: "Completed", output: 3 });
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.map((e) => e.type)).toEqual(["EpisodeStarted", "ExecutionStarted", "SubOrchestrationScheduled", "ExecutionCompleted"]);
    expect(history[2]).toMatchObject({ name: "Child", instanceId: "c-returns", input: 1 });
    // The activity and the timer of the last episode were never queued; nothing is left waiting.
    expect(forgottenRuns).toBe(0);
    const snapshot = await snapshotStore(store);
    expect(snapshot.inbox).toEqual([]);
    expect(snapshot.activity_tasks).toEqual([]);
  });

  it("is created when the parent fails, and runs to its end", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(throwsAfterChild, { instanceId: "p-throws" });
    expect(await client.waitForCompletion(id, { timeout: 20_000 })).toMatchObject({ runtimeStatus: "Failed", failureDetails: { message: "parent failed" } });
    expect(await client.waitForCompletion("c-throws", { timeout: 20_000 })).toMatchObject({ runtimeStatus: "Completed", output: 5 });
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.map((e) => e.type)).toEqual(["EpisodeStarted", "ExecutionStarted", "SubOrchestrationScheduled", "ExecutionFailed"]);
  });

  it("is created when started in an earlier episode of the chain that ends the parent", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(chainedChild, { instanceId: "p-chained" });
    expect((await client.waitForCompletion(id, { timeout: 20_000 })).output).toBe(42);
    expect(await client.waitForCompletion("c-chained", { timeout: 20_000 })).toMatchObject({ runtimeStatus: "Completed", output: 7 });
  });

  it("is created when the parent continues as new; its result reaches neither generation", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(continuesAfterChild, { instanceId: "p-continues", input: 1 });
    await waitForStatus(client, "c-gen2", "Running"); // generation 2 runs, so generation 1 committed
    expect(await client.waitForCompletion("c-gen1", { timeout: 20_000 })).toMatchObject({ runtimeStatus: "Completed", output: 9 });
    await client.raiseEvent("c-gen2", "Go", "from gen 2's own child");
    expect(await client.waitForCompletion(id, { timeout: 20_000 })).toMatchObject({ runtimeStatus: "Completed", output: "from gen 2's own child" });
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "SubOrchestrationCompleted")).toEqual([expect.objectContaining({ seq: 0, output: "from gen 2's own child" })]);
  });
});
