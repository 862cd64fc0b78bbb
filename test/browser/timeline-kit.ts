/**
 * For the timeline's browser tests and bench/dashboard-browser.ts: the history view on its own
 * page (ui/timeline/harness.tsx, bundled here as the dashboard's build bundles main.tsx), served
 * with the dashboard's Content-Security-Policy by a small server that answers
 * GET /api/instances/:id/history (the paging route of the HTTP API: `{ events, total, next }`,
 * from a client's getHistoryPage or from entries the test gives) and GET /api/metrics, and a
 * history of any length shaped like a real one (fan-outs of activities, queue retries, a
 * failure, timers, events).
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { BUNDLE_OPTIONS } from "../../scripts/build-ui.mjs";
import { CONTENT_SECURITY_POLICY } from "../../src/http/dashboard.js";
import type { HistoryEntryJson } from "../../ui/view-models/timeline.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface HarnessServer {
  /** e.g. http://127.0.0.1:40123/history/ */
  pageUrl: string;
  /** Requests made to the history route, as `from` values, in order. */
  historyRequests: number[];
  /** Sets what GET /api/metrics answers next. */
  setMetricsText(text: string): void;
  close(): Promise<void>;
}

/** Bundles the harness as the dashboard's build does (minified, no source maps). */
export async function bundleHarness(): Promise<{ script: Uint8Array; style: Uint8Array }> {
  const outdir = mkdtempSync(join(tmpdir(), "baton-harness-"));
  try {
    const result = await build({
      entryPoints: [join(ROOT, "ui", "timeline", "harness.tsx")],
      outdir,
      ...BUNDLE_OPTIONS,
      metafile: true, // typed for the outputs read below
    });
    const outputs = Object.keys(result.metafile.outputs);
    const read = (ext: string) => readFileSync(join(outdir, basename(outputs.find((file) => file.endsWith(ext))!)));
    return { script: read(".js"), style: read(".css") };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A page of a history, or null when there is no such instance (client.getHistoryPage's contract). */
export type HistorySource = (instanceId: string, from: number, limit: number) => Promise<{ events: readonly unknown[]; total: number; next: number | null } | null>;

/** A source over histories held in memory. */
export function historiesOf(histories: ReadonlyMap<string, readonly HistoryEntryJson[]>): HistorySource {
  return async (instanceId, from, limit) => {
    const events = histories.get(instanceId);
    if (!events) return null;
    return { events: events.slice(from, from + limit), total: events.length, next: from + limit < events.length ? from + limit : null };
  };
}

export async function serveHarness(source: HistorySource): Promise<HarnessServer> {
  const { script, style } = await bundleHarness();
  const historyRequests: number[] = [];
  let metricsText = "";
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>History</title><link rel="icon" href="data:,"><link rel="stylesheet" href="harness.css"></head><body><div id="app"></div><script type="module" src="harness.js"></script></body></html>';
  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const send = (status: number, type: string, body: string | Uint8Array) => {
      response.writeHead(status, { "content-type": type, "content-security-policy": CONTENT_SECURITY_POLICY, "cache-control": "no-store" });
      response.end(body);
    };
    const history = /^\/api\/instances\/([^/]+)\/history$/.exec(url.pathname);
    if (url.pathname === "/history/") return send(200, "text/html; charset=utf-8", html);
    if (url.pathname === "/history/harness.js") return send(200, "text/javascript; charset=utf-8", script);
    if (url.pathname === "/history/harness.css") return send(200, "text/css; charset=utf-8", style);
    if (url.pathname === "/api/metrics") return send(200, "text/plain; version=0.0.4; charset=utf-8", metricsText);
    if (history) {
      const from = Number(url.searchParams.get("from") ?? 0);
      historyRequests.push(from);
      const page = await source(decodeURIComponent(history[1]!), from, Number(url.searchParams.get("limit") ?? 500));
      if (!page) return send(404, "application/json", JSON.stringify({ error: { code: "INSTANCE_NOT_FOUND" } }));
      return send(200, "application/json", JSON.stringify(page));
    }
    send(404, "text/plain", "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    pageUrl: `http://127.0.0.1:${address.port}/history/`,
    historyRequests,
    setMetricsText: (text) => (metricsText = text),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A history of exactly `count` entries (≥ 4), as the API returns it: rounds of ten activities
 * scheduled at once and completing over a few ms each (every seventh after 3 attempts, one in
 * fifty failing), a timer per round, an event every few rounds; ExecutionCompleted last.
 */
export function syntheticHistory(count: number, startMs = Date.UTC(2026, 0, 1)): HistoryEntryJson[] {
  const events: HistoryEntryJson[] = [];
  let now = startMs;
  let seq = 0;
  const push = (type: string, fields: Record<string, unknown> = {}) => events.push({ type, timestamp: new Date(now).toISOString(), ...fields });
  push("ExecutionStarted", { name: "Reconcile", executionId: "e1", input: { batch: 1 } });
  for (let round = 0; events.length < count - 1; round++) {
    push("EpisodeStarted");
    const calls = Array.from({ length: 10 }, () => seq++);
    for (const call of calls) push("TaskScheduled", { seq: call, name: `Step${call % 5}`, attempt: 1, input: { item: call } });
    const timer = seq++;
    push("TimerCreated", { seq: timer, fireAt: new Date(now + 250).toISOString() });
    for (const call of calls) {
      now += 1 + (call % 13);
      push("EpisodeStarted");
      if (call % 50 === 3) push("TaskFailed", { seq: call, attempts: 3, error: { name: "UpstreamError", message: `item ${call} refused` } });
      else if (call % 7 === 0) push("TaskCompleted", { seq: call, output: { ok: true }, attempts: 3, lastFailure: { name: "Timeout", message: "slow upstream" } });
      else push("TaskCompleted", { seq: call, output: { ok: true } });
    }
    now += 250;
    push("EpisodeStarted");
    push("TimerFired", { seq: timer });
    if (round % 4 === 3) push("EventRaised", { name: "checkpoint", data: { round } });
  }
  events.length = count - 1;
  push("ExecutionCompleted", { output: { done: true } });
  return events;
}
