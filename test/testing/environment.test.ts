/**
 * createTestEnvironment: the production baton on a virtual clock that skips ahead while the
 * test waits and only future work is queued. Every assertion is on the environment's clock or
 * the history's timestamps, never on wall time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, orchestration, ReplayDivergedError } from "../../src/index.js";
import { createTestEnvironment, type TestEnvironment } from "../../src/testing/index.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { waitUntil } from "../helpers/wait.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse("2030-01-01T00:00:00Z");

const remind = activity("Remind", async (name: string) => `reminded ${name}`);
const weekLater = orchestration("WeekLater", async (ctx, name: string) => {
  await ctx.sleep("7d");
  return await ctx.callActivity(remind, name);
});

let flaky = 0;
const flakyCharge = activity("FlakyCharge", async (amount: number) => {
  if (++flaky % 2 === 1) throw new Error("card declined");
  return amount;
}, { retry: { maxAttempts: 3, firstRetryInterval: "1h" } });
const charging = orchestration("Charging", async (ctx, amount: number) => await ctx.callActivity(flakyCharge, amount));

const approval = orchestration("Approval", async (ctx) => {
  try {
    return await ctx.waitForExternalEvent<string>("Approved", { timeout: "2d" });
  } catch {
    return "expired";
  }
});

const slow = activity("Slow", async (_: null) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return "done";
});
const slowWorkflow = orchestration("SlowWorkflow", async (ctx) => {
  const before = ctx.currentUtcDateTime.getTime();
  await ctx.callActivity(slow, null);
  return ctx.currentUtcDateTime.getTime() - before;
});

const envs: TestEnvironment[] = [];
async function open(options: Parameters<typeof createTestEnvironment>[0]): Promise<TestEnvironment> {
  const env = await createTestEnvironment(options);
  envs.push(env);
  return env;
}
afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

const stores = [
  { name: "sqlite::memory:", store: () => undefined },
  { name: "a temporary sqlite file", store: () => tempSqliteUrl() },
  ...(postgresAvailable ? [{ name: "postgres", store: () => tempPostgresUrl() }] : []),
];

describe.each(stores)("createTestEnvironment on $name", ({ store }) => {
  it("runs a 7-day timer to completion by skipping the clock to it", async () => {
    const url = store();
    const env = await open({ functions: [remind, weekLater], startTime: START, ...(url ? { store: url } : {}) });
    const id = await env.client.startNew(weekLater, { input: "ada" });
    const done = await env.client.waitForCompletion(id);
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toBe("reminded ada");
    const history = await env.history(id);
    const fired = history.find((entry) => entry.type === "TimerFired")!;
    const started = history.find((entry) => entry.type === "ExecutionStarted")!;
    expect(fired.timestamp.getTime() - started.timestamp.getTime()).toBeGreaterThanOrEqual(7 * DAY);
    expect(env.now()).toBeGreaterThanOrEqual(START + 7 * DAY);
    expect(env.now()).toBeLessThan(START + 7 * DAY + HOUR); // it jumped to the timer, not past it
  });
});

describe("createTestEnvironment", () => {
  it("skips a retry's 1-hour backoff and records each attempt", async () => {
    flaky = 0;
    const env = await open({ functions: [flakyCharge, charging], startTime: START });
    const id = await env.client.startNew(charging, { input: 42 });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBe(42);
    const calls = env.activityCalls(flakyCharge);
    expect(calls.map((call) => [call.attempt, call.outcome.status])).toEqual([[1, "failed"], [2, "completed"]]);
    expect(calls[0]!.idempotencyKey).toBe(calls[1]!.idempotencyKey);
    expect(calls.map((call) => call.input)).toEqual([42, 42]);
    expect(env.now()).toBeGreaterThanOrEqual(START + HOUR);
    expect(env.now()).toBeLessThan(START + 2 * HOUR);
  });

  it("delivers an event raised while the orchestration waits with a 2-day timeout", async () => {
    const env = await open({ functions: [approval], startTime: START });
    const id = await env.client.startNew(approval);
    await env.advanceTime(0); // the first episode runs: the orchestration now waits
    expect((await env.history(id)).map((entry) => entry.type)).toContain("TimerCreated");
    await env.client.raiseEvent(id, "Approved", "yes");
    expect((await env.client.waitForCompletion(id)).output).toBe("yes");
    expect(env.now()).toBeLessThan(START + HOUR); // the 2-day timer was never skipped to
  });

  it("lets the 2-day timeout win when no event comes", async () => {
    const env = await open({ functions: [approval], startTime: START });
    const id = await env.client.startNew(approval);
    expect((await env.client.waitForCompletion(id)).output).toBe("expired");
    expect(env.now()).toBeGreaterThanOrEqual(START + 2 * DAY);
  });

  it("with autoSkip off, fires a timer only once advanceTime reaches it", async () => {
    const env = await open({ functions: [remind, weekLater], startTime: START, autoSkip: false });
    const id = await env.client.startNew(weekLater, { input: "bo" });
    await env.advanceTime("6d");
    expect((await env.client.getStatus(id))!.runtimeStatus).toBe("Running");
    expect((await env.history(id)).map((entry) => entry.type)).not.toContain("TimerFired");
    await env.advanceTime("1d");
    const status = await env.client.getStatus(id);
    expect(status!.runtimeStatus).toBe("Completed");
    expect(status!.output).toBe("reminded bo");
  });

  it("does not skip past an activity's real await: its duration on the clock is real", async () => {
    const env = await open({ functions: [slow, slowWorkflow], startTime: START, inlineActivities: false });
    const id = await env.client.startNew(slowWorkflow);
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBeGreaterThanOrEqual(45); // timers may fire a little early on some systems
    expect(done.output).toBeLessThan(HOUR);
    const calls = env.activityCalls("Slow");
    expect(calls).toHaveLength(1);
  });

  it("runs environments side by side in one process, each on its own clock", async () => {
    const [a, b] = await Promise.all([
      open({ functions: [remind, weekLater], startTime: START }),
      open({ functions: [approval], startTime: START + 365 * DAY }),
    ]);
    const [ida, idb] = await Promise.all([a.client.startNew(weekLater, { input: "a" }), b.client.startNew(approval)]);
    const [da, db] = await Promise.all([a.client.waitForCompletion(ida), b.client.waitForCompletion(idb)]);
    expect([da.output, db.output]).toEqual(["reminded a", "expired"]);
    expect(a.now()).toBeLessThan(START + 8 * DAY);
    expect(b.now()).toBeGreaterThanOrEqual(START + 367 * DAY);
    expect(Math.abs(Date.now() - Date.parse("2030-01-01"))).toBeGreaterThan(0); // Date itself untouched
  });

  it("replaces an activity by name and fails one on purpose", async () => {
    const env = await open({ functions: [remind, weekLater], activities: { Remind: async (name: string) => `stubbed ${name}` }, defaultActivityRetry: { maxAttempts: 2, firstRetryInterval: "1m" } });
    env.failActivity(remind, { times: 1, error: new Error("boom") });
    const id = await env.client.startNew(weekLater, { input: "cy" });
    expect((await env.client.waitForCompletion(id)).output).toBe("stubbed cy");
    expect(env.activityCalls(remind).map((call) => call.outcome.status)).toEqual(["failed", "completed"]);
  });

  it("overrides chosen attempts only: the first times out, the second runs the real code", async () => {
    const env = await open({ functions: [remind, weekLater], defaultActivityRetry: { maxAttempts: 3, firstRetryInterval: "1m" } });
    env.overrideActivity(remind, async () => {
      throw new Error("gateway timeout");
    }, { attempts: [1] });
    const id = await env.client.startNew(weekLater, { input: "di" });
    expect((await env.client.waitForCompletion(id)).output).toBe("reminded di");
    const calls = env.activityCalls(remind);
    expect(calls.map((call) => [call.attempt, call.outcome.status])).toEqual([[1, "failed"], [2, "completed"]]);
    expect(() => env.overrideActivity(remind, async () => "x", { attempts: [0] })).toThrow(/attempt numbers from 1/);
    expect(() => env.overrideActivity(remind, async () => "x", { attempt: [1] } as never)).toThrow(/attempts/);
  });

  it("rejects an override for an activity it does not host, with the names it does", async () => {
    await expect(createTestEnvironment({ functions: [remind, weekLater], activities: { Remnd: async () => "x" } })).rejects.toThrow(
      /"Remnd" is not an activity in functions\. Did you mean "Remind"\?/,
    );
  });

  it("guards orchestration code by default: Date.now() stalls the instance, naming ctx.currentUtcDateTime; activities may read the clock", async () => {
    const stamp = activity("Stamp", async (_: null) => Date.now());
    const peeks = orchestration("PeeksAtTheClock", async (ctx) => {
      await ctx.callActivity(stamp, null);
      return Date.now();
    });
    const env = await open({ functions: [stamp, peeks] });
    const id = await env.client.startNew(peeks);
    const stalled = await waitUntil(async () => (await env.client.getStatus(id))?.stalled, "the instance stalls");
    expect(stalled).toMatchObject({ code: "NONDETERMINISTIC_CALL", message: expect.stringContaining("use ctx.currentUtcDateTime") });
    expect(env.activityCalls(stamp).map((call) => call.outcome.status)).toEqual(["completed"]);

    const unguarded = await open({ functions: [stamp, peeks], determinismGuard: false });
    const done = await unguarded.client.waitForCompletion(await unguarded.client.startNew(peeks));
    expect(done.runtimeStatus).toBe("Completed");
  });

  it("replays every history against the code: checkReplays() and close() name the first divergence", async () => {
    const first = activity("First", async (_: null) => 1);
    const second = activity("Second", async (_: null) => 2);
    let version = 1;
    const shifty = orchestration("Shifty", async (ctx) => {
      await ctx.sleep("1d");
      return version === 1 ? await ctx.callActivity(first, null) : await ctx.callActivity(second, null);
    });
    const env = await open({ functions: [first, second, shifty] });
    const id = await env.client.startNew(shifty, { instanceId: "shifty-1" });
    expect((await env.client.waitForCompletion(id)).output).toBe(1);
    expect(await env.checkReplays()).toEqual([{ instanceId: "shifty-1", name: "Shifty", ok: true }]);

    version = 2; // the code changed without ctx.patched: the recorded call was "First"
    const error = await env.checkReplays().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ReplayDivergedError);
    const [diverged] = (error as ReplayDivergedError).divergences;
    expect(diverged).toMatchObject({ instanceId: "shifty-1", name: "Shifty", divergence: { recorded: { type: "TaskScheduled", name: "First" }, actual: 'scheduled activity "Second"' } });
    expect((error as Error).message).toContain('instance "shifty-1" (Shifty)');

    await expect(env.close()).rejects.toBeInstanceOf(ReplayDivergedError);
    await expect(env.advanceTime("1h")).rejects.toThrow(/closed/); // closed all the same
  });
});
