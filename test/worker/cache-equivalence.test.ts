/**
 * The worker keeps live orchestrations in memory and applies only new events; with the
 * cache off, every episode replays the whole history. Activities run inline (chained in one
 * episode) or through the queue (one episode per result). Every path must write the same history.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, type Baton, type HistoryEntry } from "../../src/index.js";
import { tempStoreUrl, TestStore } from "../helpers/temp-store.js";
import { waitForHistoryEvent } from "../helpers/wait.js";

const addOne = activity("AddOne", async (n: number) => n + 1);
const flaky = activity(
  "Flaky",
  async (n: number, ctx) => {
    if (ctx.attempt < 2) throw new Error(`attempt ${ctx.attempt} failed`);
    return n * 10;
  },
  { retry: { maxAttempts: 3, firstRetryInterval: 5 } },
);

const scenario = orchestration("Scenario", async (ctx, start: number) => {
  ctx.setCustomStatus({ phase: "chain" });
  let n = start;
  for (let i = 0; i < 3; i++) n = await ctx.callActivity(addOne, n);
  const fanned = await ctx.map([1, 2, 3, 4, 5], (x) => ctx.callActivity(addOne, x), { concurrency: 2 });
  const raced = await Promise.race([ctx.callActivity(addOne, 100), ctx.sleep("10s")]);
  await ctx.sleep(10);
  const retried = await ctx.callActivity(flaky, 7);
  let compensated = false;
  try {
    await ctx.callActivity<number>("Missing", null, { retry: { maxAttempts: 1 } });
  } catch {
    compensated = true;
  }
  const event = await ctx.waitForExternalEvent<string>("Go");
  ctx.setCustomStatus({ phase: "done" });
  return { n, fanned, raced, retried, compensated, event, guid: ctx.newGuid(), random: ctx.random() };
});

const missing = activity("Missing", async () => {
  throw new Error("always fails");
});

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
});

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function runScenario(maxCachedOrchestrations: number, inlineActivities = true) {
  const baton = await createBaton({
    store: tempStoreUrl(),
    functions: [addOne, flaky, missing, scenario],
    maxCachedOrchestrations,
    inlineActivities,
    logger: quiet,
  });
  batons.push(baton);
  // The event is in before the worker starts, so every path consumes it in the same episode.
  const id = await baton.client.startNew(scenario, { input: 1, instanceId: "same-id" });
  await baton.client.raiseEvent(id, "Go", "go!");
  await baton.start();
  await baton.client.waitForCompletion(id, { timeout: 20_000 });
  return (await baton.client.getStatus(id, { showHistory: true }))!;
}

/** History without what differs between runs: timestamps, execution ids, the values seeded by them, stack traces. */
function shape(history: HistoryEntry[]) {
  return history.map(({ timestamp: _t, fireAt: _f, executionId: _e, ...rest }) => {
    if (rest.type === "ExecutionCompleted") return { ...rest, output: { ...(rest.output as object), guid: 0, random: 0 } };
    if (rest.type === "TaskFailed") return { ...rest, error: { ...(rest.error as object), stack: undefined } };
    return rest;
  });
}

describe("cached episodes, full replay, inline and queued activities", () => {
  it.each([
    ["full replay, inline activities", 0, true],
    ["cached runs, queued activities", 10_000, false],
    ["full replay, queued activities", 0, false],
  ] as const)("%s produce the same history and output as cached runs with inline activities", async (_, cache, inline) => {
    const reference = await runScenario(10_000, true);
    const other = await runScenario(cache, inline);
    expect(reference.runtimeStatus).toBe("Completed");
    expect(other.runtimeStatus).toBe("Completed");
    // guid and random are seeded by the execution id, which differs between the two stores.
    const { guid: _g1, random: _r1, ...referenceOutput } = reference.output as Record<string, unknown>;
    const { guid: _g2, random: _r2, ...otherOutput } = other.output as Record<string, unknown>;
    expect(otherOutput).toEqual(referenceOutput);
    expect(reference.output).toMatchObject({ n: 4, fanned: [2, 3, 4, 5, 6], raced: 101, retried: 70, compensated: true, event: "go!" });
    expect(shape(other.history!)).toEqual(shape(reference.history!));
    expect(other.customStatus).toEqual({ phase: "done" });
  });
});

