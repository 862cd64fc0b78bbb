/**
 * Eternal monitor, tested with batonjs/testing: an hourly check run through several cycles
 * by advancing the virtual clock, an outage alerted once, and a Stop raised by the test.
 */
import { beforeEach, expect, it } from "vitest";
import { createTestEnvironment } from "../../../src/testing/index.js";
import { alertLog, checkEndpoint, endpoints, eternalMonitor, functions, type MonitorInput } from "../../../examples/eternal-monitor/functions.js";

const target = "api.example.com";
const HOUR = 60 * 60 * 1000;

beforeEach(() => {
  endpoints.clear(); // the endpoints and the alert log live in the example's module
  alertLog.length = 0;
});

it("checks every hour, alerts once per outage, and stops on Stop", async () => {
  // autoSkip off: the clock moves only when the test says, so it can act between checks.
  const env = await createTestEnvironment({ functions, autoSkip: false });
  try {
    endpoints.set(target, "up");
    const id = await env.client.startNew(eternalMonitor, { input: { target, intervalMs: HOUR } satisfies MonitorInput });
    await env.advanceTime(0); // check #1
    await env.advanceTime("1h"); // check #2
    endpoints.set(target, "down");
    await env.advanceTime("1h"); // check #3: down, alert
    await env.advanceTime("1h"); // check #4: still down, no second alert
    endpoints.set(target, "up");
    await env.advanceTime("1h"); // check #5
    expect(env.activityCalls(checkEndpoint).map((call) => call.outcome)).toEqual(
      ["up", "up", "down", "down", "up"].map((output) => ({ status: "completed", output })),
    );
    expect(alertLog.map((alert) => alert.check)).toEqual([3]);

    await env.client.raiseEvent(id, "Stop");
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toEqual({ target, checks: 5, alerts: 1, lastStatus: "up", stoppedBy: "Stop" });
    // continueAsNew kept the history to one generation: one check in it, not five.
    const scheduled = (await env.history(id)).filter((entry) => entry.type === "TaskScheduled");
    expect(scheduled).toHaveLength(1);
  } finally {
    await env.close();
  }
});

it("runs a week of hourly checks and stops by itself after maxChecks", async () => {
  const env = await createTestEnvironment({ functions });
  try {
    endpoints.set(target, "up");
    const started = env.now();
    const input: MonitorInput = { target, intervalMs: HOUR, maxChecks: 7 * 24 };
    const id = await env.client.startNew(eternalMonitor, { input });
    const done = await env.client.waitForCompletion(id); // 167 hours of sleep, skipped
    expect(done.output).toEqual({ target, checks: 168, alerts: 0, lastStatus: "up", stoppedBy: "maxChecks" });
    expect(env.now() - started).toBeGreaterThanOrEqual(167 * HOUR);
  } finally {
    await env.close();
  }
});
