/**
 * OpenTelemetry traces: every span of an instance joins the trace active when it was started,
 * whichever worker runs it and however often it is replayed — on both stores.
 */
import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, serveHttpApi, type Baton } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { capturingLogger } from "../helpers/capturing-logger.js";
import { tempPostgresUrl } from "../helpers/postgres.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { byKind, exporter, installTracing, parentOf, spansOfInstance, spansOfTrace, waitForFinalEpisode } from "./trace-kit.js";

installTracing();

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

const userTracer = trace.getTracer("user-code");
const fetchPage = activity("FetchPage", async (url: string) =>
  // The user's own instrumentation (an HTTP client, say): it must nest under the attempt's span.
  userTracer.startActiveSpan("GET page", (span) => {
    span.end();
    return `<html>${url}</html>`;
  }),
);
let flakyFailures = 0;
const flaky = activity("Flaky", async (n: number) => {
  if (flakyFailures-- > 0) throw new Error(`flaky ${n}`);
  return n;
}, { retry: { maxAttempts: 3, firstRetryInterval: 1 } });
const broken = activity("Broken", async () => {
  throw new TypeError("no such page");
}, { retry: { maxAttempts: 1 } });

const crawl = orchestration("Crawl", async (ctx, url: string) => {
  const page = await ctx.callActivity(fetchPage, url);
  await ctx.sleep(5);
  return page.length;
});
const retried = orchestration("Retried", async (ctx, n: number) => ctx.callActivity(flaky, n));
const failing = orchestration("Failing", async (ctx) => ctx.callActivity(broken, undefined));
const child = orchestration("Child", async (ctx, url: string) => ctx.callActivity(fetchPage, url));
const parent = orchestration("Parent", async (ctx, urls: string[]) => ctx.all(urls.map((url) => ctx.callSubOrchestrator(child, url))));
const steps = orchestration("Steps", async (ctx) => {
  const a = await ctx.callActivity(fetchPage, "a");
  await ctx.sleep(5);
  const b = await ctx.callActivity(fetchPage, "b");
  await ctx.waitForExternalEvent("Go");
  return a.length + b.length;
});
const functions = [fetchPage, flaky, broken, crawl, retried, failing, child, parent, steps];

async function newBaton(store: string, options: { inlineActivities?: boolean; maxCachedOrchestrations?: number } = {}): Promise<Baton> {
  const baton = await createBaton({ store, functions, logger: silentLogger, pollIntervalMs: 50, ...options });
  batons.push(baton);
  await baton.start();
  return baton;
}

const STORES = [
  ["sqlite", tempSqliteUrl],
  ["postgres", tempPostgresUrl],
] as const;