const chain = orchestration("Chain10", async (ctx, n: number) => {
  for (let i = 0; i < 10; i++) n = await ctx.callActivity(addOne, n);
  return n;
});

describe("the live-run cache", () => {
  // With activities queued, each result is an episode of its own: the cache saves one replay per step.
  it.each([
    [10_000, 0],
    [0, 10],
  ])("with room for %i runs, a 10-step chain of queued activities reads its history %i times", async (maxCachedOrchestrations, reads) => {
    const getHistory = vi.spyOn(TestStore.prototype, "getHistory");
    try {
      const baton = await createBaton({
        store: tempStoreUrl(),
        functions: [addOne, chain],
        maxCachedOrchestrations,
        inlineActivities: false,
        logger: quiet,
      });
      batons.push(baton);
      await baton.start();
      const id = await baton.client.startNew(chain, { input: 0 });
      const done = await baton.client.waitForCompletion(id, { timeout: 10_000 });
      expect(done.output).toBe(10);
      expect(getHistory).toHaveBeenCalledTimes(reads);
    } finally {
      getHistory.mockRestore();
    }
  });
});

const waiter = orchestration("Waiter", async (ctx) => {
  const first = await ctx.callActivity(addOne, 1);
  const event = await ctx.waitForExternalEvent<number>("Value");
  return first + event;
});

describe("runs waiting on an event", () => {
  it("are not kept in memory: the wake-up replays the history once", async () => {
    const getHistory = vi.spyOn(TestStore.prototype, "getHistory");
    try {
      const baton = await createBaton({ store: tempStoreUrl(), functions: [addOne, waiter], logger: quiet });
      batons.push(baton);
      await baton.start();
      const id = await baton.client.startNew(waiter);
      await waitForHistoryEvent(baton.client, id, "TaskCompleted"); // reads history through getStatus
      const readsBefore = getHistory.mock.calls.length;
      await baton.client.raiseEvent(id, "Value", 40);
      const done = await baton.client.waitForCompletion(id, { timeout: 10_000 });
      expect(done.output).toBe(42);
      expect(getHistory.mock.calls.length - readsBefore).toBe(1);
    } finally {
      getHistory.mockRestore();
    }
  });
});

const napper = orchestration("Napper", async (ctx) => {
  await ctx.sleep("100ms");
  return ctx.callActivity(addOne, 1);
});

describe("runs waiting on a timer due soon", () => {
  it("stay live: the wake-up replays nothing", async () => {
    const getHistory = vi.spyOn(TestStore.prototype, "getHistory");
    try {
      const baton = await createBaton({ store: tempStoreUrl(), functions: [addOne, napper], logger: quiet });
      batons.push(baton);
      await baton.start();
      const id = await baton.client.startNew(napper);
      const done = await baton.client.waitForCompletion(id, { timeout: 10_000 });
      expect(done.output).toBe(2);
      expect(getHistory).toHaveBeenCalledTimes(0);
    } finally {
      getHistory.mockRestore();
    }
  });
});

const fanOut = orchestration("FanOut", async (ctx, width: number) => {
  const results = await ctx.all(Array.from({ length: width }, (_, i) => ctx.callActivity(addOne, i)));
  return results.reduce((sum, n) => sum + n, 0);
});

describe("a fan-in whose results arrive while its previous episode commits", () => {
  it("continues the live run instead of replaying it", async () => {
    const getHistory = vi.spyOn(TestStore.prototype, "getHistory");
    try {
      const baton = await createBaton({
        store: tempStoreUrl(),
        functions: [addOne, fanOut],
        maxConcurrentActivities: 500,
        logger: quiet,
      });
      batons.push(baton);
      await baton.start();
      const width = 2000;
      const id = await baton.client.startNew(fanOut, { input: width });
      const done = await baton.client.waitForCompletion(id, { timeout: 30_000 });
      expect(done.output).toBe((width * (width + 1)) / 2);
      const episodes = (await baton.client.getStatus(id, { showHistory: true }))!.history!.filter((e) => e.type === "EpisodeStarted");
      expect(episodes.length).toBeGreaterThan(2); // the results really came in several episodes
      expect(getHistory).toHaveBeenCalledTimes(1); // the getStatus just above, and no replay
    } finally {
      getHistory.mockRestore();
    }
  });
});
