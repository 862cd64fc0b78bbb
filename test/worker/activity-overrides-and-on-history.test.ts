/**
 * createBaton's `activities` (per-name options over the definitions'), `defaultActivityRetry`
 * (the policy of activities that set none) and `onHistory` (the events of each committed
 * episode, in order; what it throws is logged, the worker carries on).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  activity,
  createBaton,
  InvalidArgumentError,
  orchestration,
  type ActivityFailedError,
  type Baton,
  type HistoryEntry,
} from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { capturingLogger } from "../helpers/capturing-logger.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

let baton: Baton | undefined;
afterEach(async () => {
  await baton?.stop();
  baton = undefined;
});

const fast = { firstRetryInterval: 10, backoffCoefficient: 1 } as const;

/** Fails until it has been called `failures + 1` times for this key; records each attempt. */
const attempts = new Map<string, number>();
function flakyActivity(name: string, options?: Parameters<typeof activity>[2]) {
  return activity(
    name,
    async (input: { key: string; failures: number }) => {
      const n = (attempts.get(input.key) ?? 0) + 1;
      attempts.set(input.key, n);
      if (n <= input.failures) throw new Error(`attempt ${n} failed`);
      return `ok after ${n}`;
    },
    options,
  );
}
const plain = flakyActivity("Plain"); // no retry policy of its own
const once = flakyActivity("Once", { retry: { maxAttempts: 1 } });

/** Calls `name` with `input`; returns its output, or "gave up after N" when it fails for good. */
const caller = orchestration("Caller", async (ctx, args: { name: string; key: string; failures: number }) => {
  try {
    return await ctx.callActivity<string>(args.name, { key: args.key, failures: args.failures });
  } catch (error) {
    return `gave up after ${(error as ActivityFailedError).attempts}`;
  }
});

async function call(name: string, failures: number): Promise<unknown> {
  const key = `${name}-${Math.random()}`;
  const id = await baton!.client.startNew(caller, { input: { name, key, failures } });
  const done = await baton!.client.waitForCompletion(id, { timeout: 20_000 });
  expect(done.runtimeStatus).toBe("Completed");
  return done.output;
}

describe("defaultActivityRetry and activities", () => {
  it("defaultActivityRetry retries an activity that has no policy, and leaves one with its own policy alone", async () => {
    baton = await createBaton({
      store: tempStoreUrl(),
      functions: [plain, once, caller],
      defaultActivityRetry: { maxAttempts: 3, ...fast },
      logger: quiet,
      pollIntervalMs: 10,
    });
    await baton.start();
    expect(await call("Plain", 2)).toBe("ok after 3");
    expect(await call("Plain", 3)).toBe("gave up after 3");
    expect(await call("Once", 1)).toBe("gave up after 1"); // its own maxAttempts: 1 wins
  });

  it("an override's retry wins over the definition's and over defaultActivityRetry", async () => {
    baton = await createBaton({
      store: tempStoreUrl(),
      functions: [plain, once, caller],
      defaultActivityRetry: { maxAttempts: 5, ...fast },
      activities: { Plain: { retry: { maxAttempts: 2, ...fast } }, Once: { retry: { maxAttempts: 4, ...fast } } },
      logger: quiet,
      pollIntervalMs: 10,
    });
    await baton.start();
    expect(await call("Plain", 3)).toBe("gave up after 2");
    expect(await call("Once", 3)).toBe("ok after 4");
  });

  it("an override's concurrency caps an activity defined without one", async () => {
    let running = 0;
    let most = 0;
    const busy = activity("Busy", async (n: number) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return n;
    });
    const fanOut = orchestration("BusyFanOut", async (ctx) => ctx.all(Array.from({ length: 6 }, (_, i) => ctx.callActivity(busy, i))));
    baton = await createBaton({
      store: tempStoreUrl(),
      functions: [busy, fanOut],
      activities: { Busy: { concurrency: 1 } },
      logger: quiet,
      pollIntervalMs: 10,
    });
    await baton.start();
    const id = await baton.client.startNew(fanOut);
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done.output).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(1);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["a name that is not hosted", { Nope: { concurrency: 1 } }, /activities: "Nope" is not an activity in functions\. Hosted activities: Plain, Once\./],
    ["an orchestration's name", { Caller: { concurrency: 1 } }, /activities: "Caller" is not an activity in functions/],
    ["an unknown option", { Plain: { concurency: 1 } }, /activities\.Plain: unknown option "concurency"\. Did you mean "concurrency"\?/],
    ["a bad value", { Plain: { concurrency: 0 } }, /concurrency/],
    ["a bad retry policy", { Plain: { retry: { maxAttempts: 0 } } }, /maxAttempts/],
  ])("refuses an override with %s (InvalidArgumentError naming it)", async (_label, activities, message) => {
    const attempt = createBaton({ store: tempStoreUrl(), functions: [plain, once, caller], activities: activities as never, logger: quiet });
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(message);
  });

  it("refuses a bad defaultActivityRetry", async () => {
    const attempt = createBaton({ store: tempStoreUrl(), functions: [plain, caller], defaultActivityRetry: { maxAttempts: -1 }, logger: quiet });
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
  });
});

