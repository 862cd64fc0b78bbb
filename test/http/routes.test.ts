/**
 * Every route of the HTTP API, its happy path over a real socket and a real store: the
 * Azure-style 202 + Location + management URLs (followed, not just read), status 202/200,
 * history and input, the bounded long-poll, events, the instance actions, purge, list pages.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { openApiDocument } from "../../src/http/openapi.js";
import {
  expectError,
  fill,
  fragileState,
  json,
  MANAGEMENT_URL_KEYS,
  serve,
  waitForHttpStatus,
  type ManagementUrls,
  type Served,
} from "./http-kit.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function start(served: Served, path: string, body?: unknown): Promise<ManagementUrls> {
  const response = await served.api(path, body === undefined ? { method: "POST" } : json(body));
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status: 202 });
  const urls = JSON.parse(text) as ManagementUrls;
  expect(response.headers.get("location")).toBe(urls.statusQueryGetUri);
  return urls;
}

async function post(url: string, body?: unknown): Promise<Response> {
  return fetch(url, body === undefined ? { method: "POST" } : json(body));
}

describe("start", () => {
  it("starts with a generated id: 202, Location = statusQueryGetUri, every management URL, and the instance runs", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Hello", "Tokyo");
    expect(urls.id).toMatch(UUID);
    const base = `${served.url}/api/instances/${urls.id}`;
    expect(urls).toEqual({
      id: urls.id,
      statusQueryGetUri: base,
      waitForCompletionGetUri: `${base}/wait`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}`,
      terminatePostUri: `${base}/terminate?reason={text}`,
      suspendPostUri: `${base}/suspend?reason={text}`,
      resumePostUri: `${base}/resume?reason={text}`,
      rewindPostUri: `${base}/rewind?reason={text}`,
      restartPostUri: `${base}/restart`,
      purgeHistoryDeleteUri: base,
    });
    expect(Object.keys(urls).sort()).toEqual(["id", ...MANAGEMENT_URL_KEYS].sort());

    const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ instanceId: urls.id, name: "Hello", runtimeStatus: "Completed", input: "Tokyo", output: "Hello, Tokyo!" });
    const status = await fetch(urls.statusQueryGetUri);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ runtimeStatus: "Completed", output: "Hello, Tokyo!" });
  });

  it("starts with an explicit id (and characters that need escaping in a URL) without a body", async () => {
    const served = await serve();
    const id = "user:42@greeting+1=a~b";
    const urls = await start(served, `/api/orchestrators/Waiter/${encodeURIComponent(id)}`);
    expect(urls.id).toBe(id);
    expect(urls.statusQueryGetUri).toBe(`${served.url}/api/instances/${encodeURIComponent(id)}`);
    const status = await fetch(urls.statusQueryGetUri);
    expect(status.status).toBe(202);
    const body = (await status.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ instanceId: id, name: "Waiter" });
    expect(body.input).toBeUndefined();
    expect((await served.baton.client.getStatus(id))?.name).toBe("Waiter");
  });

  it("reads the body as JSON whatever its content type (curl -d sends form encoding)", async () => {
    const served = await serve({ start: false });
    const response = await served.api("/api/orchestrators/Hello/form", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: '{"city":"Kyoto"}',
    });
    expect(response.status).toBe(202);
    expect((await served.baton.client.getStatus("form"))?.input).toEqual({ city: "Kyoto" });
  });

  it("honours startAt (Pending until then) and reuseFinished=true (replaces a finished instance)", async () => {
    const served = await serve();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await start(served, `/api/orchestrators/Hello/later?startAt=${encodeURIComponent(later)}`, "x");
    const pending = await served.api("/api/instances/later");
    expect(pending.status).toBe(202);
    expect(await pending.json()).toMatchObject({ runtimeStatus: "Pending" });

    const first = await start(served, "/api/orchestrators/Hello/again", "one");
    expect((await fetch(`${first.waitForCompletionGetUri}?timeout=20000`)).status).toBe(200);
    const createdBefore = (await served.baton.client.getStatus("again"))!.createdAt;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await start(served, "/api/orchestrators/Hello/again?reuseFinished=true", "two");
    const done = await fetch(`${first.waitForCompletionGetUri}?timeout=20000`);
    expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", input: "two", output: "Hello, two!" });
    expect((await served.baton.client.getStatus("again"))!.createdAt.getTime()).toBeGreaterThan(createdBefore.getTime());
  });
});

describe("status", () => {
  it("answers 202 with Location while the instance runs and 200 once it has ended", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Waiter/st", { some: "input" });
    await waitForHttpStatus(served, "st", "Running");
    const running = await served.api("/api/instances/st");
    expect(running.status).toBe(202);
    expect(running.headers.get("location")).toBe(urls.statusQueryGetUri);
    const body = (await running.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ instanceId: "st", name: "Waiter", runtimeStatus: "Running", input: { some: "input" } });
    expect(new Date(body.createdAt as string).getTime()).toBeGreaterThan(0);
    expect(body.history).toBeUndefined();

    expect((await post(fill(urls.sendEventPostUri, { eventName: "Go" }), 1)).status).toBe(202);
    await waitForHttpStatus(served, "st", "Completed");
    const ended = await served.api("/api/instances/st");
    expect(ended.status).toBe(200);
    expect(ended.headers.get("location")).toBeNull();
  });

  it("shows the history with showHistory=true, and hides the input everywhere with showInput=false", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Hello/hist", "secret-input");
    await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);

    const full = (await (await served.api("/api/instances/hist?showHistory=true")).json()) as Record<string, unknown>;
    const history = full.history as { type: string; input?: unknown }[];
    expect(history.map((e) => e.type)).toEqual(expect.arrayContaining(["ExecutionStarted", "TaskScheduled", "TaskCompleted", "ExecutionCompleted"]));
    expect(history.find((e) => e.type === "ExecutionStarted")?.input).toBe("secret-input");
    expect(full.input).toBe("secret-input");

    const hiddenResponse = await served.api("/api/instances/hist?showHistory=true&showInput=false");
    const hiddenText = await hiddenResponse.text();
    expect(hiddenResponse.status).toBe(200);
    const hidden = JSON.parse(hiddenText) as Record<string, unknown>;
    expect("input" in hidden).toBe(false);
    const started = (hidden.history as Record<string, unknown>[]).find((e) => e.type === "ExecutionStarted")!;
    expect(started).toMatchObject({ name: "Hello" });
    expect("input" in started).toBe(false);
    expect((hidden.history as unknown[]).length).toBe(history.length);

    const plain = (await (await served.api("/api/instances/hist?showInput=false")).json()) as Record<string, unknown>;
    expect("input" in plain).toBe(false);
    expect(plain.history).toBeUndefined();
  });
});

describe("wait (long-poll)", () => {
  // Long-polls here may last an hour: one that answers during the test answered because the
  // instance ended (or its own short timeout passed), never because a time budget ran out.
  const HOUR = { http: { maxWaitMs: 3_600_000 } };

  it("answers 200 once the instance ends during the wait, not at the timeout", async () => {
    const served = await serve(HOUR);
    const urls = await start(served, "/api/orchestrators/Waiter/lp");
    await waitForHttpStatus(served, "lp", "Running");
    const waits = vi.spyOn(served.baton.client, "waitForCompletion");
    const waiting = fetch(`${urls.waitForCompletionGetUri}?timeout=1h`);
    await expect.poll(() => waits.mock.calls.length, { timeout: 20_000 }).toBe(1); // the request is waiting
    await served.baton.client.raiseEvent("lp", "Go", "now");
    const response = await waiting;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ instanceId: "lp", runtimeStatus: "Completed", output: "now" });
  });

  it("answers 200 at once for an instance that has already ended", async () => {
    const served = await serve(HOUR);
    const urls = await start(served, "/api/orchestrators/Hello/ended", "a");
    await served.baton.client.waitForCompletion("ended", { timeout: 20_000 });
    const response = await fetch(`${urls.waitForCompletionGetUri}?timeout=1h`);
    expect(response.status).toBe(200);
  });

  it("answers 202 with the running status and Location when the timeout passes", async () => {
    const served = await serve(HOUR);
    const urls = await start(served, "/api/orchestrators/Waiter/slow");
    await waitForHttpStatus(served, "slow", "Running");
    const began = Date.now();
    const response = await fetch(`${urls.waitForCompletionGetUri}?timeout=300ms`);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290); // it did wait (the upper bound is the hour)
    expect(response.status).toBe(202);
    expect(response.headers.get("location")).toBe(urls.statusQueryGetUri);
    expect(await response.json()).toMatchObject({ instanceId: "slow", runtimeStatus: "Running" });
  });

  it("waits maxWaitMs when no timeout is given, and refuses a timeout over it with 400", async () => {
    const served = await serve({ http: { maxWaitMs: 500 } });
    await start(served, "/api/orchestrators/Waiter/bounded");
    const began = Date.now();
    const response = await served.api("/api/instances/bounded/wait");
    expect(response.status).toBe(202);
    expect(Date.now() - began).toBeGreaterThanOrEqual(490);
    await expectError(await served.api("/api/instances/bounded/wait?timeout=501"), 400, "INVALID_ARGUMENT");
    await expectError(await served.api("/api/instances/bounded/wait?timeout=1s"), 400, "INVALID_ARGUMENT");
    expect((await served.api("/api/instances/bounded/wait?timeout=0")).status).toBe(202);
  });
});

describe("close()", () => {
  it("ends pending long-polls at once instead of waiting for their timeout", async () => {
    const served = await serve({ http: { maxWaitMs: 3_600_000 } });
    await start(served, "/api/orchestrators/Waiter/held");
    const waits = vi.spyOn(served.baton.client, "waitForCompletion");
    const waiting = served.api("/api/instances/held/wait?timeout=1h").then(
      (response) => response.status,
      () => "connection closed",
    );
    await expect.poll(() => waits.mock.calls.length, { timeout: 20_000 }).toBe(1); // the request is waiting
    await served.server.close(); // had it waited for the long-poll, the test would time out here
    expect(await waiting).toBe("connection closed");
    await expect(served.api("/api/health")).rejects.toThrow();
    await served.server.close(); // idempotent
  });
});

describe("instance actions through the management URLs", () => {
  it("raises an event via sendEventPostUri (the body is its data)", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Waiter");
    const raised = await post(fill(urls.sendEventPostUri, { eventName: "Go" }), { approved: true, by: "ünïcødé" });
    expect(raised.status).toBe(202);
    expect(await raised.text()).toBe("");
    const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", output: { approved: true, by: "ünïcødé" } });
  });

  it("raises an event without a body (data undefined)", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Waiter/nobody");
    expect((await post(fill(urls.sendEventPostUri, { eventName: "Go" }))).status).toBe(202);
    const done = (await (await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`)).json()) as Record<string, unknown>;
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toBeUndefined();
  });

  it("terminates via terminatePostUri with ?reason=", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Waiter");
    await waitForHttpStatus(served, urls.id, "Running");
    const response = await post(fill(urls.terminatePostUri, { text: "cancelled by ops & co" }));
    expect(response.status).toBe(202);
    const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ runtimeStatus: "Terminated", output: "cancelled by ops & co" });
  });

  it("terminates with the placeholder left out (no reason)", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Waiter");
    expect((await post(`${served.url}/api/instances/${urls.id}/terminate`)).status).toBe(202);
    const done = (await (await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`)).json()) as Record<string, unknown>;
    expect(done.runtimeStatus).toBe("Terminated");
  });

  it("suspends and resumes via suspendPostUri / resumePostUri, recording the reasons", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Waiter");
    await waitForHttpStatus(served, urls.id, "Running");
    expect((await post(fill(urls.suspendPostUri, { text: "maintenance" }))).status).toBe(202);
    const suspended = await fetch(urls.statusQueryGetUri);
    expect(suspended.status).toBe(202);
    expect(await suspended.json()).toMatchObject({ runtimeStatus: "Suspended" });
    expect((await post(fill(urls.sendEventPostUri, { eventName: "Go" }), "kept"))).toMatchObject({ status: 202 });
    expect((await post(fill(urls.resumePostUri, { text: "back" }))).status).toBe(202);
    const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", output: "kept" });
    const history = ((await (await fetch(`${urls.statusQueryGetUri}?showHistory=true`)).json()) as { history: { type: string; reason?: string }[] }).history;
    expect(history.find((e) => e.type === "ExecutionSuspended")?.reason).toBe("maintenance");
    expect(history.find((e) => e.type === "ExecutionResumed")?.reason).toBe("back");
  });

  it("rewinds a failed instance via rewindPostUri", async () => {
    fragileState.broken = true;
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Fragile/frag", 21);
    const failed = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    expect(failed.status).toBe(200);
    expect(await failed.json()).toMatchObject({ runtimeStatus: "Failed", failureDetails: { message: "bug in the first step" } });
    fragileState.broken = false;
    expect((await post(fill(urls.rewindPostUri, { text: "fixed" }))).status).toBe(202);
    const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", output: 42 });
    const history = ((await (await fetch(`${urls.statusQueryGetUri}?showHistory=true`)).json()) as { history: { type: string; reason?: string }[] }).history;
    expect(history.find((e) => e.type === "ExecutionRewound")?.reason).toBe("fixed");
  });

  it("restarts a finished instance via restartPostUri: 202, Location and management URLs, and it runs again", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Hello/re", "again");
    await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    const before = (await served.baton.client.getStatus("re", { showHistory: true }))!;
    const response = await post(urls.restartPostUri);
    expect(response.status).toBe(202);
    const restarted = (await response.json()) as ManagementUrls;
    expect(restarted).toEqual(urls);
    expect(response.headers.get("location")).toBe(urls.statusQueryGetUri);
    const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", output: "Hello, again!" });
    const after = (await served.baton.client.getStatus("re", { showHistory: true }))!;
    const executionOf = (h: typeof before.history) => (h!.find((e) => e.type === "ExecutionStarted") as { executionId?: string } | undefined)?.executionId;
    expect(executionOf(after.history)).not.toBe(executionOf(before.history));
  });

  it("purges one instance via purgeHistoryDeleteUri: 200 { instancesDeleted: 1 }, then 404", async () => {
    const served = await serve();
    const urls = await start(served, "/api/orchestrators/Hello/gone", "x");
    await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
    const response = await fetch(urls.purgeHistoryDeleteUri, { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ instancesDeleted: 1 });
    await expectError(await fetch(urls.statusQueryGetUri), 404, "INSTANCE_NOT_FOUND");
    await expectError(await fetch(urls.purgeHistoryDeleteUri, { method: "DELETE" }), 404, "INSTANCE_NOT_FOUND");
    expect(await served.baton.client.getStatus("gone")).toBeNull();
  });
});

describe("purge by filter", () => {
  it("purges only the finished instances the filters match, and requires a filter", async () => {
    const served = await serve();
    for (const id of ["keep-a", "drop-a", "drop-b"]) await start(served, `/api/orchestrators/Hello/${id}`, id);
    await start(served, "/api/orchestrators/Waiter/drop-running");
    for (const id of ["keep-a", "drop-a", "drop-b"]) await served.baton.client.waitForCompletion(id, { timeout: 20_000 });

    await expectError(await served.api("/api/instances", { method: "DELETE" }), 400, "INVALID_ARGUMENT");
    expect((await served.baton.client.list()).instances).toHaveLength(4);

    const response = await served.api("/api/instances?instanceIdPrefix=drop-&runtimeStatus=Completed", { method: "DELETE" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ instancesDeleted: 2 });
    const left = (await served.baton.client.list()).instances.map((s) => s.instanceId).sort();
    expect(left).toEqual(["drop-running", "keep-a"]);

    const byName = await served.api("/api/instances?name=Hello", { method: "DELETE" });
    expect(await byName.json()).toEqual({ instancesDeleted: 1 });
    const byDate = await served.api(`/api/instances?createdTo=${encodeURIComponent(new Date().toISOString())}`, { method: "DELETE" });
    expect(await byDate.json()).toEqual({ instancesDeleted: 0 }); // the running one is never purged
    expect((await served.baton.client.list()).instances.map((s) => s.instanceId)).toEqual(["drop-running"]);
  });
});

describe("list", () => {
  it("filters by status, name, prefix and creation time, hides inputs unless showInput=true", async () => {
    const served = await serve();
    const t0 = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const id of ["h-1", "h-2"]) await start(served, `/api/orchestrators/Hello/${id}`, id);
    await start(served, "/api/orchestrators/Waiter/w-1", "wait-input");
    for (const id of ["h-1", "h-2"]) await served.baton.client.waitForCompletion(id, { timeout: 20_000 });
    await waitForHttpStatus(served, "w-1", "Running");
    const t1 = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await start(served, "/api/orchestrators/Waiter/w-2");

    const ids = async (query: string): Promise<string[]> => {
      const response = await served.api(`/api/instances${query}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { instances: { instanceId: string }[]; continuationToken: string | null };
      expect(body.continuationToken).toBeNull();
      return body.instances.map((s) => s.instanceId).sort();
    };
    expect(await ids("")).toEqual(["h-1", "h-2", "w-1", "w-2"]);
    expect(await ids("?runtimeStatus=Completed")).toEqual(["h-1", "h-2"]);
    expect(await ids("?runtimeStatus=Running,Pending")).toEqual(["w-1", "w-2"]);
    expect(await ids("?name=Waiter")).toEqual(["w-1", "w-2"]);
    expect(await ids("?instanceIdPrefix=h-")).toEqual(["h-1", "h-2"]);
    expect(await ids(`?createdFrom=${encodeURIComponent(t0.toISOString())}&createdTo=${encodeURIComponent(t1.toISOString())}`)).toEqual(["h-1", "h-2", "w-1"]);
    expect(await ids("?name=Nobody")).toEqual([]);

    const hidden = (await (await served.api("/api/instances?instanceIdPrefix=w-1")).json()) as { instances: Record<string, unknown>[] };
    expect("input" in hidden.instances[0]!).toBe(false);
    const shown = (await (await served.api("/api/instances?instanceIdPrefix=w-1&showInput=true")).json()) as { instances: Record<string, unknown>[] };
    expect(shown.instances[0]).toMatchObject({ instanceId: "w-1", name: "Waiter", input: "wait-input" });
  });

  it("pages with continuation tokens (body and x-continuation-token header) until null", async () => {
    const served = await serve({ start: false });
    const all: string[] = [];
    for (let i = 0; i < 7; i++) {
      const id = `page-${i}`;
      all.push(id);
      await start(served, `/api/orchestrators/Waiter/${id}`);
    }
    await start(served, "/api/orchestrators/Hello/other", "x");
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: string = `?instanceIdPrefix=page-&pageSize=3${token ? `&continuationToken=${encodeURIComponent(token)}` : ""}`;
      const response = await served.api(`/api/instances${query}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { instances: { instanceId: string }[]; continuationToken: string | null };
      expect(response.headers.get("x-continuation-token")).toBe(body.continuationToken);
      expect(body.instances.length).toBeLessThanOrEqual(3);
      seen.push(...body.instances.map((s) => s.instanceId));
      token = body.continuationToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(all); // oldest first, each once
  });
});

describe("health and openapi.json", () => {
  it("GET /api/health answers 200 { status: ok }", async () => {
    const served = await serve({ start: false });
    const response = await served.api("/api/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("GET /api/openapi.json serves the OpenAPI 3.1 document", async () => {
    const served = await serve({ start: false });
    const response = await served.api("/api/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});
