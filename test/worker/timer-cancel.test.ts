import { afterEach, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl, TestStore } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
  vi.restoreAllMocks();
});

const quick = activity("Quick", async () => "quick");
const raceThenWait = orchestration("RaceThenWait", async (ctx) => {
  const timeout = ctx.sleep("400ms");
  const winner = await ctx.any([ctx.callActivity(quick, null), timeout]);
  timeout.cancel();
  const next = await ctx.waitForExternalEvent<string>("Next");
  return [winner.index, next];
});

describe("a cancelled durable timer", () => {
  it("leaves no fire message behind and never wakes the orchestration", async () => {
    const store = tempStoreUrl();
    const baton = await createBaton({ store, functions: [quick, raceThenWait], logger: quiet });
    batons.push(baton);
    await baton.start();
    const id = await baton.client.startNew(raceThenWait);
    await waitUntil(async () => {
      const status = await baton.client.getStatus(id, { showHistory: true });
      return status?.history?.some((e) => e.type === "TaskCompleted") ? true : undefined;
    }, "the activity to win");
    await waitUntil(async () => ((await snapshotStore(store)).inbox!.length === 0 ? true : undefined), "the inbox to empty");

    const before = (await baton.client.getStatus(id, { showHistory: true }))!.history!;
    const timer = before.find((e) => e.type === "TimerCreated")!;
    await waitUntil(() => (Date.now() > (timer.fireAt as Date).getTime() ? true : undefined), "the fire time to pass");
    // The worker has looked for work three times since: a fire message would have been found.
    const claims = vi.spyOn(TestStore.prototype, "claim");
    await expect.poll(() => claims.mock.calls.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const after = (await baton.client.getStatus(id, { showHistory: true }))!.history!;
    expect(after).toEqual(before);
    expect(after.some((e) => e.type === "TimerFired")).toBe(false);

    await baton.client.raiseEvent(id, "Next", "done");
    const done = await baton.client.waitForCompletion(id, { timeout: 10_000 });
    expect(done.output).toEqual([0, "done"]);
  });
});
