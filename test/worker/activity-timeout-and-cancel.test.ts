/**
 * An activity's signal fires when its attempt times out (the call's own timeout wins over the
 * definition's) and when its instance ends while it runs (terminated here or elsewhere).
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  activity,
  ActivityCancelledError,
  ActivityFailedError,
  createBaton,
  orchestration,
  TimeoutError,
  type Baton,
} from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

// Leases renew every leaseMs / 3 (1 s here), which is when a worker finds that another process
// ended the instance; long enough that a busy machine does not let a live lease lapse.
async function newBaton(functions: Parameters<typeof createBaton>[0]["functions"], store = tempStoreUrl(), inlineActivities = true) {
  const baton = await createBaton({ store, functions, logger: quiet, inlineActivities, leaseMs: 3000, pollIntervalMs: 20 });
  batons.push(baton);
  await baton.start();
  return baton;
}

/** Waits until its signal fires (or a minute, a bound against a hang), and reports the reason. */
const reasons: unknown[] = [];
let entered = 0;
const patient = activity(
  "Patient",
  async (_: null, ctx) => {
    entered++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 60_000);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reasons.push(ctx.signal.reason);
        resolve();
      });
    });
    throw ctx.signal.reason ?? new Error("not aborted");
  },
  { timeout: "30s" }, // longer than a busy machine takes to cancel it; a call's own is shorter
);

describe("a call's own timeout", () => {
  it.each([true, false])("wins over the definition's and fires the signal with TimeoutError (inline %s)", async (inline) => {
    reasons.length = 0;
    const caller = orchestration("ShortCall", async (ctx) => {
      try {
        await ctx.callActivity(patient, null, { timeout: 100, retry: { maxAttempts: 1 } });
        return "finished";
      } catch (error) {
        return error instanceof ActivityFailedError ? `failed: ${error.cause.name}` : "other";
      }
    });
    const { client } = await newBaton([patient, caller], tempStoreUrl(), inline);
    const id = await client.startNew(caller);
    const done = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(done.output).toBe("failed: TimeoutError");
    expect(reasons[0]).toBeInstanceOf(TimeoutError);
    // The call's 100 ms, not the definition's 30 s (the error names the timeout that fired).
    expect((reasons[0] as TimeoutError).message).toContain("within its timeout of 100 ms");
  });

  it("rejects a malformed timeout inside the orchestration with InvalidArgumentError", async () => {
    const caller = orchestration("BadTimeout", async (ctx) => {
      try {
        await ctx.callActivity(patient, null, { timeout: "soon" as never });
        return "called";
      } catch (error) {
        return (error as Error).name;
      }
    });
    const { client } = await newBaton([patient, caller]);
    const id = await client.startNew(caller);
    expect((await client.waitForCompletion(id, { timeout: 10_000 })).output).toBe("InvalidArgumentError");
  });
});

describe("when the instance ends while its activity runs", () => {
  const waitsForPatient = orchestration("WaitsForPatient", async (ctx) => ctx.callActivity(patient, null));

  it("the activity's signal fires with ActivityCancelledError (terminated in this process)", async () => {
    reasons.length = 0;
    entered = 0;
    const { client } = await newBaton([patient, waitsForPatient]);
    const id = await client.startNew(waitsForPatient);
    await expect.poll(() => entered).toBe(1);
    await client.terminate(id, "no longer needed");
    await client.waitForCompletion(id, { timeout: 10_000 });
    await expect.poll(() => reasons.length).toBe(1);
    expect(reasons[0]).toBeInstanceOf(ActivityCancelledError);
    expect(reasons[0]).toMatchObject({ code: "ACTIVITY_CANCELLED", instanceId: id, activityName: "Patient" });
  });

  it("fires too when another process ended it (found at the next lease renewal)", async () => {
    reasons.length = 0;
    entered = 0;
    const store = tempStoreUrl();
    // This baton runs only the activity; the orchestration and the termination are elsewhere.
    const activityHost = await newBaton([patient], store);
    const orchestrationHost = await newBaton([waitsForPatient], store);
    const id = await orchestrationHost.client.startNew(waitsForPatient);
    await expect.poll(() => entered).toBe(1);
    await orchestrationHost.client.terminate(id);
    await orchestrationHost.client.waitForCompletion(id, { timeout: 10_000 });
    await expect.poll(() => reasons.length).toBe(1); // found at the next renewal
    expect(reasons[0]).toBeInstanceOf(ActivityCancelledError);
    void activityHost;
  });
});
