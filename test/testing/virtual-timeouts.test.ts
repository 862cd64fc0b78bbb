/**
 * Timeouts read the environment's clock: waitForCompletion's timeout, an activity's timeout and
 * its heartbeat timeout pass when the clock skips or is advanced, in milliseconds of real time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, orchestration, TimeoutError } from "../../src/index.js";
import { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from "../../src/testing/index.js";
import { waitUntil } from "../helpers/wait.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const weekLong = orchestration("WeekLong", async (ctx) => {
  await ctx.sleep("7d");
  return "done";
});

/** Hangs on its first attempt until aborted; answers at once on the next. */
const hangsOnce = activity(
  "HangsOnce",
  async (_: null, ctx) => {
    if (ctx.attempt > 1) return `answered on attempt ${ctx.attempt}`;
    await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
    return "never";
  },
  { timeout: "5m", retry: { maxAttempts: 2, firstRetryInterval: "1s" } },
);
const callsHangsOnce = orchestration("CallsHangsOnce", async (ctx) => await ctx.callActivity(hangsOnce, null));

/** Beats once, then goes quiet until aborted. */
const goesQuiet = activity(
  "GoesQuiet",
  async (_: null, ctx) => {
    ctx.heartbeat({ step: 1 });
    await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
  },
  { heartbeatTimeout: "1m" },
);
const callsGoesQuiet = orchestration("CallsGoesQuiet", async (ctx) => {
  try {
    await ctx.callActivity(goesQuiet, null);
    return "finished";
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  }
});

const functions = [weekLong, hangsOnce, callsHangsOnce, goesQuiet, callsGoesQuiet];
const envs: TestEnvironment[] = [];
async function open(options: Partial<TestEnvironmentOptions> = {}): Promise<TestEnvironment> {
  const env = await createTestEnvironment({ functions, ...options });
  envs.push(env);
  return env;
}
afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

describe("timeouts on the environment's clock", () => {
  it("times waitForCompletion out at the environment's hour, not the wall's", async () => {
    const env = await open();
    const id = await env.client.startNew(weekLong);
    const started = env.now();
    await expect(env.client.waitForCompletion(id, { timeout: "1h" })).rejects.toThrow(TimeoutError);
    expect(env.now() - started).toBeGreaterThanOrEqual(HOUR);
    expect(env.now() - started).toBeLessThan(7 * DAY); // it skipped to the timeout, not past it
    expect((await env.client.waitForCompletion(id)).output).toBe("done"); // a wait without one skips on
  });

  it("times it out when advanceTime passes the timeout, with skipping off", async () => {
    const env = await open({ autoSkip: false });
    const id = await env.client.startNew(weekLong);
    const waiting = env.client.waitForCompletion(weekLong, id, { timeout: "1h" });
    const outcome = waiting.then(() => "completed", (error: unknown) => error);
    await env.advanceTime("2h");
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/still Running after 3600000 ms/);
  });

  it("fires an activity's timeout when advanceTime passes it, then runs the retry", async () => {
    const env = await open({ autoSkip: false });
    const id = await env.client.startNew(callsHangsOnce);
    await waitUntil(() => (env.activityCalls(hangsOnce).length === 1 ? true : undefined), "the first attempt to start");
    await env.advanceTime("6m"); // the hung attempt does not hold the advance: its timeout is in it
    const calls = env.activityCalls(hangsOnce);
    expect(calls.map((call) => call.outcome.status)).toEqual(["failed", "completed"]);
    expect((calls[0]!.outcome as { error: Error }).error).toBeInstanceOf(TimeoutError);
    expect((await env.client.waitForCompletion(id)).output).toBe("answered on attempt 2");
  });

  it("fires a heartbeat timeout when advanceTime passes it", async () => {
    const env = await open({ autoSkip: false });
    const id = await env.client.startNew(callsGoesQuiet);
    await waitUntil(() => (env.activityCalls(goesQuiet).length === 1 ? true : undefined), "the attempt to start");
    await env.advanceTime("2m");
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toMatch(/failed: .*heartbeat/);
  });

  it("does not fire an activity's timeout while the clock stands still", async () => {
    const env = await open({ autoSkip: false });
    const id = await env.client.startNew(callsHangsOnce);
    await waitUntil(() => (env.activityCalls(hangsOnce).length === 1 ? true : undefined), "the first attempt to start");
    await env.advanceTime("4m");
    expect(env.activityCalls(hangsOnce).map((call) => call.outcome.status)).toEqual(["running"]);
    await env.advanceTime("2m");
    expect((await env.client.waitForCompletion(id)).output).toBe("answered on attempt 2");
  });
});
