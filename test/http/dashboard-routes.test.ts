/**
 * The routes a dashboard reads: functions and workers, counts per status (capped when
 * filtered), a long history page by page, and replay checks against this process's code.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, createClient, orchestration, serveHttpApi, type Baton, type HttpApiServer } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { expectError, json, serve, waitForHttpStatus } from "./http-kit.js";

const echo = activity("Echo", async (n: number) => n);
/** 600 activities at once: over 1,200 history events. */
const wide = orchestration("Wide", async (ctx) => {
  const results = await Promise.all(Array.from({ length: 600 }, (_, i) => ctx.callActivity(echo, i)));
  return results.length;
});
const stepA = activity("StepA", async (_: null) => "a");
const stepB = activity("StepB", async (_: null) => "b");
/** Version 1 calls StepA then waits; version 2 (same name) calls StepB: in-flight instances diverge. */
const flowV1 = orchestration("Flow", async (ctx) => {
  await ctx.callActivity(stepA, null);
  return ctx.waitForExternalEvent<string>("Go");
});
const flowV2 = orchestration("Flow", async (ctx) => {
  await ctx.callActivity(stepB, null);
  return ctx.waitForExternalEvent<string>("Go");
});

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function served(store: string, functions: Parameters<typeof createBaton>[0]["functions"], start: boolean): Promise<{ baton: Baton; server: HttpApiServer; api: (path: string, init?: RequestInit) => Promise<Response> }> {
  const baton = await createBaton({ store, functions, logger: silentLogger, pollIntervalMs: 20 });
  stops.push(() => baton.stop({ timeoutMs: 2000 }));
  if (start) await baton.start();
  const server = await serveHttpApi(baton.client, { port: 0 });
  stops.push(() => server.close());
  return { baton, server, api: (path, init) => fetch(server.url + path, init) };
}

