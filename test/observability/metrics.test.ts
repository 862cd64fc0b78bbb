/**
 * The metrics reach an OpenTelemetry SDK: a MeterProvider with a reader collected by hand,
 * installed as the global provider before the test environment starts (as an application
 * installs its SDK before Baton). Function names are this file's own, so figures recorded by
 * other tests in the process cannot be mistaken for these.
 */
import { metrics } from "@opentelemetry/api";
import { DataPointType, MeterProvider, MetricReader, type MetricData } from "@opentelemetry/sdk-metrics";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activity, orchestration } from "../../src/index.js";
import { createTestEnvironment, type TestEnvironment } from "../../src/testing/index.js";

class CollectedByHand extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const flaky = activity("MetricsFlaky", async (n: number) => n + 1, { retry: { maxAttempts: 3, firstRetryInterval: "1s" } });
const flow = orchestration("MetricsFlow", async (ctx, n: number) => ctx.callActivity(flaky, n));
const sleeper = orchestration("MetricsSleeper", async (ctx) => {
  await ctx.sleep("1h");
  return "awake";
});

/** Reads the clock: the test environment's determinism guard stalls its episode. */
const clockReader = orchestration("MetricsClockReader", async () => Date.now());

let reader: CollectedByHand;
let provider: MeterProvider;
let env: TestEnvironment | undefined;

beforeEach(() => {
  reader = new CollectedByHand();
  provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
});

afterEach(async () => {
  await env?.close();
  env = undefined;
  metrics.disable();
  await provider.shutdown();
});

async function collect(): Promise<MetricData[]> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics.scopeMetrics.filter((scope) => scope.scope.name === "batonjs").flatMap((scope) => scope.metrics);
}

/** The data points of one metric whose attributes include `attributes`. */
function pointsOf(data: MetricData[], name: string, attributes: Record<string, string> = {}) {
  const metric = data.find((m) => m.descriptor.name === name);
  expect(metric, `no metric ${name} among ${data.map((m) => m.descriptor.name).join(", ")}`).toBeDefined();
  return metric!.dataPoints.filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value));
}

function valueOf(data: MetricData[], name: string, attributes: Record<string, string>): number {
  return pointsOf(data, name, attributes).reduce((sum, point) => sum + (point.value as number), 0);
}

function histogramOf(data: MetricData[], name: string, attributes: Record<string, string> = {}): { count: number; sum: number } {
  const metric = data.find((m) => m.descriptor.name === name);
  expect(metric?.dataPointType).toBe(DataPointType.HISTOGRAM);
  const points = pointsOf(data, name, attributes) as { value: { count: number; sum?: number } }[];
  return points.reduce((total, p) => ({ count: total.count + p.value.count, sum: total.sum + (p.value.sum ?? 0) }), { count: 0, sum: 0 });
}

describe("metrics through the OpenTelemetry API", () => {
  it("counts activity attempts by outcome and times each, and counts episodes by outcome", async () => {
    env = await createTestEnvironment({ functions: [flaky, flow] });
    env.failActivity(flaky, { times: 2 });
    const id = await env.client.startNew(flow, { input: 41 });
    expect((await env.client.waitForCompletion(id)).output).toBe(42);

    const data = await collect();
    expect(valueOf(data, "baton.activity.attempts", { activity: "MetricsFlaky", outcome: "retry" })).toBe(2);
    expect(valueOf(data, "baton.activity.attempts", { activity: "MetricsFlaky", outcome: "completed" })).toBe(1);
    expect(valueOf(data, "baton.activity.attempts", { activity: "MetricsFlaky", outcome: "failed" })).toBe(0);
    expect(histogramOf(data, "baton.activity.duration", { activity: "MetricsFlaky" }).count).toBe(3);
    expect(valueOf(data, "baton.episodes", { orchestration: "MetricsFlow", outcome: "completed" })).toBe(1);
    expect(valueOf(data, "baton.episodes", { orchestration: "MetricsFlow", outcome: "running" })).toBeGreaterThanOrEqual(1);
    expect(histogramOf(data, "baton.commit.duration").count).toBeGreaterThan(0);
    expect(histogramOf(data, "baton.claim.duration").count).toBeGreaterThan(0);
    expect(data.find((m) => m.descriptor.name === "baton.activity.duration")?.descriptor).toMatchObject({ unit: "s" });
  });

  it("counts a stalled episode as stalled, not as committed work", async () => {
    env = await createTestEnvironment({ functions: [clockReader], autoSkip: false });
    const id = await env.client.startNew(clockReader);
    await env.advanceTime(0);
    expect((await env.client.getStatus(id))?.stalled).toBeDefined();
    const data = await collect();
    expect(valueOf(data, "baton.episodes", { orchestration: "MetricsClockReader", outcome: "stalled" })).toBe(1);
    expect(pointsOf(data, "baton.episodes", { orchestration: "MetricsClockReader" })).toHaveLength(1);
    await env.client.terminate(id, "done with it"); // close() replays every history; a terminated one replays
    await env.advanceTime(0);
  });

  it("records how late a timer's episode started after its due time", async () => {
    env = await createTestEnvironment({ functions: [sleeper], autoSkip: false });
    const id = await env.client.startNew(sleeper);
    await env.advanceTime(0); // it starts and waits on its 1 h timer
    // Suspended, it takes the timer's message when due but runs no episode until resumed: 2 h late.
    await env.client.suspend(id, "held");
    await env.advanceTime("3h");
    await env.client.resume(id, "go on");
    expect((await env.client.waitForCompletion(id)).output).toBe("awake");
    const lateness = histogramOf(await collect(), "baton.timer.lateness", { orchestration: "MetricsSleeper" });
    expect(lateness.count).toBe(1);
    expect(lateness.sum).toBeGreaterThanOrEqual(7200);
    expect(lateness.sum).toBeLessThan(7201); // the virtual clock moves on a few ms while work runs
  });

  it("observes the store's workload and the worker's slots when collected", async () => {
    env = await createTestEnvironment({ functions: [sleeper], autoSkip: false, maxConcurrentActivities: 7 });
    const ids = [await env.client.startNew(sleeper), await env.client.startNew(sleeper)];
    await env.advanceTime(0); // both start and wait on their timers
    let data = await collect();
    expect(valueOf(data, "baton.instances", { status: "Running" })).toBe(2);
    expect(valueOf(data, "baton.instances", { status: "Completed" })).toBe(0);
    expect(data.find((m) => m.descriptor.name === "baton.work.ready")?.dataPoints ?? []).toEqual([]); // nothing due
    const capacity = pointsOf(data, "baton.worker.slots.capacity", { kind: "attempt" });
    expect(capacity.map((p) => p.value)).toContain(7);
    expect(capacity.every((p) => typeof p.attributes.worker_id === "string")).toBe(true);

    await env.advanceTime("1h");
    for (const id of ids) await env.client.waitForCompletion(id);
    data = await collect();
    expect(valueOf(data, "baton.instances", { status: "Completed" })).toBe(2);
    expect(valueOf(data, "baton.instances", { status: "Running" })).toBe(0);
  });
});
