/**
 * getStatus says why a live instance waits: its activities (attempt, running or waiting, next
 * attempt, last failure), its timers with their fire times, the events it awaits and its
 * running children; nothing once it has ended. A success after a retry keeps its last failure
 * in the history. Each test runs on the test kit's virtual clock, on the store of the run.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, InvalidArgumentError, orchestration, type InstanceStatus, type PendingWork } from "../../src/index.js";
import { createTestEnvironment, type TestEnvironment } from "../../src/testing/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const envs: TestEnvironment[] = [];
afterEach(async () => {
  for (const env of envs.splice(0)) await env.close();
});

async function environment(functions: Parameters<typeof createTestEnvironment>[0]["functions"], inlineActivities = true): Promise<TestEnvironment> {
  const env = await createTestEnvironment({ functions, store: tempStoreUrl(), autoSkip: false, inlineActivities });
  envs.push(env);
  return env;
}

/** Polls getStatus until its pending work passes `check`. */
function pendingWhen(env: TestEnvironment, id: string, what: string, check: (pending: PendingWork) => boolean): Promise<PendingWork> {
  return waitUntil(async () => {
    const pending = (await env.client.getStatus(id))?.pending;
    return pending && check(pending) ? pending : undefined;
  }, what);
}

/** A fire time set by an episode that ran between `from` and `to`, `delayMs` ahead. */
function expectFiresAt(fireAt: Date, from: number, to: number, delayMs: number): void {
  expect(fireAt.getTime()).toBeGreaterThanOrEqual(from + delayMs);
  expect(fireAt.getTime()).toBeLessThanOrEqual(to + delayMs);
}

const flaky = activity(
  "Flaky",
  async (n: number, actx) => {
    if (actx.attempt === 1) throw new TypeError("boom on the first attempt");
    return n * 2;
  },
  { retry: { maxAttempts: 3, firstRetryInterval: "1h" } },
);
const callsFlaky = orchestration("CallsFlaky", async (ctx, n: number) => ctx.callActivity(flaky, n));

