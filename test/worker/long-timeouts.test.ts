/**
 * Waits longer than one Node timer holds (2^31 - 1 ms, about 24.8 days; a longer delay fires
 * after 1 ms): an activity's `timeout` and `heartbeatTimeout` of 30 days, and a graceful stop
 * of 30 days, do not end at once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const DAY_MS = 86_400_000;

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

/** Finishes on a timer of its own, created after its attempt's timeout timer: an overflowed timeout (1 ms) would fire first. */
async function briefWork(_: null, ctx: { signal: AbortSignal }): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return ctx.signal.aborted ? `aborted: ${(ctx.signal.reason as Error).name}` : "done";
}

describe("an activity with a timeout of 30 days", () => {
  const longTimeout = activity("LongTimeout", briefWork, { timeout: "30d", retry: { maxAttempts: 1 } });
  const longHeartbeat = activity("LongHeartbeat", briefWork, { heartbeatTimeout: "30d", retry: { maxAttempts: 1 } });
  const calls = orchestration("CallsLongTimeouts", async (ctx) => {
    const results: string[] = [];
    for (const target of [longTimeout, longHeartbeat]) {
      try {
        results.push(await ctx.callActivity(target, null));
      } catch (error) {
        results.push(`failed: ${(error as { cause?: { name: string } }).cause?.name}`);
      }
    }
    results.push(await ctx.callActivity(longTimeout, null, { timeout: 31 * DAY_MS }));
    return results;
  });

  it.each([true, false])("runs to its end, heartbeatTimeout and a call's own timeout alike (inline %s)", async (inlineActivities) => {
    const baton = await createBaton({ store: tempStoreUrl(), functions: [longTimeout, longHeartbeat, calls], logger: quiet, pollIntervalMs: 20, inlineActivities });
    batons.push(baton);
    await baton.start();
    const done = await baton.client.waitForCompletion(await baton.client.startNew(calls), { timeout: 20_000 });
    expect(done.output).toEqual(["done", "done", "done"]);
  });
});

describe("stop({ timeoutMs }) of 30 days", () => {
  it("lets running work finish instead of aborting it at once", async () => {
    let entered!: () => void;
    const started = new Promise<void>((resolve) => (entered = resolve));
    const outcomes: string[] = [];
    const work = activity("FinishesDuringStop", async (_: null, ctx) => {
      entered();
      outcomes.push(await briefWork(null, ctx));
      return outcomes.at(-1);
    });
    const caller = orchestration("StopsWhileWorking", async (ctx) => ctx.callActivity(work, null));
    const baton = await createBaton({ store: tempStoreUrl(), functions: [work, caller], logger: quiet, pollIntervalMs: 20, inlineActivities: false });
    await baton.start();
    await baton.client.startNew(caller);
    await started;
    await baton.stop({ timeoutMs: 30 * DAY_MS });
    expect(outcomes).toEqual(["done"]);
  });
});