describe.each(STORES)("traces on %s", (_name, storeUrl) => {
  it.each([true, false])("start span parents every episode; attempts (inline: %s) nest under the episode that scheduled them, user spans under the attempt", async (inlineActivities) => {
    const baton = await newBaton(storeUrl(), { inlineActivities });
    const caller = userTracer.startSpan("caller");
    const id = await context.with(trace.setSpan(context.active(), caller), () => baton.client.startNew(crawl, { input: "https://example.com" }));
    caller.end();
    await baton.client.waitForCompletion(id);
    await waitForFinalEpisode(id);

    const traceId = caller.spanContext().traceId;
    const spans = spansOfTrace(traceId);
    const [start] = byKind(spans, "startNew");
    expect(start!.name).toBe("startNew Crawl");
    expect(parentOf(start!)).toBe(caller.spanContext().spanId);
    expect(start!.attributes).toMatchObject({ "baton.instance_id": id, "baton.orchestration": "Crawl" });

    const episodes = byKind(spans, "episode");
    expect(episodes.length).toBeGreaterThanOrEqual(2); // the sleep splits the run at least once
    for (const episode of episodes) {
      expect(parentOf(episode)).toBe(start!.spanContext().spanId);
      expect(episode.attributes).toMatchObject({ "baton.instance_id": id, "baton.orchestration": "Crawl", "baton.worker_id": expect.any(String) });
      expect(episode.attributes["baton.execution_id"]).toEqual(expect.any(String));
      expect(episode.attributes["baton.events_applied"]).toBeGreaterThan(0);
    }
    const timerEvents = episodes.flatMap((episode) => episode.events.map((event) => event.name));
    expect(timerEvents.filter((name) => name === "timer created")).toHaveLength(1);
    expect(timerEvents.filter((name) => name === "timer fired")).toHaveLength(1);

    const [attempt] = byKind(spans, "activity");
    expect(attempt!.attributes).toMatchObject({ "baton.activity": "FetchPage", "baton.attempt": 1, "baton.seq": 0, "baton.outcome": "completed" });
    const scheduler = episodes.find((episode) => episode.spanContext().spanId === parentOf(attempt!));
    expect(scheduler, "the attempt's parent is an episode of the instance").toBeDefined();
    const [userSpan] = spans.filter((span) => span.name === "GET page");
    expect(parentOf(userSpan!)).toBe(attempt!.spanContext().spanId);
  });

  it("records a failed attempt and a failed orchestration with status ERROR and the exception", async () => {
    const baton = await newBaton(storeUrl());
    const id = await baton.client.startNew(failing);
    await baton.client.waitForCompletion(id);
    const last = await waitForFinalEpisode(id, "Failed");
    const [attempt] = byKind(spansOfInstance(id), "activity");
    expect(attempt!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempt!.attributes["baton.outcome"]).toBe("failed");
    expect(attempt!.events.find((event) => event.name === "exception")?.attributes).toMatchObject({
      "exception.type": "TypeError",
      "exception.message": "no such page",
    });
    expect(last.status.code).toBe(SpanStatusCode.ERROR);
    expect(last.spanContext().traceId).toBe(attempt!.spanContext().traceId);
  });

  it("gives each retried attempt a span of its own, in the instance's trace", async () => {
    flakyFailures = 2;
    const baton = await newBaton(storeUrl());
    const id = await baton.client.startNew(retried, { input: 7 });
    expect((await baton.client.waitForCompletion(id)).output).toBe(7);
    await waitForFinalEpisode(id);
    const attempts = byKind(spansOfInstance(id), "activity").sort((a, b) => Number(a.attributes["baton.attempt"]) - Number(b.attributes["baton.attempt"]));
    expect(attempts.map((span) => [span.attributes["baton.attempt"], span.attributes["baton.outcome"], span.status.code])).toEqual([
      [1, "retry", SpanStatusCode.ERROR],
      [2, "retry", SpanStatusCode.ERROR],
      [3, "completed", SpanStatusCode.UNSET],
    ]);
    const [start] = byKind(spansOfInstance(id), "startNew");
    expect(new Set(attempts.map((span) => span.spanContext().traceId))).toEqual(new Set([start!.spanContext().traceId]));
    // The attempts run from the queue, and still descend from the episode that scheduled the call.
    expect(new Set(attempts.map(parentOf)).size).toBe(1);
  });

  it.each([true, false])("ties log lines to their spans with trace_id and span_id (inline: %s): ctx.log to the episode's, actx.log and the retry warning to the attempt's", async (inlineActivities) => {
    let failures = 1;
    const logged = activity("Logged", async (n: number, actx) => {
      actx.log.info("trying", { n });
      if (failures-- > 0) throw new Error("not yet");
      return n;
    }, { retry: { maxAttempts: 2, firstRetryInterval: 1 } });
    const logging = orchestration("Logging", async (ctx, n: number) => {
      ctx.log.info("calling", { n });
      return ctx.callActivity(logged, n);
    });
    const logger = capturingLogger();
    const baton = await createBaton({ store: storeUrl(), functions: [logged, logging], logger, pollIntervalMs: 50, inlineActivities });
    batons.push(baton);
    await baton.start();
    const id = await baton.client.startNew(logging, { input: 3 });
    expect((await baton.client.waitForCompletion(id)).output).toBe(3);
    await waitForFinalEpisode(id);

    const spanIds = (kind: "episode" | "activity") => byKind(spansOfInstance(id), kind).map((span) => span.spanContext().spanId);
    const traceId = byKind(spansOfInstance(id), "startNew")[0]!.spanContext().traceId;
    const lines = logger.records.filter((record) => record.fields.instanceId === id);
    const line = (message: string) => lines.filter((record) => record.message === message);
    expect(line("calling")).toHaveLength(1);
    expect(line("trying")).toHaveLength(2);
    expect(line("activity attempt failed, will retry")).toHaveLength(1);
    for (const record of [...line("calling"), ...line("trying"), ...line("activity attempt failed, will retry")]) {
      expect(record.fields.trace_id, record.message).toBe(traceId);
    }
    expect(spanIds("episode")).toContain(line("calling")[0]!.fields.span_id);
    const attemptSpans = spanIds("activity");
    expect(new Set(line("trying").map((record) => record.fields.span_id))).toEqual(new Set(attemptSpans));
    expect(attemptSpans).toContain(line("activity attempt failed, will retry")[0]!.fields.span_id);
  });

  it("puts sub-orchestrations in their parent's trace, under the episode that started them", async () => {
    const baton = await newBaton(storeUrl());
    const id = await baton.client.startNew(parent, { input: ["a", "b"] });
    await baton.client.waitForCompletion(id);
    await waitForFinalEpisode(id);
    const [start] = byKind(spansOfInstance(id), "startNew");
    const spans = spansOfTrace(start!.spanContext().traceId);
    const parentEpisodes = new Set(byKind(spans, "episode").filter((s) => s.attributes["baton.orchestration"] === "Parent").map((s) => s.spanContext().spanId));
    const childEpisodes = byKind(spans, "episode").filter((s) => s.attributes["baton.orchestration"] === "Child");
    expect(new Set(childEpisodes.map((s) => s.attributes["baton.instance_id"])).size).toBe(2);
    for (const episode of childEpisodes) expect(parentEpisodes).toContain(parentOf(episode));
    expect(byKind(spans, "activity").filter((s) => s.attributes["baton.activity"] === "FetchPage")).toHaveLength(2);
  });

  it("makes no span for a replay: with no cache, one episode span per episode and each timer seen once", async () => {
    const baton = await newBaton(storeUrl(), { maxCachedOrchestrations: 0, inlineActivities: false });
    const id = await baton.client.startNew(steps);
    await waitUntil(async () => ((await baton.client.getStatus(id, { showHistory: true }))?.history ?? []).some((e) => e.type === "TimerFired") || undefined, "the timer to fire");
    await waitUntil(() => byKind(spansOfInstance(id), "activity").length === 2 || undefined, "the second activity to run");
    await baton.client.raiseEvent(id, "Go", null);
    const status = await baton.client.waitForCompletion(id);
    await waitForFinalEpisode(id);
    const episodes = byKind(spansOfInstance(id), "episode");
    const episodesInHistory = (await baton.client.getStatus(id, { showHistory: true }))!.history!.filter((e) => e.type === "EpisodeStarted");
    expect(status.runtimeStatus).toBe("Completed");
    expect(episodes).toHaveLength(episodesInHistory.length);
    expect(new Set(episodes.map((s) => s.spanContext().spanId)).size).toBe(episodes.length);
    const seen = episodes.flatMap((s) => s.events.map((e) => e.name));
    expect(seen.filter((name) => name === "timer fired")).toHaveLength(1);
    expect(seen.filter((name) => name === "event raised")).toHaveLength(1);
    expect(byKind(spansOfInstance(id), "activity")).toHaveLength(2);
  });

  it("keeps one trace across a worker restart: worker A runs the start, worker B (a new baton on the same store) the rest", async () => {
    const store = storeUrl();
    const a = await newBaton(store);
    const id = await a.client.startNew(steps);
    await waitUntil(() => byKind(spansOfInstance(id), "activity").length === 2 || undefined, "both activities to run on worker A");
    await waitUntil(async () => ((await a.client.getStatus(id, { showHistory: true }))?.history ?? []).filter((e) => e.type === "EpisodeStarted").length >= 3 || undefined, "A to wait for the event");
    await a.stop({ timeoutMs: 2000 });
    batons.splice(batons.indexOf(a), 1);
    const beforeRestart = spansOfInstance(id).length;

    const b = await newBaton(store);
    await b.client.raiseEvent(id, "Go", null);
    await b.client.waitForCompletion(id);
    await waitForFinalEpisode(id);

    const spans = spansOfInstance(id);
    const [start] = byKind(spans, "startNew");
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([start!.spanContext().traceId]));
    const workers = new Set(byKind(spans, "episode").map((s) => s.attributes["baton.worker_id"]));
    expect(workers.size).toBe(2);
    const afterRestart = spans.slice(beforeRestart);
    expect(afterRestart.length).toBeGreaterThan(0);
    for (const episode of byKind(afterRestart, "episode")) expect(parentOf(episode)).toBe(start!.spanContext().spanId);
  });

  it("carries the caller's tracestate in every span of the instance, through the stored contexts of the instance and of its queued tasks", async () => {
    const baton = await newBaton(storeUrl(), { inlineActivities: false });
    const traceparent = "00-6bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const id = await baton.client.startNew(crawl, { input: "x", traceparent, tracestate: "acme=t61rcWkgMzE, other=1" });
    await baton.client.waitForCompletion(id);
    await waitForFinalEpisode(id);
    const spans = spansOfInstance(id);
    expect(byKind(spans, "activity")).toHaveLength(1);
    expect(byKind(spans, "episode").length).toBeGreaterThanOrEqual(2);
    for (const span of spans) expect(span.spanContext().traceState?.serialize(), span.name).toBe("acme=t61rcWkgMzE,other=1");
  });
});

