import { afterEach, describe, expect, it, vi } from "vitest";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForHistoryEvent, waitUntil } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
  vi.restoreAllMocks();
});

const noted = activity("Noted", async (value: string) => value);
const approval = orchestration("ApprovalWithTimeout", async (ctx) => {
  await ctx.callActivity(noted, "asked");
  try {
    return await ctx.waitForExternalEvent<string>("Approval", { timeout: "1h" });
  } catch (error) {
    return `timed out: ${(error as Error).name}`;
  }
});

async function start(store: string) {
  const baton = await createBaton({ store, functions: [noted, approval], pollIntervalMs: 20, logger: quiet });
  batons.push(baton);
  await baton.start();
  return baton;
}

describe("inbox order", () => {
  it("delivers an event that arrived before the timeout even when both are consumed after downtime", async () => {
    const store = tempStoreUrl();
    const first = await start(store);
    const id = await first.client.startNew(approval, {});
    await waitForHistoryEvent(first.client, id, "TimerCreated");
    await first.stop();

    // While no worker runs: the event arrives in time (an hour early), then the timeout passes
    // too: the clock jumps past it, however long the steps above took on a busy machine.
    const client = await createBaton({ store, functions: [noted, approval], logger: quiet });
    batons.push(client);
    await client.client.raiseEvent(id, "Approval", "yes");
    const timer = (await client.client.getStatus(id, { showHistory: true }))!.history!.find((e) => e.type === "TimerCreated")!;
    const realNow = Date.now.bind(Date);
    const jumpMs = (timer.fireAt as Date).getTime() + 1000 - realNow();
    expect(jumpMs, "the event was raised well before the timeout").toBeGreaterThan(1000);
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + jumpMs);

    const second = await start(store);
    const done = await second.client.waitForCompletion(id, { timeout: 10_000 });
    expect(done.output).toBe("yes");
  });

  it("hides the input in history too when showInput is false", async () => {
    const baton = await start(tempStoreUrl());
    const id = await baton.client.startNew(approval, { input: { secret: "s3cr3t" } });
    await waitUntil(async () => ((await baton.client.getStatus(id))?.runtimeStatus === "Running" ? true : undefined), "Running");
    const shown = await baton.client.getStatus(id, { showHistory: true });
    expect(shown?.history?.find((e) => e.type === "ExecutionStarted")?.input).toEqual({ secret: "s3cr3t" });
    const hidden = await baton.client.getStatus(id, { showHistory: true, showInput: false });
    expect(hidden?.input).toBeUndefined();
    expect(JSON.stringify(hidden?.history)).not.toContain("s3cr3t");
  });
});

describe("calls by name", () => {
  it("get the retry policy of the definition where the activity runs", async () => {
    const attempts: number[] = [];
    const shaky = activity(
      "Shaky",
      async (_: null, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 3) throw new Error("not yet");
        return "steady";
      },
      { retry: { maxAttempts: 3, firstRetryInterval: 5 } },
    );
    const byName = orchestration("ByName", async (ctx) => ctx.callActivity<string>("Shaky", null));
    const baton = await createBaton({ store: tempStoreUrl(), functions: [shaky, byName], logger: quiet });
    batons.push(baton);
    await baton.start();
    const id = await baton.client.startNew(byName);
    const done = await baton.client.waitForCompletion(id, { timeout: 10_000 });
    expect(done.output).toBe("steady");
    expect(attempts).toEqual([1, 2, 3]);
  });
});
