/**
 * env.crash: the worker dies at a named point (nothing released, leases left to expire on the
 * environment's clock) and a fresh worker on the same store finishes the workflow. Each test
 * shows what a real crash at that point leaves behind: work redone, nothing lost, nothing twice.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, CrashNotReachedError, InvalidArgumentError, orchestration } from "../../src/index.js";
import { createTestEnvironment, type TestEnvironment, type TestEnvironmentOptions } from "../../src/testing/index.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";

const LEASE_MS = 15_000;

/** A side effect outside the store, as a payment provider would see it: one entry per real call. */
const charged: string[] = [];
const charge = activity("Charge", async (order: string, ctx) => {
  charged.push(`${order}:${ctx.idempotencyKey}`);
  return `receipt-${order}`;
});
const ship = activity("Ship", async (order: string) => `shipped-${order}`);
const order = orchestration("Order", async (ctx, id: string) => {
  const receipt = await ctx.callActivity(charge, id);
  await ctx.sleep("1d");
  const shipped = await ctx.callActivity(ship, id);
  return { receipt, shipped };
});
const approval = orchestration("Approval", async (ctx) => {
  try {
    return await ctx.waitForExternalEvent<string>("Approved", { timeout: "1h" });
  } catch {
    return "expired";
  }
});
const functions = [charge, ship, order, approval];

const envs: TestEnvironment[] = [];
async function open(options: Partial<TestEnvironmentOptions> = {}): Promise<TestEnvironment> {
  const env = await createTestEnvironment({ functions, ...options });
  envs.push(env);
  return env;
}
afterEach(async () => {
  charged.length = 0;
  await Promise.allSettled(envs.splice(0).map((env) => env.close()));
});

const stores = [
  { name: "sqlite::memory:", store: () => ({}) },
  { name: "a sqlite file", store: () => ({ store: tempSqliteUrl() }) },
  ...(postgresAvailable ? [{ name: "postgres", store: () => ({ store: tempPostgresUrl() }) }] : []),
];

describe.each(stores)("env.crash on $name", ({ store }) => {
  it("before-commit: the episode's writes are lost, its activity runs again with the same idempotency key", async () => {
    const env = await open(store());
    const crashed = env.crash({ at: "before-commit", instanceId: "o-1" });
    const id = await env.client.startNew(order, { input: "o-1", instanceId: "o-1" });
    const done = await env.client.waitForCompletion(id);
    await crashed;
    expect(done.output).toEqual({ receipt: "receipt-o-1", shipped: "shipped-o-1" });
    // Charge ran inline in the first episode, whose commit never landed: it ran again, under the same key.
    expect(charged).toHaveLength(2);
    expect(new Set(charged).size).toBe(1);
    const history = await env.history(id);
    expect(history.filter((event) => event.type === "TaskCompleted")).toHaveLength(2); // Charge and Ship, once each
  });

  it("after-commit: what landed stays, the dead worker's leases expire on the environment's clock", async () => {
    const env = await open(store());
    const id = await env.client.startNew(order, { input: "o-2" });
    const before = env.now();
    await env.crash({ at: "after-commit", instanceId: id });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toEqual({ receipt: "receipt-o-2", shipped: "shipped-o-2" });
    expect(charged).toHaveLength(1); // the commit that carried its result landed
    // The fresh worker waited for the dead one's lease, and the clock skipped to it and to the timer.
    expect(env.now() - before).toBeGreaterThanOrEqual(24 * 3_600_000);
  });

  it("after-activity: the side effect happened, its outcome was lost, the attempt runs again", async () => {
    const env = await open({ ...store(), inlineActivities: false });
    const crashed = env.crash({ at: "after-activity", instanceId: "o-3" });
    const id = await env.client.startNew(order, { input: "o-3", instanceId: "o-3" });
    await crashed;
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toEqual({ receipt: "receipt-o-3", shipped: "shipped-o-3" });
    expect(charged).toHaveLength(2);
    expect(new Set(charged).size).toBe(1);
    const calls = env.activityCalls(charge);
    expect(calls.map((call) => call.outcome.status)).toEqual(["completed", "completed"]);
    expect(calls[0]!.idempotencyKey).toBe(calls[1]!.idempotencyKey);
  });

  it("after-activity on an inline attempt: the same, when the attempt ran inside its episode", async () => {
    const env = await open(store());
    const crashed = env.crash({ at: "after-activity", instanceId: "o-4" });
    const id = await env.client.startNew(order, { input: "o-4", instanceId: "o-4" });
    await crashed;
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toEqual({ receipt: "receipt-o-4", shipped: "shipped-o-4" });
    expect(charged).toHaveLength(2);
  });
});

describe("env.crash options", () => {
  it("counts nth among the points of the named instance only", async () => {
    const env = await open();
    // The 2nd commit of "b", its last: the first episode (Charge ran inline) landed, then the timer's.
    const crashed = env.crash({ at: "after-commit", instanceId: "b", nth: 2 });
    let crashedYet = false;
    void crashed.then(() => (crashedYet = true));
    const a = await env.client.startNew(order, { input: "a", instanceId: "a" });
    expect((await env.client.waitForCompletion(a)).runtimeStatus).toBe("Completed");
    expect(crashedYet).toBe(false); // a's commits did not count
    const b = await env.client.startNew(order, { input: "b", instanceId: "b" });
    expect((await env.client.waitForCompletion(b)).runtimeStatus).toBe("Completed");
    await crashed;
  });

  it("fails close() when an armed crash was never reached: the test proved nothing about it", async () => {
    const env = await createTestEnvironment({ functions });
    void env.crash({ at: "before-commit", instanceId: "never-started" });
    await expect(env.close()).rejects.toThrow(CrashNotReachedError);
    await expect(env.close()).resolves.toBeUndefined(); // closed all the same
  });

  it("refuses a point, an nth or a key it does not know", async () => {
    const env = await open();
    expect(() => env.crash({ at: "mid-commit" as never })).toThrow(InvalidArgumentError);
    expect(() => env.crash({ at: "after-commit", nth: 0 })).toThrow(/nth must be a whole number/);
    expect(() => env.crash({ at: "after-commit", instanceID: "x" } as never)).toThrow(/instanceId/);
  });

  it("moves the clock only while the crash is awaited: armed alone, it lets an event come first", async () => {
    const env = await open();
    const started = env.now();
    const armed = env.crash({ at: "after-commit", instanceId: "e" });
    const id = await env.client.startNew(approval, { instanceId: "e" });
    await env.advanceTime(0); // the first episode commits: the worker dies after it
    expect(env.now() - started).toBeLessThan(3_600_000); // not skipped to the event's timeout
    await env.client.raiseEvent(id, "Approved", "yes");
    await armed;
    expect((await env.client.waitForCompletion(id)).output).toBe("yes");
  });

  it("survives two crashes in a row, each worker replaced by the next", async () => {
    const env = await open({ leaseMs: LEASE_MS });
    const first = env.crash({ at: "after-commit", instanceId: "twice" });
    const second = env.crash({ at: "before-commit", instanceId: "twice", nth: 2 });
    const id = await env.client.startNew(order, { input: "twice", instanceId: "twice" });
    await Promise.all([first, second]);
    expect((await env.client.waitForCompletion(id)).output).toEqual({ receipt: "receipt-twice", shipped: "shipped-twice" });
  });
});
