/**
 * Every error code of error-status.ts that a request can trigger: its HTTP status and the JSON
 * body { code, message }; and for every rejected request, that nothing was written (the whole
 * store compared, row by row, before and after).
 *
 * Not triggerable by a request, so not here: SERIALIZATION_FAILED (a parsed JSON body is always
 * serializable), STORE_UNAVAILABLE and SCHEMA_TOO_NEW (the store at open), INTERNAL (a bug).
 * UNAUTHORIZED is in security.test.ts; STORE_FULL and STORE_CORRUPT (a damaged or full disk) in
 * test/faults/.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATUS_OF_CODE } from "../../src/http/error-status.js";
import { openApiDocument } from "../../src/http/openapi.js";
import { snapshotStore, waitForIdleStore } from "../helpers/store-snapshot.js";
import { waitForStatus } from "../helpers/wait.js";
import { expectError, fragileState, json, serve, type Served } from "./http-kit.js";

const MAX_BODY = 4096;
const MAX_PAYLOAD = 1000;

type BodyInit = NonNullable<RequestInit["body"]>;
/** A body, or a function making one (a stream can be read once). */
type Body = BodyInit | (() => BodyInit) | undefined;
type Case = [label: string, method: string, path: string, body: Body, status: number, code: string];

let served: Served;
let dir: string;
let snapshot: Record<string, unknown[]>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "baton-http-errors-"));
  fragileState.broken = true;
  served = await serve({ store: `sqlite:${join(dir, "baton.db")}`, manual: true, maxPayloadBytes: MAX_PAYLOAD, http: { maxBodyBytes: MAX_BODY } });
  const { client } = served.baton;
  await client.startNew("Hello", { instanceId: "done", input: "x" });
  await client.startNew("Waiter", { instanceId: "waiting" });
  await client.startNew("Fragile", { instanceId: "failed", input: 1 });
  await client.startNew("Waiter", { instanceId: "later", startAt: new Date(Date.now() + 3_600_000) });
  expect((await client.waitForCompletion("done", { timeout: 20_000 })).runtimeStatus).toBe("Completed");
  expect((await client.waitForCompletion("failed", { timeout: 20_000 })).runtimeStatus).toBe("Failed");
  await waitForStatus(client, "waiting", "Running");
  // Once the worker has nothing left to run (only "later" waits, an hour away), the reference snapshot.
  await waitForIdleStore(served.store, 1);
  snapshot = await snapshotStore(served.store);
});

afterAll(async () => {
  await served?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function request(method: string, path: string, given?: Body): Promise<Response> {
  const init: RequestInit & { duplex?: "half" } = { method };
  const body = typeof given === "function" ? given() : given;
  if (body !== undefined) {
    init.body = body;
    if (body instanceof ReadableStream) init.duplex = "half";
  }
  return served.api(path, init);
}

async function expectRejectedAndNothingWritten([, method, path, body, status, code]: Case): Promise<void> {
  await expectError(await request(method, path, body), status, code);
  expect(await snapshotStore(served.store)).toEqual(snapshot);
}

const big = (bytes: number) => JSON.stringify("x".repeat(bytes - 2)); // a JSON string of exactly `bytes` bytes
const chunked = (bytes: number) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      const chunk = new TextEncoder().encode("x".repeat(1000));
      for (let sent = 0; sent < bytes; sent += chunk.length) controller.enqueue(chunk);
      controller.close();
    },
  });
const tooLong = "a".repeat(201);