describe("traces through the HTTP API and startNew's traceparent", () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const callerSpanId = "00f067aa0ba902b7";

  it("joins the trace of an HTTP start's traceparent header", async () => {
    const baton = await newBaton(tempSqliteUrl());
    const server = await serveHttpApi(baton.client, { port: 0 });
    try {
      const response = await fetch(`${server.url}/api/orchestrators/Crawl`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: `00-${traceId}-${callerSpanId}-01` },
        body: JSON.stringify("https://example.com/http"),
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      await baton.client.waitForCompletion(id);
      await waitForFinalEpisode(id);
      const spans = spansOfInstance(id);
      expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
      const [start] = byKind(spans, "startNew");
      expect(parentOf(start!)).toBe(callerSpanId);
    } finally {
      await server.close();
    }
  });

  it("ignores a malformed traceparent header, as W3C Trace Context asks: a new trace starts", async () => {
    const baton = await newBaton(tempSqliteUrl());
    const server = await serveHttpApi(baton.client, { port: 0 });
    try {
      const response = await fetch(`${server.url}/api/orchestrators/Crawl`, {
        method: "POST",
        headers: { "content-type": "application/json", traceparent: "00-not-a-trace-01" },
        body: JSON.stringify("x"),
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      await baton.client.waitForCompletion(id);
      await waitForFinalEpisode(id);
      const [start] = byKind(spansOfInstance(id), "startNew");
      expect(parentOf(start!)).toBeUndefined();
      expect(new Set(spansOfInstance(id).map((s) => s.spanContext().traceId))).toEqual(new Set([start!.spanContext().traceId]));
    } finally {
      await server.close();
    }
  });

  it("keeps the tracestate header sent with a traceparent, its malformed entries dropped; ignores it without one", async () => {
    const baton = await newBaton(tempSqliteUrl());
    const server = await serveHttpApi(baton.client, { port: 0 });
    try {
      const start = async (headers: Record<string, string>): Promise<string> => {
        const response = await fetch(`${server.url}/api/orchestrators/Crawl`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify("x") });
        expect(response.status).toBe(202);
        const { id } = (await response.json()) as { id: string };
        await baton.client.waitForCompletion(id);
        await waitForFinalEpisode(id);
        return id;
      };
      const joined = await start({ traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: "acme=1,Not A Key=2,zeta=3" });
      for (const span of spansOfInstance(joined)) expect(span.spanContext().traceState?.serialize(), span.name).toBe("acme=1,zeta=3");
      const alone = await start({ tracestate: "acme=1" });
      for (const span of spansOfInstance(alone)) expect(span.spanContext().traceState, span.name).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it("refuses a malformed traceparent option before anything is written", async () => {
    const baton = await newBaton(tempSqliteUrl());
    await expect(baton.client.startNew(crawl, { input: "x", instanceId: "bad-trace", traceparent: "nope" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(baton.client.startNew(crawl, { input: "x", instanceId: "bad-trace", tracestate: "acme=1" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await baton.client.getStatus("bad-trace")).toBeNull();
  });

  it("restarts in the trace of a traceparent given by hand, or sent to the HTTP restart route", async () => {
    const baton = await newBaton(tempSqliteUrl());
    const server = await serveHttpApi(baton.client, { port: 0 });
    try {
      const id = await baton.client.startNew(crawl, { input: "x" });
      await baton.client.waitForCompletion(id);
      await waitForFinalEpisode(id);
      for (const [n, restartIn] of [
        [1, (parent: string) => baton.client.restart(id, { traceparent: parent })],
        [2, (parent: string) => fetch(`${server.url}/api/instances/${id}/restart`, { method: "POST", headers: { traceparent: parent } }).then((r) => expect(r.status).toBe(202))],
      ] as const) {
        exporter.reset(); // forget the earlier runs' spans
        const otherTrace = `${n}`.repeat(32);
        await restartIn(`00-${otherTrace}-${callerSpanId}-01`);
        await baton.client.waitForCompletion(id);
        await waitForFinalEpisode(id);
        const [restart] = byKind(spansOfInstance(id), "restart");
        expect(parentOf(restart!)).toBe(callerSpanId);
        expect(new Set(spansOfInstance(id).map((span) => span.spanContext().traceId))).toEqual(new Set([otherTrace]));
      }
    } finally {
      await server.close();
    }
  });

  it("refuses a malformed traceparent for a restart before anything is written", async () => {
    const baton = await newBaton(tempSqliteUrl());
    const id = await baton.client.startNew(crawl, { input: "x" });
    await baton.client.waitForCompletion(id);
    const before = await baton.client.getStatus(id, { showHistory: true });
    await expect(baton.client.restart(id, { traceparent: "nope" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(baton.client.restart(id, { tracestate: "vendor=x" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("only read with the traceparent") });
    await expect(baton.client.restart(id, { traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 7 as never })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await baton.client.getStatus(id, { showHistory: true })).toEqual(before);
  });

  it("restarts a finished instance in the restart's trace", async () => {
    const baton = await newBaton(tempSqliteUrl());
    const id = await baton.client.startNew(crawl, { input: "x", traceparent: `00-${traceId.replace(/^4/, "5")}-${callerSpanId}-01` });
    await baton.client.waitForCompletion(id);
    await waitForFinalEpisode(id);
    exporter.reset(); // forget the first run's spans
    const caller = userTracer.startSpan("operator");
    await context.with(trace.setSpan(context.active(), caller), () => baton.client.restart(id));
    caller.end();
    await baton.client.waitForCompletion(id);
    await waitForFinalEpisode(id);
    const [restart] = byKind(spansOfInstance(id), "restart");
    expect(parentOf(restart!)).toBe(caller.spanContext().spanId);
    for (const episode of byKind(spansOfInstance(id), "episode")) {
      expect(episode.spanContext().traceId).toBe(caller.spanContext().traceId);
      expect(parentOf(episode)).toBe(restart!.spanContext().spanId);
    }
  });
});
