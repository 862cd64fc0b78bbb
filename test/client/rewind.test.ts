/**
 * rewind: a failed instance goes back to just before the episode that failed; the work done
 * before it is kept (not run again), the failed activity runs again, and the instance goes on.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  activity,
  createBaton,
  InstanceNotFailedError,
  InstanceNotFoundError,
  InvalidArgumentError,
  orchestration,
  type Baton,
} from "../../src/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const runs = new Map<string, number>();
let broken = true;
const count = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);

const prepare = activity("Prepare", async (n: number) => {
  count("prepare");
  return n + 1;
});
const charge = activity(
  "Charge",
  async (n: number) => {
    count("charge");
    if (broken) throw new Error("payment service down");
    return n * 10;
  },
  { retry: { maxAttempts: 1 } },
);
const order = orchestration("Order", async (ctx, n: number) => {
  const prepared = await ctx.callActivity(prepare, n);
  const event = await ctx.waitForExternalEvent<number>("Confirm");
  return (await ctx.callActivity(charge, prepared + event)) + 1;
});
const fragile = orchestration("Fragile", async () => {
  if (broken) throw new Error("bug in the first step");
  return "fixed";
});

async function newBaton(store = tempStoreUrl(), cache = 10_000): Promise<Baton> {
  const baton = await createBaton({ store, functions: [prepare, charge, order, fragile], logger: quiet, maxCachedOrchestrations: cache });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("rewind", () => {
  it.each([10_000, 0])("re-runs a failed activity and keeps the work before it (cache %i)", async (cache) => {
    runs.clear();
    broken = true;
    const { client } = await newBaton(tempStoreUrl(), cache);
    const id = await client.startNew(order, { input: 1 });
    await client.raiseEvent(id, "Confirm", 2);
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).runtimeStatus).toBe("Failed");

    broken = false;
    await client.rewind(id, "payment service back");
    const done = await client.waitForCompletion(id, { timeout: 10_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 41 });
    expect(runs.get("prepare")).toBe(1); // kept
    expect(runs.get("charge")).toBe(2); // failed once, then again after the rewind
    const history = (await client.getStatus(id, { showHistory: true }))!.history!;
    const types = history.map((e) => e.type);
    expect(types).not.toContain("ExecutionFailed");
    expect(types).not.toContain("TaskFailed");
    expect(history.find((e) => e.type === "ExecutionRewound")).toMatchObject({ reason: "payment service back" });
    expect(types.filter((t) => t === "EventRaised")).toHaveLength(1); // the event was consumed once
  });

  it("re-runs an orchestration that failed in its first episode, after a fix", async () => {
    broken = true;
    const { client } = await newBaton();
    const id = await client.startNew(fragile);
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).runtimeStatus).toBe("Failed");
    broken = false;
    await client.rewind(id);
    expect(await client.waitForCompletion(id, { timeout: 10_000 })).toMatchObject({ runtimeStatus: "Completed", output: "fixed" });
  });

  it("rejects an instance that did not fail with InstanceNotFailedError, and writes nothing", async () => {
    broken = false;
    const store = tempStoreUrl();
    const { client } = await newBaton(store);
    const done = await client.startNew(fragile);
    await client.waitForCompletion(done, { timeout: 10_000 });
    const waiting = await client.startNew(order, { input: 1 });
    await expect.poll(async () => (await client.getStatus(waiting))!.runtimeStatus).toBe("Running");
    const snapshot = await snapshotStore(store);
    for (const id of [done, waiting]) {
      const error = await client.rewind(id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InstanceNotFailedError);
      expect(error).toMatchObject({ code: "INSTANCE_NOT_FAILED", instanceId: id });
    }
    await expect(client.rewind("nobody")).rejects.toBeInstanceOf(InstanceNotFoundError);
    await expect(client.rewind(done, 5 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await snapshotStore(store)).toEqual(snapshot);
  });
});
