/**
 * GET /api/stream, read with fetch as a browser's EventSource would: an `instances` event
 * follows a start and the instance's completion, `workers` follows a worker that stops, and
 * `bulk` a job's progress. Events are waited for, never a time budget.
 */
import { describe, expect, it } from "vitest";
import { activity, createBaton, orchestration } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { json, onCleanup, serve, type Served } from "./http-kit.js";

interface SseEvent {
  event: string;
  data: unknown;
}

/** An open stream: every event read so far, and a wait for the first one that passes `test`. */
async function openStream(served: Served, init: RequestInit = {}): Promise<{ events: SseEvent[]; comments: string[]; waitFor(test: (e: SseEvent) => boolean, what: string): Promise<SseEvent>; close(): void }> {
  const abort = new AbortController();
  const response = await served.api("/api/stream", { ...init, signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split("\n");
          comments.push(...lines.filter((l) => l.startsWith(":")).map((l) => l.slice(1).trim()));
          const event = lines.find((l) => l.startsWith("event: "))?.slice(7);
          const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (event) events.push({ event, data: JSON.parse(data) });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  onCleanup(async () => abort.abort());
  return {
    events,
    comments,
    close: () => abort.abort(),
    async waitFor(test, what) {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const found = events.find(test);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`No ${what} on the stream; got ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 200);
          waiters.add(() => (clearTimeout(timer), resolve()));
        });
      }
    },
  };
}

const ofInstance = (id: string, status?: string) => (e: SseEvent) =>
  e.event === "instances" && (e.data as { instanceId: string; runtimeStatus: string }[]).some((c) => c.instanceId === id && (status === undefined || c.runtimeStatus === status));

describe("GET /api/stream", () => {
  it("sends an instances event after a start and after the completion, each change once", async () => {
    const served = await serve();
    const stream = await openStream(served);
    await served.api("/api/orchestrators/Hello/sse-1", json("Tokyo"));
    const started = await stream.waitFor(ofInstance("sse-1"), "change of sse-1");
    expect((started.data as object[])[0]).toEqual({
      instanceId: "sse-1",
      name: "Hello",
      runtimeStatus: expect.stringMatching(/^(Pending|Running|Completed)$/),
      createdAt: expect.any(String),
      lastUpdatedAt: expect.any(String),
    });
    await stream.waitFor(ofInstance("sse-1", "Completed"), "completion of sse-1");
    expect(stream.comments).toContain("connected");
    const completions = stream.events.filter(ofInstance("sse-1", "Completed"));
    expect(completions).toHaveLength(1);
  });

  it("sends a workers event when a worker starts", async () => {
    const served = await serve();
    const stream = await openStream(served);
    // A first event shows the feed has read the store, and so the workers there were then.
    await served.api("/api/orchestrators/Hello/sse-w", json("Tokyo"));
    await stream.waitFor(ofInstance("sse-w"), "change of sse-w");
    const other = await createBaton({ store: served.store, functions: [orchestration("Other", async () => 1), activity("OtherAct", async () => 1)], logger: silentLogger, pollIntervalMs: 20 });
    onCleanup(() => other.stop({ timeoutMs: 2000 }));
    await other.start();
    const seen = await stream.waitFor((e) => e.event === "workers" && (e.data as { workers: unknown[] }).workers.length === 2, "a second worker");
    expect((seen.data as { workers: { orchestrations: string[] }[] }).workers.some((w) => w.orchestrations.includes("Other"))).toBe(true);
  });

  it("streams a bulk job's progress to its end, and wants the token like every route", async () => {
    const served = await serve({ http: { token: "stream-token" } });
    const auth = { headers: { authorization: "Bearer stream-token" } };
    expect((await served.api("/api/stream")).status).toBe(401);
    const stream = await openStream(served, auth);
    for (let i = 0; i < 3; i++) await served.api(`/api/orchestrators/Waiter/sse-bulk-${i}`, { method: "POST", ...auth });
    const start = await served.api("/api/bulk", { method: "POST", ...auth, body: JSON.stringify({ action: "terminate", filter: { instanceIdPrefix: "sse-bulk-" }, reason: "cleanup" }) });
    const { jobId } = (await start.json()) as { jobId: string };
    const last = await stream.waitFor((e) => e.event === "bulk" && (e.data as { jobId: string; finished: boolean }).jobId === jobId && (e.data as { finished: boolean }).finished, "the job's end");
    expect(last.data).toMatchObject({ jobId, action: "terminate", total: 3, done: 3, failed: 0, errors: [], finished: true });
  });
});