const CASES: Case[] = [
  // INVALID_ARGUMENT 400: bad parameters, rejected before the store is touched
  ["start: invalid instance id", "POST", "/api/orchestrators/Hello/bad%20id", undefined, 400, "INVALID_ARGUMENT"],
  ["start: instance id over 200 characters", "POST", `/api/orchestrators/Hello/${tooLong}`, undefined, 400, "INVALID_ARGUMENT"],
  ["start: blank orchestration name", "POST", "/api/orchestrators/%20%20", undefined, 400, "INVALID_ARGUMENT"],
  ["start: bad startAt", "POST", "/api/orchestrators/Hello?startAt=tomorrow-ish", undefined, 400, "INVALID_ARGUMENT"],
  ["start: startAt past the largest Date", "POST", "/api/orchestrators/Hello/late?startAt=%2B275760-09-13T00:00:00.001Z", undefined, 400, "INVALID_ARGUMENT"],
  ["start: startAt more than 100 years ahead", "POST", "/api/orchestrators/Hello/late?startAt=2200-01-01T00:00:00Z", undefined, 400, "INVALID_ARGUMENT"],
  ["start: bad reuseFinished", "POST", "/api/orchestrators/Hello/done?reuseFinished=yes", undefined, 400, "INVALID_ARGUMENT"],
  ["start: unknown query parameter", "POST", "/api/orchestrators/Hello?instanceId=x", undefined, 400, "INVALID_ARGUMENT"],
  ["start: repeated query parameter", "POST", "/api/orchestrators/Hello/done?reuseFinished=true&reuseFinished=true", undefined, 400, "INVALID_ARGUMENT"],
  ["status: invalid id", "GET", "/api/instances/bad!id", undefined, 400, "INVALID_ARGUMENT"],
  ["status: bad showHistory", "GET", "/api/instances/done?showHistory=1", undefined, 400, "INVALID_ARGUMENT"],
  ["status: unknown query parameter", "GET", "/api/instances/done?history=true", undefined, 400, "INVALID_ARGUMENT"],
  ["wait: bad timeout", "GET", "/api/instances/waiting/wait?timeout=soon", undefined, 400, "INVALID_ARGUMENT"],
  ["wait: negative timeout", "GET", "/api/instances/waiting/wait?timeout=-5", undefined, 400, "INVALID_ARGUMENT"],
  ["wait: timeout over maxWaitMs (60 s)", "GET", "/api/instances/waiting/wait?timeout=61s", undefined, 400, "INVALID_ARGUMENT"],
  ["wait: timeout no clock can reach", "GET", `/api/instances/waiting/wait?timeout=1${"0".repeat(400)}`, undefined, 400, "INVALID_ARGUMENT"],
  ["wait: invalid id", "GET", "/api/instances/%E2%9C%93/wait", undefined, 400, "INVALID_ARGUMENT"],
  ["raiseEvent: query parameter", "POST", "/api/instances/waiting/raiseEvent/Go?reason=x", '"data"', 400, "INVALID_ARGUMENT"],
  ["raiseEvent: blank event name", "POST", "/api/instances/waiting/raiseEvent/%20", '"data"', 400, "INVALID_ARGUMENT"],
  ["raiseEvent: invalid id", "POST", "/api/instances/no%20pe/raiseEvent/Go", '"data"', 400, "INVALID_ARGUMENT"],
  ["terminate: a body (the reason goes in ?reason=)", "POST", "/api/instances/waiting/terminate", '"stop"', 400, "INVALID_ARGUMENT"],
  ["terminate: unknown query parameter", "POST", "/api/instances/waiting/terminate?why=x", undefined, 400, "INVALID_ARGUMENT"],
  ["suspend: repeated reason", "POST", "/api/instances/waiting/suspend?reason=a&reason=b", undefined, 400, "INVALID_ARGUMENT"],
  ["resume: a body", "POST", "/api/instances/waiting/resume", "{}", 400, "INVALID_ARGUMENT"],
  ["rewind: invalid id", "POST", `/api/instances/${tooLong}/rewind`, undefined, 400, "INVALID_ARGUMENT"],
  ["restart: query parameter", "POST", "/api/instances/done/restart?reason=x", undefined, 400, "INVALID_ARGUMENT"],
  ["restart: a body", "POST", "/api/instances/done/restart", '"x"', 400, "INVALID_ARGUMENT"],
  ["purge: query parameter", "DELETE", "/api/instances/done?force=true", undefined, 400, "INVALID_ARGUMENT"],
  ["purge: invalid id", "DELETE", "/api/instances/a%3Fb", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: no filter", "DELETE", "/api/instances", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: empty prefix (matches everything)", "DELETE", "/api/instances?instanceIdPrefix=", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: misspelt filter", "DELETE", "/api/instances?status=Completed", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: unfinished status", "DELETE", "/api/instances?runtimeStatus=Running", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: unknown status", "DELETE", "/api/instances?runtimeStatus=Completed,Done", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: bad date", "DELETE", "/api/instances?createdTo=last-week", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: blank name", "DELETE", "/api/instances?name=%20", undefined, 400, "INVALID_ARGUMENT"],
  ["purge by filter: pageSize is not a filter", "DELETE", "/api/instances?pageSize=5", undefined, 400, "INVALID_ARGUMENT"],
  ["list: pageSize 0", "GET", "/api/instances?pageSize=0", undefined, 400, "INVALID_ARGUMENT"],
  ["list: pageSize over 1000", "GET", "/api/instances?pageSize=1001", undefined, 400, "INVALID_ARGUMENT"],
  ["list: pageSize not a number", "GET", "/api/instances?pageSize=ten", undefined, 400, "INVALID_ARGUMENT"],
  ["list: forged continuation token", "GET", "/api/instances?continuationToken=not-a-token", undefined, 400, "INVALID_ARGUMENT"],
  ["list: unknown status", "GET", "/api/instances?runtimeStatus=Sleeping", undefined, 400, "INVALID_ARGUMENT"],
  ["list: bad date", "GET", "/api/instances?createdFrom=yesterday", undefined, 400, "INVALID_ARGUMENT"],
  ["list: bad showInput", "GET", "/api/instances?showInput=on", undefined, 400, "INVALID_ARGUMENT"],
  ["list: unknown query parameter", "GET", "/api/instances?top=5", undefined, 400, "INVALID_ARGUMENT"],

  // MALFORMED_JSON 400
  ["start: malformed JSON", "POST", "/api/orchestrators/Hello", "{bad", 400, "MALFORMED_JSON"],
  ["start with id: malformed JSON", "POST", "/api/orchestrators/Hello/new-one", "'single quotes'", 400, "MALFORMED_JSON"],
  ["start: binary body", "POST", "/api/orchestrators/Hello/new-one", new Uint8Array([0xff, 0xfe, 0x00, 0x81]) as unknown as BodyInit, 400, "MALFORMED_JSON"],
  ["raiseEvent: malformed JSON", "POST", "/api/instances/waiting/raiseEvent/Go", '{"approved": tru', 400, "MALFORMED_JSON"],

  // NOT_REGISTERED 404
  ["start: unknown orchestrator", "POST", "/api/orchestrators/Nope", '"x"', 404, "NOT_REGISTERED"],
  ["start: names are case-sensitive", "POST", "/api/orchestrators/hello/new-one", '"x"', 404, "NOT_REGISTERED"],
  ["start: an activity is not an orchestrator", "POST", "/api/orchestrators/Greet/new-one", '"x"', 404, "NOT_REGISTERED"],

  // INSTANCE_NOT_FOUND 404
  ["status of no instance", "GET", "/api/instances/nobody", undefined, 404, "INSTANCE_NOT_FOUND"],
  ["wait for no instance", "GET", "/api/instances/nobody/wait?timeout=5s", undefined, 404, "INSTANCE_NOT_FOUND"],
  ["raiseEvent to no instance", "POST", "/api/instances/nobody/raiseEvent/Go", '"x"', 404, "INSTANCE_NOT_FOUND"],
  ["terminate no instance", "POST", "/api/instances/nobody/terminate", undefined, 404, "INSTANCE_NOT_FOUND"],
  ["suspend no instance", "POST", "/api/instances/nobody/suspend", undefined, 404, "INSTANCE_NOT_FOUND"],
  ["resume no instance", "POST", "/api/instances/nobody/resume", undefined, 404, "INSTANCE_NOT_FOUND"],
  ["rewind no instance", "POST", "/api/instances/nobody/rewind", undefined, 404, "INSTANCE_NOT_FOUND"],
  ["restart no instance", "POST", "/api/instances/nobody/restart", undefined, 404, "INSTANCE_NOT_FOUND"],
  ["purge no instance", "DELETE", "/api/instances/nobody", undefined, 404, "INSTANCE_NOT_FOUND"],

  // ROUTE_NOT_FOUND 404
  ["unknown route", "GET", "/api/nothing-here", undefined, 404, "ROUTE_NOT_FOUND"],
  ["outside /api", "GET", "/", undefined, 404, "ROUTE_NOT_FOUND"],
  ["wrong method on a route", "PUT", "/api/instances/done", "{}", 404, "ROUTE_NOT_FOUND"],
  ["POST to the list", "POST", "/api/instances", "{}", 404, "ROUTE_NOT_FOUND"],
  ["GET an orchestrator", "GET", "/api/orchestrators/Hello", undefined, 404, "ROUTE_NOT_FOUND"],
  ["unknown action", "POST", "/api/instances/waiting/explode", undefined, 404, "ROUTE_NOT_FOUND"],
  ["raiseEvent without event name", "POST", "/api/instances/waiting/raiseEvent", '"x"', 404, "ROUTE_NOT_FOUND"],
  ["raiseEvent by GET", "GET", "/api/instances/waiting/raiseEvent/Go", undefined, 404, "ROUTE_NOT_FOUND"],
  ["too many segments", "POST", "/api/orchestrators/Hello/a/b", undefined, 404, "ROUTE_NOT_FOUND"],

  // PAYLOAD_TOO_LARGE 413: over the HTTP body limit (Content-Length or streamed), or over the payload limit
  ["start: body one byte over maxBodyBytes", "POST", "/api/orchestrators/Hello/new-one", big(MAX_BODY + 1), 413, "PAYLOAD_TOO_LARGE"],
  ["start: streamed body over maxBodyBytes", "POST", "/api/orchestrators/Hello/new-one", () => chunked(MAX_BODY + 1000), 413, "PAYLOAD_TOO_LARGE"],
  ["start: input over maxPayloadBytes", "POST", "/api/orchestrators/Hello/new-one", big(MAX_PAYLOAD + 1), 413, "PAYLOAD_TOO_LARGE"],
  ["raiseEvent: body over maxBodyBytes", "POST", "/api/instances/waiting/raiseEvent/Go", big(MAX_BODY + 1), 413, "PAYLOAD_TOO_LARGE"],
  ["raiseEvent: data over maxPayloadBytes", "POST", "/api/instances/waiting/raiseEvent/Go", big(MAX_PAYLOAD + 1), 413, "PAYLOAD_TOO_LARGE"],
  ["terminate: body over maxBodyBytes", "POST", "/api/instances/waiting/terminate", big(MAX_BODY * 3), 413, "PAYLOAD_TOO_LARGE"],

  // 409: the instance's state does not allow it
  ["start: the id of a finished instance", "POST", "/api/orchestrators/Hello/done", '"x"', 409, "INSTANCE_ALREADY_EXISTS"],
  ["start: the id of a running instance", "POST", "/api/orchestrators/Waiter/waiting", undefined, 409, "INSTANCE_ALREADY_EXISTS"],
  ["start: reuseFinished on a running instance", "POST", "/api/orchestrators/Waiter/waiting?reuseFinished=true", undefined, 409, "INSTANCE_ALREADY_EXISTS"],
  ["purge a running instance", "DELETE", "/api/instances/waiting", undefined, 409, "INSTANCE_NOT_FINISHED"],
  ["restart a running instance", "POST", "/api/instances/waiting/restart", undefined, 409, "INSTANCE_NOT_FINISHED"],
  ["restart a pending instance", "POST", "/api/instances/later/restart", undefined, 409, "INSTANCE_NOT_FINISHED"],
  ["resume a running instance", "POST", "/api/instances/waiting/resume", undefined, 409, "INSTANCE_NOT_SUSPENDED"],
  ["resume a pending instance", "POST", "/api/instances/later/resume?reason=x", undefined, 409, "INSTANCE_NOT_SUSPENDED"],
  ["rewind a completed instance", "POST", "/api/instances/done/rewind", undefined, 409, "INSTANCE_NOT_FAILED"],
  ["rewind a running instance", "POST", "/api/instances/waiting/rewind", undefined, 409, "INSTANCE_NOT_FAILED"],

  // INSTANCE_NOT_RUNNING 410: events and commands to an ended instance are Gone
  ["raiseEvent to a completed instance", "POST", "/api/instances/done/raiseEvent/Go", '"x"', 410, "INSTANCE_NOT_RUNNING"],
  ["raiseEvent to a failed instance", "POST", "/api/instances/failed/raiseEvent/Go", undefined, 410, "INSTANCE_NOT_RUNNING"],
  ["terminate a completed instance", "POST", "/api/instances/done/terminate?reason=late", undefined, 410, "INSTANCE_NOT_RUNNING"],
  ["suspend a failed instance", "POST", "/api/instances/failed/suspend", undefined, 410, "INSTANCE_NOT_RUNNING"],
  ["suspend a pending instance", "POST", "/api/instances/later/suspend", undefined, 410, "INSTANCE_NOT_RUNNING"],
  ["resume a completed instance", "POST", "/api/instances/done/resume", undefined, 410, "INSTANCE_NOT_RUNNING"],
];

describe("errors: status, { code, message }, and nothing written", () => {
  it.each(CASES)("%s: %s %s", async (...testCase) => {
    await expectRejectedAndNothingWritten(testCase);
    expect(served.unexpected).toEqual([]);
  });

  it("covers every code of the table that a request can trigger", () => {
    const covered = new Set(CASES.map((c) => c[5]));
    const notByRequest = ["SERIALIZATION_FAILED", "STORE_UNAVAILABLE", "SCHEMA_TOO_NEW", "INTERNAL"];
    const elsewhere = [
      "UNAUTHORIZED",
      "FORBIDDEN" /* security.test.ts */,
      "CLOSED" /* below */,
      "STORE_CORRUPT" /* test/faults/sqlite-corrupt-file.test.ts */,
      "STORE_FULL" /* test/faults/sqlite-full-disk.test.ts */,
      "READ_ONLY" /* dashboard-auth.test.ts */,
      "NO_CODE_LOADED" /* dashboard-routes.test.ts */,
      "BULK_JOB_NOT_FOUND" /* bulk.test.ts */,
    ];
    for (const code of Object.keys(STATUS_OF_CODE)) {
      expect(covered.has(code) || notByRequest.includes(code) || elsewhere.includes(code), code).toBe(true);
    }
  });

  it("documents, in openapi.json, each error status a route answered above", () => {
    const paths = (openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }).paths;
    const missing: string[] = [];
    for (const [label, method, path, , status, code] of CASES) {
      if (code === "ROUTE_NOT_FOUND") continue;
      const bare = path.split("?")[0]!;
      const template = Object.keys(paths).find((t) => new RegExp(`^${t.replace(/\{\w+\}/g, "[^/]+")}$`).test(bare));
      const operation = template === undefined ? undefined : paths[template]![method.toLowerCase()];
      if (!operation?.responses[String(status)]) missing.push(`${method} ${template ?? bare} ${status} (${label})`);
    }
    expect(missing).toEqual([]);
  });

  it("the fixture still answers as before the rejected requests", async () => {
    const list = (await (await served.api("/api/instances")).json()) as { instances: { instanceId: string; runtimeStatus: string }[] };
    expect(list.instances.map((s) => [s.instanceId, s.runtimeStatus]).sort()).toEqual([
      ["done", "Completed"],
      ["failed", "Failed"],
      ["later", "Pending"],
      ["waiting", "Running"],
    ]);
  });
});

