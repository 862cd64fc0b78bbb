import { beforeEach, describe, expect, it } from "vitest";
import {
  alertLog,
  checkLog,
  endpoints,
  eternalMonitor,
  functions,
  type EndpointStatus,
  type MonitorInput,
  type MonitorProgress,
} from "../../examples/eternal-monitor/functions.js";
import { waitUntil } from "../helpers/wait.js";
import { historyOf, startBaton } from "./kit.js";

const target = "api.example.com";

beforeEach(() => {
  endpoints.clear();
  checkLog.length = 0;
  alertLog.length = 0;
});

/** The execution id inside an idempotency key `${instanceId}:${executionId}:${seq}`. */
const executionOf = (instanceId: string, key: string) => key.slice(instanceId.length + 1).split(":")[0];

/** Sets the target's status and waits until `count` checks have seen it. */
async function holdStatus(status: EndpointStatus, count: number): Promise<void> {
  endpoints.set(target, status);
  // CheckEndpoint reads and logs in one synchronous step: every entry after this one saw `status`.
  const from = checkLog.length;
  await waitUntil(() => (checkLog.length - from >= count ? true : undefined), `${count} checks seeing "${status}"`);
}

describe("example: eternal monitor", () => {
  it("alerts once per outage, stops on Stop, and keeps only the last generation's history", async () => {
    const baton = await startBaton(functions);
    endpoints.set(target, "up");
    const id = await baton.client.startNew(eternalMonitor, { input: { target, intervalMs: 20 } });

    // Two outages, each seen by several checks in a row: 12 checks at least.
    await holdStatus("up", 2);
    await holdStatus("down", 3);
    await holdStatus("up", 2);
    await holdStatus("down", 3);
    await holdStatus("up", 2);
    await baton.client.raiseEvent(id, "Stop");
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });

    // Which checks found the target newly down, from what the checks actually saw.
    const statuses = checkLog.map((c) => c.status);
    const outages = statuses.flatMap((s, i) => (s === "down" && statuses[i - 1] !== "down" ? [i + 1] : []));
    expect(outages).toHaveLength(2);
    expect(alertLog.map((a) => a.check)).toEqual(outages);
    expect(alertLog.every((a) => a.instanceId === id && a.target === target)).toBe(true);

    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ target, checks: checkLog.length, alerts: 2, lastStatus: "up", stoppedBy: "Stop" });
    expect(checkLog.length).toBeGreaterThanOrEqual(12);
    expect(done.customStatus).toMatchObject({ target, checks: checkLog.length, alerts: 2, lastStatus: "up" } satisfies Partial<MonitorProgress>);
    // The last generation started from what the one before it carried over.
    expect(done.input).toEqual({ target, intervalMs: 20, checks: checkLog.length - 1, alerts: 2, lastStatus: "up" } satisfies MonitorInput);

    // One instance id throughout; a new execution for every check (one check per generation).
    expect(checkLog.every((c) => c.instanceId === id)).toBe(true);
    const executions = checkLog.map((c) => executionOf(id, c.idempotencyKey));
    expect(new Set(executions).size).toBe(checkLog.length);

    // The history is the last generation's only: a handful of events, not a dozen checks' worth.
    const history = await historyOf(baton, id);
    expect(history.length).toBeLessThan(15);
    const started = history.filter((e) => e.type === "ExecutionStarted");
    expect(started).toHaveLength(1);
    expect(started[0]!.executionId).toBe(executions.at(-1));
    expect(history.filter((e) => e.type === "TaskScheduled").map((e) => e.name)).toEqual(["CheckEndpoint"]);
    expect(history.filter((e) => e.type === "EventRaised").map((e) => e.name)).toEqual(["Stop"]);
    expect(history.at(-1)!.type).toBe("ExecutionCompleted");
  });

  it("a Stop interrupts the wait at once, however long the interval", async () => {
    const baton = await startBaton(functions);
    endpoints.set(target, "up");
    const id = await baton.client.startNew(eternalMonitor, { input: { target, intervalMs: 3_600_000 } });
    await waitUntil(async () => {
      const progress = (await baton.client.getStatus(id))?.customStatus as MonitorProgress | undefined;
      return progress?.checks === 1 ? progress : undefined;
    }, "the first check");

    await baton.client.raiseEvent(id, "Stop");
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });
    expect(done.output).toEqual({ target, checks: 1, alerts: 0, lastStatus: "up", stoppedBy: "Stop" });
    const history = await historyOf(baton, id);
    expect(history.some((e) => e.type === "TimerCreated")).toBe(true);
    expect(history.some((e) => e.type === "TimerFired")).toBe(false);
  });

  it("a Stop raised before the first check ends it after that check", async () => {
    const baton = await startBaton(functions, { start: false });
    endpoints.set(target, "up");
    const id = await baton.client.startNew(eternalMonitor, { input: { target, intervalMs: 20 } });
    await baton.client.raiseEvent(id, "Stop");
    await baton.start();
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });
    expect(done.output).toEqual({ target, checks: 1, alerts: 0, lastStatus: "up", stoppedBy: "Stop" });
    expect(checkLog).toHaveLength(1);
  });

  it("stops by itself after maxChecks, alerting once for a target down from the start", async () => {
    const baton = await startBaton(functions);
    // No status set: the target does not answer, so it is down at every check.
    const id = await baton.client.startNew(eternalMonitor, { input: { target, intervalMs: 10, maxChecks: 5 } });
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });

    expect(done.output).toEqual({ target, checks: 5, alerts: 1, lastStatus: "down", stoppedBy: "maxChecks" });
    expect(checkLog.map((c) => c.status)).toEqual(["down", "down", "down", "down", "down"]);
    expect(alertLog.map((a) => a.check)).toEqual([1]);
    const history = await historyOf(baton, id);
    expect(history.filter((e) => e.type === "TimerCreated")).toHaveLength(0); // the last generation does not wait
  });
});
