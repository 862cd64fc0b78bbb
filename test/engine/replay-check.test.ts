/**
 * checkReplay: histories recorded by real orchestrations (createBaton on a temporary SQLite
 * store) replayed against the same code, and against changed code, naming the first event
 * where they part.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { activity, createBaton, InvalidArgumentError, orchestration, type OrchestrationContext } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { checkReplay, type SavedHistory } from "../../src/testing/index.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";

const reserve = activity("Reserve", async (n: number) => n);
const charge = activity("Charge", async (n: number) => n);
const ship = activity("Ship", async (n: number) => `shipped ${n}`);
const dispatch = activity("Dispatch", async (n: number) => `dispatched ${n}`);
const fraud = activity("CheckFraud", async () => true);
const activities = [reserve, charge, ship, dispatch, fraud];

type Body = (ctx: OrchestrationContext, n: number) => Promise<unknown>;
/** A version of the orchestration "Order", with the activities every version may call. */
const order = (fn: Body) => [...activities, orchestration("Order", fn)];

const v1: Body = async (ctx, n) => {
  await ctx.callActivity(reserve, n);
  await ctx.callActivity(charge, n);
  await ctx.sleep(1);
  return ctx.callActivity(ship, n);
};
const patchedV2: Body = async (ctx, n) => {
  await ctx.callActivity(reserve, n);
  if (ctx.patched("fraud-check")) await ctx.callActivity(fraud, n);
  await ctx.callActivity(charge, n);
  await ctx.sleep(1);
  return ctx.callActivity(ship, n);
};
const approval = orchestration("Approval", async (ctx, n: number) => {
  await ctx.callActivity(reserve, n);
  return ctx.waitForExternalEvent<string>("Approved");
});

let completed: SavedHistory;
let patched: SavedHistory;
let waiting: SavedHistory;

/** Runs `fn` as "Order" on a store of its own until it completes; returns its saved status. */
async function record(fn: Body): Promise<SavedHistory> {
  const baton = await createBaton({ store: tempSqliteUrl(), functions: order(fn), logger: silentLogger, pollIntervalMs: 5 });
  try {
    await baton.start();
    const id = await baton.client.startNew("Order", { input: 7, instanceId: "order-7" });
    await baton.client.waitForCompletion(id, { timeout: 20_000 });
    return (await baton.client.getStatus(id, { showHistory: true }))!;
  } finally {
    await baton.stop();
  }
}

beforeAll(async () => {
  completed = await record(v1);
  patched = await record(patchedV2);
  const baton = await createBaton({ store: tempSqliteUrl(), functions: [...activities, approval], logger: silentLogger, pollIntervalMs: 5 });
  await baton.start();
  const id = await baton.client.startNew(approval, { input: 1 });
  await baton.client.raiseEvent(id, "Approved", "yes");
  await baton.client.waitForCompletion(id, { timeout: 20_000 });
  waiting = (await baton.client.getStatus(id, { showHistory: true }))!;
  await baton.stop();
}, 60_000);

/** The position of the first event of `type` (and activity `name`) in the saved history. */
function indexOf(saved: SavedHistory, type: string, name?: string): number {
  const at = saved.history!.findIndex((e) => (e as { type: string }).type === type && (name === undefined || (e as { name?: string }).name === name));
  expect(at).toBeGreaterThanOrEqual(0);
  return at;
}