describe("times no clock can reach", () => {
  it("a startAt more than 100 years ahead is answered 400 naming it and the latest time allowed", async () => {
    const body = await expectError(await served.api("/api/orchestrators/Hello/late?startAt=2200-01-01T00:00:00Z", { method: "POST" }), 400, "INVALID_ARGUMENT");
    expect(body.message).toMatch(/^startAt 2200-01-01T00:00:00\.000Z is more than 100 years ahead: the latest time allowed now is \d{4}-/);
    await expectError(await served.api("/api/instances/late"), 404, "INSTANCE_NOT_FOUND");
  });

  it("a wait timeout of Infinity is answered 400 naming the allowed range", async () => {
    const body = await expectError(await served.api(`/api/instances/waiting/wait?timeout=1${"0".repeat(400)}`), 400, "INVALID_ARGUMENT");
    expect(body.message).toBe("timeout must be a number of milliseconds from 0 to 3155760000000 ms (100 years), got Infinity.");
  });
});

describe("a stopped baton", () => {
  it("answers 503 CLOSED, health included", async () => {
    const other = await serve({ start: false });
    await other.baton.client.startNew("Hello", { instanceId: "x", input: "y" });
    await other.baton.stop();
    await expectError(await other.api("/api/health"), 503, "CLOSED");
    await expectError(await other.api("/api/instances/x"), 503, "CLOSED");
    await expectError(await other.api("/api/orchestrators/Hello", json("z")), 503, "CLOSED");
    expect(other.unexpected).toEqual([]);
  });
});

describe("an unknown orchestrator name", () => {
  it("is answered 404 NOT_REGISTERED with the name most likely meant", async () => {
    const served = await serve();
    const before = await snapshotStore(served.store);
    const body = await expectError(await served.api("/api/orchestrators/Helo", json("Tokyo")), 404, "NOT_REGISTERED");
    expect(body.message).toBe(
      'No orchestration named "Helo" is registered in this process or announced by a worker. Did you mean "Hello"? Add it to createBaton({ functions }) or check the spelling.',
    );
    const activityName = await expectError(await served.api("/api/orchestrators/Greet/new-one", json("x")), 404, "NOT_REGISTERED");
    expect(activityName.message).toContain('"Greet" is an activity, not an orchestration.');
    expect(await snapshotStore(served.store)).toEqual(before);
  });
});
