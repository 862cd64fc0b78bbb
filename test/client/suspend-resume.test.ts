/**
 * suspend/resume: a suspended instance runs no episode; results, fired timers and raised
 * events wait in order and are delivered on resume. Bad input is rejected and writes nothing.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  activity,
  createBaton,
  InstanceNotFoundError,
  InstanceNotRunningError,
  InstanceNotSuspendedError,
  InvalidArgumentError,
  orchestration,
  type Baton,
  type HistoryEntry,
} from "../../src/index.js";
import { snapshotStore, tableRows } from "../helpers/store-snapshot.js";
import { tempStoreUrl, TestStore } from "../helpers/temp-store.js";
import { waitForHistoryEvent, waitUntil } from "../helpers/wait.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";


let release: (() => void) | undefined;
const gated = activity("Gated", async (n: number) => {
  await new Promise<void>((resolve) => (release = resolve));
  return n + 1;
});
const collector = orchestration("Collector", async (ctx) => {
  const first = await ctx.waitForExternalEvent<string>("Item");
  const second = await ctx.waitForExternalEvent<string>("Item");
  return [first, second];
});
const stepper = orchestration("Stepper", async (ctx, n: number) => {
  const stepped = await ctx.callActivity(gated, n);
  await ctx.sleep(50);
  return stepped * 10;
});

const batons: Baton[] = [];
afterEach(async () => {
  release?.();
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
  vi.restoreAllMocks();
});

/** Resolves once the worker has looked for work `times` more times (claims made from now on). */
async function morePolls(times: number): Promise<void> {
  const claims = vi.spyOn(TestStore.prototype, "claim");
  await expect.poll(() => claims.mock.calls.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(times);
  claims.mockRestore();
}

async function newBaton(store = tempStoreUrl()): Promise<Baton> {
  const baton = await createBaton({ store, functions: [gated, collector, stepper], logger: quiet, pollIntervalMs: 20 });
  batons.push(baton);
  await baton.start();
  return baton;
}

const types = (history: HistoryEntry[]) => history.map((e) => e.type).filter((t) => t !== "EpisodeStarted");
const historyOf = async (baton: Baton, id: string) => (await baton.client.getStatus(id, { showHistory: true }))!.history!;

describe("suspend and resume", () => {
  it("keeps events raised while suspended and delivers them, in order, after recording the suspension and the resumption", async () => {
    const baton = await newBaton();
    const { client } = baton;
    const id = await client.startNew(collector);
    await expect.poll(async () => (await client.getStatus(id))!.runtimeStatus).toBe("Running");
    await client.suspend(id, "maintenance");
    expect((await client.getStatus(id))!.runtimeStatus).toBe("Suspended");
    await client.raiseEvent(id, "Item", "a");
    await client.raiseEvent(id, "Item", "b");
    await morePolls(3); // the worker has seen the events queued, and must leave them
    expect((await client.getStatus(id))!.runtimeStatus).toBe("Suspended");
    expect(types(await historyOf(baton, id))).not.toContain("EventRaised");

    await client.resume(id, "done");
    const done = await client.waitForCompletion(id, { timeout: 10_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: ["a", "b"] });
    const history = await historyOf(baton, id);
    expect(types(history).slice(1)).toEqual(["ExecutionSuspended", "ExecutionResumed", "EventRaised", "EventRaised", "ExecutionCompleted"]);
    expect(history.find((e) => e.type === "ExecutionSuspended")).toMatchObject({ reason: "maintenance" });
  });

  it("lets a running activity finish and keeps its result and the timers for the resume", async () => {
    const store = tempStoreUrl();
    const baton = await newBaton(store);
    const { client } = baton;
    const id = await client.startNew(stepper, { input: 4 });
    await expect.poll(() => release !== undefined).toBe(true);
    // The attempt starts inline, inside the first episode: the instance is Running (suspendable)
    // once that episode commits, handing the still-running attempt off. Until then it is Pending.
    await expect.poll(async () => (await client.getStatus(id))!.runtimeStatus).toBe("Running");
    await client.suspend(id);
    release!();
    // The result is committed to the inbox; the worker has looked since, and must leave it there.
    await waitUntil(async () => {
      const inbox = (await tableRows(store, "inbox")) as { instance_id: string; message: string }[];
      return inbox.some((m) => m.instance_id === id && (JSON.parse(m.message) as { type: string }).type === "TaskCompleted") ? true : undefined;
    }, "the activity's result to be committed");
    await morePolls(3);
    expect((await client.getStatus(id))!.runtimeStatus).toBe("Suspended");
    expect(types(await historyOf(baton, id))).not.toContain("TaskCompleted");

    await client.resume(id);
    expect(await client.waitForCompletion(id, { timeout: 10_000 })).toMatchObject({ runtimeStatus: "Completed", output: 50 });
    expect(types(await historyOf(baton, id))).toContain("TimerFired");
  });

  it("replays a history with a suspension the same way (a new worker, no live runs)", async () => {
    const store = tempStoreUrl();
    const first = await newBaton(store);
    const id = await first.client.startNew(collector);
    await expect.poll(async () => (await first.client.getStatus(id))!.runtimeStatus).toBe("Running");
    await first.client.suspend(id);
    await first.client.raiseEvent(id, "Item", "x");
    await first.client.resume(id);
    await waitForHistoryEvent(first.client, id, "ExecutionResumed");
    await first.stop();
    batons.splice(batons.indexOf(first), 1);
    const second = await newBaton(store);
    await second.client.raiseEvent(id, "Item", "y");
    expect(await second.client.waitForCompletion(id, { timeout: 10_000 })).toMatchObject({ output: ["x", "y"] });
  });

  it("a suspended instance can be terminated", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(collector);
    await expect.poll(async () => (await client.getStatus(id))!.runtimeStatus).toBe("Running");
    await client.suspend(id);
    await client.terminate(id, "not needed");
    expect(await client.waitForCompletion(id, { timeout: 10_000 })).toMatchObject({ runtimeStatus: "Terminated" });
  });

  it("suspending twice is harmless; resuming what is not suspended is InstanceNotSuspendedError, writing nothing", async () => {
    const store = tempStoreUrl();
    const { client } = await newBaton(store);
    const id = await client.startNew(collector);
    await expect.poll(async () => (await client.getStatus(id))!.runtimeStatus).toBe("Running");
    const snapshot = await snapshotStore(store);
    const notSuspended = await client.resume(id).catch((e: unknown) => e);
    expect(notSuspended).toBeInstanceOf(InstanceNotSuspendedError);
    expect(notSuspended).toMatchObject({ code: "INSTANCE_NOT_SUSPENDED", instanceId: id, runtimeStatus: "Running" });
    await expect(client.suspend("nobody")).rejects.toBeInstanceOf(InstanceNotFoundError);
    await expect(client.resume("nobody")).rejects.toBeInstanceOf(InstanceNotFoundError);
    await expect(client.suspend(id, 42 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(client.suspend("")).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await snapshotStore(store)).toEqual(snapshot);

    await client.suspend(id);
    await client.suspend(id);
    await client.resume(id);
    await client.raiseEvent(id, "Item", "1");
    await client.raiseEvent(id, "Item", "2");
    expect(await client.waitForCompletion(id, { timeout: 10_000 })).toMatchObject({ output: ["1", "2"] });
    await expect(client.suspend(id)).rejects.toBeInstanceOf(InstanceNotRunningError);
  });
});

describe("suspend of an instance that has not started", () => {
  it("is InstanceNotRunningError with a message that says what to do, and writes nothing", async () => {
    const store = tempStoreUrl();
    const { client } = await newBaton(store);
    const id = await client.startNew(collector, { startAt: new Date(Date.now() + 60_000) });
    const snapshot = await snapshotStore(store);
    const error = await client.suspend(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstanceNotRunningError);
    expect((error as Error).message).toContain("has not started yet");
    expect(await snapshotStore(store)).toEqual(snapshot);
  });
});
