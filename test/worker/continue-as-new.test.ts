/**
 * ctx.continueAsNew: the instance starts over with a new input and an empty history. Events
 * that arrived and were not taken yet are carried into the next generation, in order.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { CompletionNotifier } from "../../src/support/completion-notifier.js";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const addOne = activity("AddOne", async (n: number) => n + 1);

const counter = orchestration("Counter", async (ctx, n: number) => {
  const next = await ctx.callActivity(addOne, n);
  if (next < 5) {
    ctx.continueAsNew(next);
    return undefined;
  }
  return next;
});

const accumulator = orchestration("Accumulator", async (ctx, total: number) => {
  const add = await ctx.waitForExternalEvent<number | "stop">("Add");
  if (add === "stop") return total;
  ctx.continueAsNew(total + add);
  return undefined;
});

const forgetful = orchestration("Forgetful", async (ctx, total: number) => {
  if (total > 0) {
    const next = await ctx.any([ctx.waitForExternalEvent<number>("Add"), ctx.sleep(300)]);
    return next.index === 0 ? `kept ${total + (next.value as number)}` : `dropped after ${total}`;
  }
  const add = await ctx.waitForExternalEvent<number>("Add");
  ctx.continueAsNew(total + add, { preserveUnprocessedEvents: false });
  return undefined;
});

const careless = orchestration("Careless", async (ctx, catchIt: boolean) => {
  try {
    ctx.continueAsNew({ notData: () => 1 });
  } catch (error) {
    if (catchIt) return `caught ${(error as Error).name}`;
    throw error;
  }
  return "continued";
});

async function newBaton(options: { store?: string; start?: boolean; maxCachedOrchestrations?: number } = {}): Promise<Baton> {
  const baton = await createBaton({
    store: options.store ?? tempStoreUrl(),
    functions: [addOne, counter, accumulator, forgetful, careless],
    logger: quiet,
    ...(options.maxCachedOrchestrations === undefined ? {} : { maxCachedOrchestrations: options.maxCachedOrchestrations }),
  });
  batons.push(baton);
  if (options.start !== false) await baton.start();
  return baton;
}

describe("continueAsNew", () => {
  it("starts the instance over with the new input and an empty history, until it returns", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(counter, { input: 0, instanceId: "counting" });
    const done = await client.waitForCompletion(id, { timeout: 10_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 5, input: 4 });
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    const started = history.filter((e) => e.type === "ExecutionStarted");
    expect(started).toHaveLength(1); // only the last generation's history is kept
    expect(started[0]).toMatchObject({ input: 4 });
    expect(history.filter((e) => e.type === "TaskScheduled")).toHaveLength(1);
  });

  it("wakes waiters once, when the last generation finishes, not at each switch", async () => {
    const notify = vi.spyOn(CompletionNotifier.prototype, "notify");
    try {
      const { client } = await newBaton();
      const id = await client.startNew(counter, { input: 0 });
      expect((await client.waitForCompletion(id, { timeout: 10_000 })).output).toBe(5);
      expect(notify.mock.calls.filter(([instanceId]) => instanceId === id)).toHaveLength(1);
    } finally {
      notify.mockRestore();
    }
  });

  it.each([10_000, 0])("loses none of the events raised while generations switch (cache room %i)", async (maxCachedOrchestrations) => {
    const { client } = await newBaton({ maxCachedOrchestrations });
    const id = await client.startNew(accumulator, { input: 0 });
    for (let i = 1; i <= 20; i++) {
      await client.raiseEvent(id, "Add", i);
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // let some switches happen in between
    }
    await client.raiseEvent(id, "Add", "stop");
    const done = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 210 });
  });

  it("carries events raised before the first episode, in order, when several arrive at once", async () => {
    const baton = await newBaton({ start: false });
    const id = await baton.client.startNew(accumulator, { input: 100 });
    for (const value of [1, 2, 3, "stop", 1000]) await baton.client.raiseEvent(id, "Add", value);
    await baton.start();
    expect((await baton.client.waitForCompletion(id, { timeout: 10_000 })).output).toBe(106);
  });

  it("with preserveUnprocessedEvents: false, drops the events the ending generation had not taken", async () => {
    const baton = await newBaton({ start: false });
    const id = await baton.client.startNew(forgetful, { input: 0 });
    await baton.client.raiseEvent(id, "Add", 1);
    await baton.client.raiseEvent(id, "Add", 2);
    await baton.start();
    expect((await baton.client.waitForCompletion(id, { timeout: 10_000 })).output).toBe("dropped after 1");
  });

  it("throws SerializationError into the code for an input that cannot be stored, and starts nothing", async () => {
    const { client } = await newBaton();
    const caught = await client.startNew(careless, { input: true });
    expect((await client.waitForCompletion(caught, { timeout: 10_000 })).output).toBe("caught SerializationError");
    const failed = await client.startNew(careless, { input: false });
    const status = await client.waitForCompletion(failed, { timeout: 10_000 });
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.failureDetails).toMatchObject({ code: "SERIALIZATION_FAILED" });
    const history = (await client.getStatus(failed, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
  });
});
