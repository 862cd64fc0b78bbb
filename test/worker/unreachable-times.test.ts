/**
 * On a real store: an orchestration that asks for a wait no clock can reach fails at that
 * call with INVALID_ARGUMENT (or catches it and goes on); no TimerCreated is stored for it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, orchestration, type Baton } from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const sleepsForever = orchestration("SleepsForever", async (ctx) => {
  await ctx.sleep(1e300);
});
const triesNaNTimer = orchestration("TriesNaNTimer", async (ctx) => {
  try {
    await ctx.createTimer(new Date(NaN));
    return "slept";
  } catch (error) {
    await ctx.sleep(1);
    return (error as { code: string }).code;
  }
});

describe("a wait no clock can reach", () => {
  it("fails the instance with INVALID_ARGUMENT at the call and stores no timer for it", async () => {
    const baton = await createBaton({ store: tempStoreUrl(), functions: [sleepsForever, triesNaNTimer], logger: quiet, pollIntervalMs: 20 });
    batons.push(baton);
    await baton.start();
    const { client } = baton;

    const failed = await client.waitForCompletion(await client.startNew(sleepsForever), { timeout: 20_000 });
    expect(failed.runtimeStatus).toBe("Failed");
    expect(failed.failureDetails).toMatchObject({ code: "INVALID_ARGUMENT", name: "InvalidArgumentError" });
    expect(failed.failureDetails!.message).toContain("ctx.sleep duration must be a number of milliseconds from 0 to 3155760000000 ms (100 years), got 1e+300.");
    const failedHistory = (await client.getStatus(failed.instanceId, { showHistory: true }))!.history!;
    expect(failedHistory.map((e) => e.type)).toEqual(["EpisodeStarted", "ExecutionStarted", "ExecutionFailed"]);

    const caught = await client.waitForCompletion(await client.startNew(triesNaNTimer), { timeout: 20_000 });
    expect(caught.output).toBe("INVALID_ARGUMENT");
    const timers = (await client.getStatus(caught.instanceId, { showHistory: true }))!.history!.filter((e) => e.type === "TimerCreated");
    expect(timers).toHaveLength(1); // only the 1 ms sleep after the refusal
    expect((timers[0]!.fireAt as Date).getTime()).toBeGreaterThan(0);
  });
});