describe("dashboard reads", () => {
  it("lists the functions with whether a live worker hosts them, and the live workers", async () => {
    const s = await serve();
    const functions = (await (await s.api("/api/functions")).json()) as { orchestrations: { name: string; hosted: boolean }[]; activities: { name: string; hosted: boolean }[] };
    expect(functions.orchestrations).toEqual(["Fragile", "Hello", "Waiter"].map((name) => ({ name, hosted: true })));
    expect(functions.activities).toEqual([{ name: "Greet", hosted: true }]);
    const { workers } = (await (await s.api("/api/workers")).json()) as { workers: Record<string, unknown>[] };
    expect(workers).toEqual([
      { workerId: expect.any(String), orchestrations: expect.arrayContaining(["Hello", "Waiter"]), activities: ["Greet"], heartbeatAt: expect.any(String), leaseMs: expect.any(Number) },
    ]);
    await s.baton.stop({ timeoutMs: 2000 }); // the worker says it stopped
    const client = await createClient({ store: s.store });
    stops.push(() => client.close());
    expect(await client.listWorkers()).toEqual([]);
    const after = await client.listFunctions();
    expect(after.orchestrations.map((f) => f.hosted)).toEqual([false, false, false]);
  });

  it("counts instances per status, exact unfiltered and capped when filtered", async () => {
    const s = await serve();
    for (let i = 0; i < 3; i++) await s.api(`/api/orchestrators/Waiter/count-w${i}`, { method: "POST" });
    await s.api("/api/orchestrators/Hello/count-h", json("Tokyo"));
    await waitForHttpStatus(s, "count-h", "Completed");
    for (let i = 0; i < 3; i++) await waitForHttpStatus(s, `count-w${i}`, "Running");
    const none = { Pending: 0, Running: 0, Suspended: 0, Completed: 0, Failed: 0, Terminated: 0, ContinuedAsNew: 0 };
    expect(await (await s.api("/api/instances/counts")).json()).toEqual({ counts: { ...none, Running: 3, Completed: 1 }, capped: false });
    expect(await (await s.api("/api/instances/counts?name=Waiter")).json()).toEqual({ counts: { ...none, Running: 3 }, capped: false });
    expect(await (await s.api("/api/instances/counts?instanceIdPrefix=count-&cap=2")).json()).toEqual({ counts: { ...none, Running: 2, Completed: 1 }, capped: true });
    expect(await (await s.api("/api/instances/counts?runtimeStatus=Completed")).json()).toEqual({ counts: { ...none, Completed: 1 }, capped: false });
    await expectError(await s.api("/api/instances/counts?status=Running"), 400, "INVALID_ARGUMENT");
  });

  it("pages through a history of over 1,200 events", async () => {
    const store = tempStoreUrl();
    const s = await served(store, [echo, wide], true);
    await s.api("/api/orchestrators/Wide/wide-1", { method: "POST" });
    await s.baton.client.waitForCompletion("wide-1", { timeout: 120_000 });
    const whole = (await s.baton.client.getStatus("wide-1", { showHistory: true }))!.history!;
    expect(whole.length).toBeGreaterThan(1200);
    const pages: unknown[][] = [];
    let from: number | null = 0;
    while (from !== null) {
      const page = (await (await s.api(`/api/instances/wide-1/history?from=${from}&limit=500`)).json()) as { events: unknown[]; total: number; next: number | null };
      expect(page.total).toBe(whole.length);
      expect(page.events.length).toBe(Math.min(500, whole.length - from));
      pages.push(page.events);
      from = page.next;
    }
    expect(pages).toHaveLength(Math.ceil(whole.length / 500));
    expect(pages.flat()).toEqual(JSON.parse(JSON.stringify(whole)));
    expect(await (await s.api(`/api/instances/wide-1/history?from=${whole.length}`)).json()).toEqual({ events: [], total: whole.length, next: null });
    await expectError(await s.api("/api/instances/missing/history"), 404, "INSTANCE_NOT_FOUND");
    await expectError(await s.api("/api/instances/wide-1/history?limit=0"), 400, "INVALID_ARGUMENT");
  });

  it("replay-checks against the code of this process: ok on the same code, diverged on changed code, 409 without code", async () => {
    const store = tempStoreUrl();
    const v1 = await served(store, [stepA, flowV1], true);
    await v1.api("/api/orchestrators/Flow/flow-1", { method: "POST" });
    await v1.api("/api/orchestrators/Flow/flow-2", { method: "POST" });
    for (const id of ["flow-1", "flow-2"]) await waitForHttpStatus({ api: v1.api } as never, id, "Running");
    await waitUntilScheduledAndDone(v1.baton, "flow-1");
    await waitUntilScheduledAndDone(v1.baton, "flow-2");

    const ok = await v1.api("/api/instances/flow-1/replayCheck", { method: "POST" });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, events: expect.any(Number) });

    const v2 = await served(store, [stepB, flowV2], false); // the new code, on the same store
    const diverged = (await (await v2.api("/api/instances/flow-1/replayCheck", { method: "POST" })).json()) as Record<string, any>;
    expect(diverged).toMatchObject({ ok: false, divergence: { index: expect.any(Number), recorded: { type: "TaskScheduled", name: "StepA" }, message: expect.stringContaining("StepA") } });

    const many = (await (await v2.api("/api/replayCheck", json({ filter: { name: "Flow" } }))).json()) as Record<string, any>;
    expect(many).toMatchObject({ checked: 2, noCode: [] });
    expect(many.diverged.map((d: { instanceId: string }) => d.instanceId).sort()).toEqual(["flow-1", "flow-2"]);
    expect(await (await v1.api("/api/replayCheck", json({ filter: { instanceIdPrefix: "flow-" }, limit: 1 }))).json()).toEqual({ checked: 1, diverged: [], noCode: [] });

    const bare = await createClient({ store });
    stops.push(() => bare.close());
    const server = await serveHttpApi(bare, { port: 0 });
    stops.push(() => server.close());
    const noCode = await expectError(await fetch(`${server.url}/api/instances/flow-1/replayCheck`, { method: "POST" }), 409, "NO_CODE_LOADED");
    expect(noCode.message).toContain('"Flow"');
    expect(await (await fetch(`${server.url}/api/replayCheck`, json({}))).json()).toEqual({ checked: 0, diverged: [], noCode: ["Flow"] });
    await expectError(await fetch(`${server.url}/api/instances/nobody/replayCheck`, { method: "POST" }), 404, "INSTANCE_NOT_FOUND");
  });
});

/** Waits until the instance has recorded StepA's result and waits for its event. */
async function waitUntilScheduledAndDone(baton: Baton, id: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const history = (await baton.client.getStatus(id, { showHistory: true }))?.history ?? [];
    if (history.some((e) => e.type === "TaskCompleted")) return;
    if (Date.now() > deadline) throw new Error(`${id} never completed StepA`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
