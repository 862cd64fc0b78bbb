import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForHistoryEvent, waitForStatus, waitUntil } from "../helpers/wait.js";

const reserve = activity("Reserve", async (item: string) => `reserved ${item}`);
const charge = activity("Charge", async (item: string) => `charged ${item}`);
const ship = activity("Ship", async (item: string) => `shipped ${item}`);

// Version 1: reserve, wait for approval, ship.
const v1 = orchestration("Order", async (ctx, item: string) => {
  const reserved = await ctx.callActivity(reserve, item);
  const approver = await ctx.waitForExternalEvent<string>("Approved");
  return [reserved, approver, await ctx.callActivity(ship, item)];
});

// Version 2 changed the first step: incompatible with instances already past it.
const v2 = orchestration("Order", async (ctx, item: string) => {
  const charged = await ctx.callActivity(charge, item);
  const approver = await ctx.waitForExternalEvent<string>("Approved");
  return [charged, approver, await ctx.callActivity(ship, item)];
});

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
});

async function startBaton(store: string, order: typeof v1): Promise<Baton> {
  const baton = await createBaton({ store, functions: [reserve, charge, ship, order], pollIntervalMs: 20, logger: quiet });
  batons.push(baton);
  await baton.start();
  return baton;
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe("a NonDeterminismError across a restart with changed code", () => {
  it("stalls the instance without failing it, keeps its event, and resumes when compatible code returns", async () => {
    const store = tempStoreUrl();

    const first = await startBaton(store, v1);
    const id = await first.client.startNew(v1, { input: "book", instanceId: "order-1" });
    await waitForHistoryEvent(first.client, id, "TaskCompleted");
    await first.stop();

    // Deploy incompatible code; the event makes the instance run an episode, which must replay.
    const second = await startBaton(store, v2);
    await second.client.raiseEvent(id, "Approved", "alice");
    const stalled = await waitUntil(async () => {
      const status = await second.client.getStatus(id);
      return status?.stalled ? status : undefined;
    }, "the instance to be stalled");
    expect(stalled.runtimeStatus).toBe("Running");
    expect(stalled.stalled?.code).toBe("NON_DETERMINISM");
    expect(stalled.stalled?.message).toContain('activity "Reserve" at step 0');
    expect(stalled.stalled?.message).toContain('"Charge"');
    expect(stalled.stalled?.since).toBeInstanceOf(Date);
    expect(stalled.failureDetails).toBeUndefined();
    await second.stop();

    // Compatible code again: the stalled instance runs, with the event raised during the stall.
    const third = await startBaton(store, v1);
    const done = await third.client.waitForCompletion(id, { timeout: 10_000 });
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual(["reserved book", "alice", "shipped book"]);
    expect(done.stalled).toBeUndefined();
  });

  it("does not retry a stalled instance in the same worker process", async () => {
    const store = tempStoreUrl();
    const first = await startBaton(store, v1);
    const id = await first.client.startNew(v1, { input: "pen" });
    await waitForStatus(first.client, id, "Running");
    await waitForHistoryEvent(first.client, id, "TaskCompleted");
    await first.stop();

    const second = await startBaton(store, v2);
    await second.client.raiseEvent(id, "Approved", "bob");
    const stalled = await waitUntil(async () => (await second.client.getStatus(id))?.stalled, "a stall");
    // The worker that saw the error does not spin on it: the stall time stays put.
    const history = (await second.client.getStatus(id, { showHistory: true }))!.history!;
    await second.client.raiseEvent(id, "Approved", "carol");
    const later = await second.client.getStatus(id, { showHistory: true });
    expect(later?.stalled?.since).toEqual(stalled.since);
    expect(later?.history).toEqual(history);
  });

  it("lets an operator terminate a stalled instance, whose code is never replayed for it", async () => {
    const store = tempStoreUrl();
    const first = await startBaton(store, v1);
    const id = await first.client.startNew(v1, { input: "lamp" });
    await waitForHistoryEvent(first.client, id, "TaskCompleted");
    await first.stop();

    const second = await startBaton(store, v2);
    await second.client.raiseEvent(id, "Approved", "dave");
    await waitUntil(async () => (await second.client.getStatus(id))?.stalled, "a stall");
    await second.client.terminate(id, "incompatible deploy");
    const done = await second.client.waitForCompletion(id, { timeout: 10_000 });
    expect(done.runtimeStatus).toBe("Terminated");
    expect(done.output).toBe("incompatible deploy");
    expect(done.stalled).toBeUndefined();
    expect(await second.client.purge(id)).toBe(true);
  });
});