describe("onHistory", () => {
  const step = activity("Step", async (n: number) => n + 1);
  const twoSteps = orchestration("TwoSteps", async (ctx, n: number) => {
    const a = await ctx.callActivity(step, n);
    return ctx.callActivity(step, a);
  });

  it("receives the events of each committed episode, in order: together, the instance's history", async () => {
    const calls: { instanceId: string; events: readonly HistoryEntry[] }[] = [];
    baton = await createBaton({
      store: tempStoreUrl(),
      functions: [step, twoSteps],
      inlineActivities: false, // one episode per step
      onHistory: (instanceId, events) => calls.push({ instanceId, events }),
      logger: quiet,
      pollIntervalMs: 10,
    });
    await baton.start();
    const [a, b] = [await baton.client.startNew(twoSteps, { input: 1 }), await baton.client.startNew(twoSteps, { input: 10 })];
    for (const [id, output] of [[a, 3], [b, 12]] as const) {
      const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
      expect(done.output).toBe(output);
      const mine = calls.filter((c) => c.instanceId === id);
      expect(mine.length).toBe(3); // start + first call, first result + second call, second result + completion
      for (const c of mine) expect(c.events[0]!.type).toBe("EpisodeStarted");
      const status = await baton.client.getStatus(id, { showHistory: true });
      expect(mine.flatMap((c) => c.events)).toEqual(status!.history);
      expect(mine.flatMap((c) => c.events).map((e) => e.type)).toEqual([
        "EpisodeStarted",
        "ExecutionStarted",
        "TaskScheduled",
        "EpisodeStarted",
        "TaskCompleted",
        "TaskScheduled",
        "EpisodeStarted",
        "TaskCompleted",
        "ExecutionCompleted",
      ]);
    }
  });

  it("a throwing onHistory is logged and does not stop the worker", async () => {
    const logger = capturingLogger();
    let calls = 0;
    baton = await createBaton({
      store: tempStoreUrl(),
      functions: [step, twoSteps],
      inlineActivities: false,
      onHistory: () => {
        calls++;
        throw new Error("listener broke");
      },
      logger,
      pollIntervalMs: 10,
    });
    await baton.start();
    const ids = [await baton.client.startNew(twoSteps, { input: 1 }), await baton.client.startNew(twoSteps, { input: 5 })];
    for (const id of ids) expect((await baton.client.waitForCompletion(id, { timeout: 20_000 })).output).toBeGreaterThan(2);
    expect(calls).toBe(6);
    const errors = logger.records.filter((record) => record.level === "error");
    expect(errors).toHaveLength(6);
    expect(errors[0]).toMatchObject({ message: "onHistory threw", fields: { err: { message: "listener broke" } } });
    expect(ids).toContain(errors[0]!.fields.instanceId);
  });
});