describe("checkReplay", () => {
  it("finds no divergence when the code is the code that recorded the history", async () => {
    expect(await checkReplay(completed, { functions: order(v1) })).toEqual({ instanceId: "order-7", name: "Order", ok: true });
    expect(await checkReplay([completed, patched], { functions: order(patchedV2) })).toEqual([
      { instanceId: "order-7", name: "Order", ok: true },
      { instanceId: "order-7", name: "Order", ok: true },
    ]);
  });

  it("accepts the history as JSON gives it back (dates as strings)", async () => {
    const fromJson = JSON.parse(JSON.stringify(completed)) as SavedHistory;
    expect(await checkReplay(fromJson, { functions: order(v1) })).toMatchObject({ ok: true });
  });

  it("names the first recorded call of a reordered version, and the call made instead", async () => {
    const reordered: Body = async (ctx, n) => {
      await ctx.callActivity(charge, n);
      await ctx.callActivity(reserve, n);
      await ctx.sleep(1);
      return ctx.callActivity(ship, n);
    };
    const result = await checkReplay(completed, { functions: order(reordered) });
    expect(result).toMatchObject({
      ok: false,
      divergence: { index: indexOf(completed, "TaskScheduled", "Reserve"), recorded: { type: "TaskScheduled", name: "Reserve", seq: 0 }, actual: 'scheduled activity "Charge"' },
    });
    expect(!result.ok && result.divergence.message).toMatch(/history has activity "Reserve" at step 0, but the code called activity "Charge"/);
  });

  it("names a renamed activity", async () => {
    const renamed: Body = async (ctx, n) => {
      await ctx.callActivity(reserve, n);
      await ctx.callActivity(charge, n);
      await ctx.sleep(1);
      return ctx.callActivity(dispatch, n);
    };
    expect(await checkReplay(completed, { functions: order(renamed) })).toMatchObject({
      ok: false,
      divergence: { index: indexOf(completed, "TaskScheduled", "Ship"), recorded: { type: "TaskScheduled", name: "Ship", seq: 3 }, actual: 'scheduled activity "Dispatch"' },
    });
  });

  it("names an extra timer inserted before a recorded call", async () => {
    const extraTimer: Body = async (ctx, n) => {
      await ctx.callActivity(reserve, n);
      await ctx.sleep(1);
      await ctx.callActivity(charge, n);
      await ctx.sleep(1);
      return ctx.callActivity(ship, n);
    };
    expect(await checkReplay(completed, { functions: order(extraTimer) })).toMatchObject({
      ok: false,
      divergence: { index: indexOf(completed, "TaskScheduled", "Charge"), recorded: { type: "TaskScheduled", name: "Charge", seq: 1 }, actual: "created a timer" },
    });
  });

  it("names an extra timer after the last call: the code waits where history completed", async () => {
    const timerAtEnd: Body = async (ctx, n) => {
      const shipped = await v1(ctx, n);
      await ctx.sleep(1);
      return shipped;
    };
    const result = await checkReplay(completed, { functions: order(timerAtEnd) });
    expect(result).toMatchObject({
      ok: false,
      divergence: { index: indexOf(completed, "ExecutionCompleted"), recorded: { type: "ExecutionCompleted" }, actual: "created a timer" },
    });
    expect(!result.ok && result.divergence.message).toMatch(/created a timer at step 4/);
  });

  it("names a removed step: the code completes where history records a call", async () => {
    const removed: Body = async (ctx, n) => {
      await ctx.callActivity(reserve, n);
      await ctx.callActivity(charge, n);
      await ctx.sleep(1);
      return `shipped ${n}`;
    };
    expect(await checkReplay(completed, { functions: order(removed) })).toMatchObject({
      ok: false,
      divergence: { index: indexOf(completed, "TaskScheduled", "Ship"), recorded: { type: "TaskScheduled", name: "Ship", seq: 3 }, actual: "completed" },
    });
  });

  it("accepts a change behind ctx.patched, and names the same change made without the guard", async () => {
    expect(await checkReplay(completed, { functions: order(patchedV2) })).toMatchObject({ ok: true });
    const unguarded: Body = async (ctx, n) => {
      await ctx.callActivity(reserve, n);
      await ctx.callActivity(fraud, n);
      await ctx.callActivity(charge, n);
      await ctx.sleep(1);
      return ctx.callActivity(ship, n);
    };
    expect(await checkReplay(completed, { functions: order(unguarded) })).toMatchObject({
      ok: false,
      divergence: { index: indexOf(completed, "TaskScheduled", "Charge"), recorded: { type: "TaskScheduled", name: "Charge", seq: 1 }, actual: 'scheduled activity "CheckFraud"' },
    });
  });

  it("names a patch history took when the code no longer asks about it, and accepts deprecatePatch", async () => {
    const deprecated: Body = async (ctx, n) => {
      await ctx.callActivity(reserve, n);
      ctx.deprecatePatch("fraud-check");
      await ctx.callActivity(fraud, n);
      await ctx.callActivity(charge, n);
      await ctx.sleep(1);
      return ctx.callActivity(ship, n);
    };
    expect(await checkReplay(patched, { functions: order(deprecated) })).toMatchObject({ ok: true });
    const markerRemoved: Body = async (ctx, n) => {
      await ctx.callActivity(reserve, n);
      await ctx.callActivity(fraud, n);
      await ctx.callActivity(charge, n);
      await ctx.sleep(1);
      return ctx.callActivity(ship, n);
    };
    expect(await checkReplay(patched, { functions: order(markerRemoved) })).toMatchObject({
      ok: false,
      divergence: {
        index: indexOf(patched, "PatchApplied"),
        recorded: { type: "PatchApplied", name: "fraud-check" },
        actual: 'never asked ctx.patched("fraud-check")',
      },
    });
  });

  it("names what the code waits for when history never recorded it", async () => {
    const waitsTwice = orchestration("Approval", async (ctx, n: number) => {
      await ctx.callActivity(reserve, n);
      await ctx.waitForExternalEvent<string>("Approved");
      return ctx.waitForExternalEvent<string>("Shipped");
    });
    expect(await checkReplay(waiting, { functions: [...activities, approval] })).toMatchObject({ ok: true });
    expect(await checkReplay(waiting, { functions: [...activities, waitsTwice] })).toMatchObject({
      ok: false,
      divergence: { index: indexOf(waiting, "ExecutionCompleted"), recorded: { type: "ExecutionCompleted" }, actual: expect.stringMatching(/^kept waiting/) },
    });
  });

  it("names an orchestration that is not registered at the start of its history", async () => {
    expect(await checkReplay(completed, { functions: activities })).toMatchObject({
      ok: false,
      divergence: { index: indexOf(completed, "ExecutionStarted"), recorded: { type: "ExecutionStarted", name: "Order" }, actual: expect.stringContaining('no orchestration named "Order"') },
    });
  });

  it("replays each execution of a history that holds several, on its own", async () => {
    const end = completed.history!.length - 1;
    const first = completed.history!.map((e, i) => (i === end ? { ...(e as object), type: "ExecutionContinuedAsNew", input: 8 } : e));
    const second = completed.history!.map((e) => ((e as { type: string }).type === "ExecutionStarted" ? { ...(e as object), input: 8 } : e));
    const generations = { ...completed, history: [...first, ...second] };
    const continuing: Body = async (ctx, n) => {
      const shipped = await v1(ctx, n);
      if (n === 7) ctx.continueAsNew(8);
      return shipped;
    };
    expect(await checkReplay(generations, { functions: order(continuing) })).toEqual({ instanceId: "order-7", name: "Order", ok: true });
    expect(await checkReplay(generations, { functions: order(v1) })).toMatchObject({
      ok: false,
      divergence: { index: end, recorded: { type: "ExecutionContinuedAsNew" }, actual: "completed" },
    });
  });

  it("refuses a malformed history before replaying anything", async () => {
    await expect(checkReplay({ instanceId: "x", history: [{ type: "Nope", timestamp: 0 }] }, { functions: order(v1) })).rejects.toThrow(InvalidArgumentError);
    await expect(checkReplay({ instanceId: "", history: [] }, { functions: order(v1) })).rejects.toThrow(/no instanceId/);
    await expect(checkReplay(completed, {} as never)).rejects.toThrow(/needs \{ functions \}/);
  });
});
