import { afterEach, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, TimerCancelledError, type Baton } from "../../src/index.js";
import { createTestEnvironment } from "../../src/testing/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
  vi.restoreAllMocks();
});

const quick = activity("Quick", async () => "quick");
const raceThenWait = orchestration("RaceThenWait", async (ctx) => {
  const timeout = ctx.sleep("400ms");
  const winner = await ctx.any([ctx.callActivity(quick, null), timeout]);
  timeout.cancel();
  const next = await ctx.waitForExternalEvent<string>("Next");
  return [winner.index, next];
});

// Waits on a timer or an event; once the event wins, cancels the timer and awaits it later.
const awaitsCancelled = orchestration("AwaitsCancelled", async (ctx) => {
  const timer = ctx.sleep("1h");
  const winner = await ctx.any<unknown>([timer, ctx.waitForExternalEvent("Done")]);
  timer.cancel();
  const after = await ctx.callActivity(quick, null);
  try {
    await timer;
    return { winner: winner.index, after, timer: "fired" };
  } catch (error) {
    const cancelled = error as TimerCancelledError;
    return { winner: winner.index, after, timer: cancelled.code, isClass: error instanceof TimerCancelledError, fireAt: cancelled.fireAt.toISOString() };
  }
});
const leavesItUncaught = orchestration("LeavesItUncaught", async (ctx) => {
  const timer = ctx.sleep("1h");
  await ctx.callActivity(quick, null);
  timer.cancel();
  await timer;
  return "never";
});

describe("awaiting a cancelled durable timer", () => {
  it.each([10_000, 0])("rejects with TimerCancelledError instead of hanging, the same on replay (cache %i)", async (cache) => {
    const baton = await createBaton({ store: tempStoreUrl(), functions: [quick, awaitsCancelled], logger: quiet, maxCachedOrchestrations: cache });
    batons.push(baton);
    await baton.start();
    const id = await baton.client.startNew(awaitsCancelled);
    await waitForStatus(baton.client, id, "Running");
    await baton.client.raiseEvent(id, "Done", 1);
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    const history = (await baton.client.getStatus(id, { showHistory: true }))!.history!;
    const timer = history.find((e) => e.type === "TimerCreated")!;
    expect(done).toMatchObject({
      runtimeStatus: "Completed",
      output: { winner: 1, after: "quick", timer: "TIMER_CANCELLED", isClass: true, fireAt: (timer.fireAt as Date).toISOString() },
    });
  });

  it("fails the orchestration with code TIMER_CANCELLED when the code does not catch it", async () => {
    const baton = await createBaton({ store: tempStoreUrl(), functions: [quick, leavesItUncaught], logger: quiet });
    batons.push(baton);
    await baton.start();
    const id = await baton.client.startNew(leavesItUncaught);
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Failed", failureDetails: { code: "TIMER_CANCELLED", name: "TimerCancelledError" } });
  });
});

describe("a cancelled durable timer", () => {
  // On the test kit's clock: the test moves past the fire time instead of waiting for it.
  it("leaves no fire message behind and never wakes the orchestration", async () => {
    const store = tempStoreUrl();
    const env = await createTestEnvironment({ functions: [quick, raceThenWait], store, autoSkip: false });
    try {
      const id = await env.client.startNew(raceThenWait);
      await env.advanceTime(0); // the activity wins the race; the timer is cancelled
      const before = await env.history(id);
      expect(before.some((e) => e.type === "TaskCompleted")).toBe(true);
      expect((await snapshotStore(store)).inbox).toEqual([]);

      const timer = before.find((e) => e.type === "TimerCreated")!;
      await env.advanceTime("1h"); // the worker looked for work at and after the fire time
      expect(env.now()).toBeGreaterThan((timer.fireAt as Date).getTime());
      const after = await env.history(id);
      expect(after).toEqual(before);
      expect(after.some((e) => e.type === "TimerFired")).toBe(false);

      await env.client.raiseEvent(id, "Next", "done");
      const done = await env.client.waitForCompletion(id);
      expect(done.output).toEqual([0, "done"]);
    } finally {
      await env.close();
    }
  });
});