describe("getStatus: pending work", () => {
  it.each([
    ["inline", true],
    ["from the queue", false],
  ])("an activity retried after a failure (%s) shows its attempt, last failure and next attempt time", async (_how, inline) => {
    const env = await environment([flaky, callsFlaky], inline);
    const id = await env.client.startNew(callsFlaky, { input: 21 });
    const before = env.now();
    const pending = await pendingWhen(env, id, "the second attempt to be queued", (p) => p.activities[0]?.attempt === 2);
    const after = env.now();
    expect(pending).toMatchObject({ timers: [], events: [], children: [] });
    expect(pending.truncated).toBeUndefined();
    expect(pending.activities).toHaveLength(1);
    const [retry] = pending.activities;
    expect(retry).toMatchObject({ name: "Flaky", seq: 0, attempt: 2, state: "waiting", lastFailure: { name: "TypeError", message: "boom on the first attempt" } });
    expectFiresAt(retry!.nextAttemptAt!, before, after, HOUR);

    await env.advanceTime("1h");
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBe(42);
    expect(done.pending).toBeUndefined();
    expect((await env.client.getStatus(id))!.pending).toBeUndefined();
    const completed = (await env.history(id)).find((entry) => entry.type === "TaskCompleted");
    expect(completed).toMatchObject({ seq: 0, attempts: 2, lastFailure: { name: "TypeError", message: "boom on the first attempt" } });
    expect(completed!.lastFailure).not.toHaveProperty("stack");
  });

  it("a retry the orchestration runs (a call with its own retryIf) shows the call waiting on its backoff, not a timer", async () => {
    const callsWithRetryIf = orchestration("CallsWithRetryIf", async (ctx, n: number) =>
      ctx.callActivity(flaky, n, { retry: { maxAttempts: 3, firstRetryInterval: "1h", retryIf: (error) => error.name === "TypeError" } }),
    );
    const env = await environment([flaky, callsWithRetryIf]);
    const before = env.now();
    const id = await env.client.startNew(callsWithRetryIf, { input: 5 });
    const pending = await pendingWhen(env, id, "the backoff", (p) => p.activities[0]?.attempt === 2);
    expect(pending).toMatchObject({ timers: [], events: [], children: [] });
    expect(pending.activities).toEqual([
      { name: "Flaky", seq: 0, attempt: 2, state: "waiting", nextAttemptAt: expect.any(Date), lastFailure: { name: "TypeError", message: "boom on the first attempt" } },
    ]);
    expectFiresAt(pending.activities[0]!.nextAttemptAt!, before, env.now(), HOUR);

    await env.advanceTime("1h");
    expect((await env.client.waitForCompletion(id)).output).toBe(10);
  });

  it("an activity that succeeds at once keeps its TaskCompleted as it was", async () => {
    const steady = activity("Steady", async (n: number) => n + 1);
    const callsSteady = orchestration("CallsSteady", async (ctx, n: number) => ctx.callActivity(steady, n));
    const env = await environment([steady, callsSteady]);
    const id = await env.client.startNew(callsSteady, { input: 1 });
    await env.client.waitForCompletion(id);
    const completed = (await env.history(id)).find((entry) => entry.type === "TaskCompleted")!;
    expect(completed).not.toHaveProperty("attempts");
    expect(completed).not.toHaveProperty("lastFailure");
  });

  it("an activity running now shows as running, with its attempt and no next attempt time", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = activity("Slow", async () => {
      await gate;
      return "done";
    });
    const callsSlow = orchestration("CallsSlow", async (ctx) => ctx.callActivity(slow, undefined));
    const env = await environment([slow, callsSlow]);
    const id = await env.client.startNew(callsSlow);
    const pending = await pendingWhen(env, id, "the activity to run", (p) => p.activities[0]?.state === "running");
    expect(pending.activities).toEqual([{ name: "Slow", seq: 0, attempt: 1, state: "running" }]);
    release();
    expect((await env.client.waitForCompletion(id)).output).toBe("done");
  });

  it("a wait for an event shows the event's name, and its timeout as a timer with its fire time", async () => {
    const approval = orchestration("Approval", async (ctx) => {
      const approved = await ctx.waitForExternalEvent<boolean>("approve", { timeout: "1d" });
      await ctx.sleep("7d");
      return approved;
    });
    const env = await environment([approval]);
    const before = env.now();
    const id = await env.client.startNew(approval);
    const waiting = await pendingWhen(env, id, "the wait for approve", (p) => p.events.length > 0);
    expect(waiting).toMatchObject({ activities: [], events: ["approve"], children: [] });
    expect(waiting.timers.map((timer) => timer.seq)).toEqual([0]);
    expectFiresAt(waiting.timers[0]!.fireAt, before, env.now(), DAY);

    const raisedAt = env.now();
    await env.client.raiseEvent(id, "approve", true);
    const sleeping = await pendingWhen(env, id, "the sleep", (p) => p.events.length === 0 && p.timers.some((timer) => timer.seq === 1));
    // The timeout's timer was cancelled when the event came: only the sleep is left.
    expect(sleeping.timers.map((timer) => timer.seq)).toEqual([1]);
    expectFiresAt(sleeping.timers[0]!.fireAt, raisedAt, env.now(), 7 * DAY);

    await env.advanceTime("7d");
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBe(true);
    expect(done.pending).toBeUndefined();
  });

  it("a sub-orchestration shows as a running child of its parent, and the event it awaits in its own status", async () => {
    const child = orchestration("Child", async (ctx) => ctx.waitForExternalEvent<string>("go"));
    const parent = orchestration("Parent", async (ctx) => ctx.callSubOrchestrator(child, undefined));
    const env = await environment([child, parent]);
    const id = await env.client.startNew(parent);
    const childId = `${id}:0`;
    const pending = await pendingWhen(env, id, "the child to run", (p) => p.children[0]?.runtimeStatus === "Running");
    expect(pending).toEqual({ activities: [], timers: [], events: [], children: [{ instanceId: childId, name: "Child", runtimeStatus: "Running" }] });
    const childPending = await pendingWhen(env, childId, "the child's wait", (p) => p.events.length > 0);
    expect(childPending.events).toEqual(["go"]);

    await env.client.raiseEvent(childId, "go", "went");
    expect((await env.client.waitForCompletion(id)).output).toBe("went");
    expect((await env.client.getStatus(id))!.pending).toBeUndefined();
    expect((await env.client.getStatus(childId))!.pending).toBeUndefined();
    // The child's status names its parent (from the store, whatever the child's id).
    expect((await env.client.getStatus(childId))!.parentInstanceId).toBe(id);
    expect((await env.client.getStatus(id))!.parentInstanceId).toBeUndefined();
  });

  it("a suspended instance still shows what it waits on", async () => {
    const waits = orchestration("SuspendedWaiter", async (ctx) => ctx.waitForExternalEvent("go"));
    const env = await environment([waits]);
    const id = await env.client.startNew(waits);
    await pendingWhen(env, id, "the wait", (p) => p.events.length > 0);
    await env.client.suspend(id, "maintenance");
    await waitUntil(async () => ((await env.client.getStatus(id))?.runtimeStatus === "Suspended" ? true : undefined), "the suspension");
    expect((await env.client.getStatus(id))!.pending).toEqual({ activities: [], timers: [], events: ["go"], children: [] });
    await env.client.resume(id, "done");
    await env.client.raiseEvent(id, "go", 1);
    expect((await env.client.waitForCompletion(id)).runtimeStatus).toBe("Completed");
  });

  it("showPending: false leaves it out; a misspelt option is refused", async () => {
    const waits = orchestration("WaitsForGo", async (ctx) => ctx.waitForExternalEvent("go"));
    const env = await environment([waits]);
    const id = await env.client.startNew(waits);
    await pendingWhen(env, id, "the wait", (p) => p.events.length > 0);
    const status: InstanceStatus | null = await env.client.getStatus(id, { showPending: false });
    expect(status!.runtimeStatus).toBe("Running");
    expect(status).not.toHaveProperty("pending");
    await expect(env.client.getStatus(id, { showPendnig: false } as never)).rejects.toThrow(InvalidArgumentError);
    await expect(env.client.getStatus(id, { showPendnig: false } as never)).rejects.toThrow(/Did you mean "showPending"/);
    await env.client.raiseEvent(id, "go", 1);
    await env.client.waitForCompletion(id);
  });
});
