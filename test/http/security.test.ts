/**
 * Safe by default: loopback unless a token is set; with a token, every route but /api/health
 * wants `Authorization: Bearer <token>`, and a refused request writes nothing.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError, serveHttpApi } from "../../src/index.js";
import { UNAUTHORIZED_MESSAGE } from "../../src/http/auth.js";
import { snapshotStore, waitForIdleStore } from "../helpers/store-snapshot.js";
import { expectError, json, onCleanup, serve, type Served } from "./http-kit.js";

const TOKEN = "s3cret-token-for-tests";
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A fetch to 127.0.0.1 at the server's port, whatever address it is bound to. */
const local = (served: Served) => (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${new URL(served.url).port}${path}`, init);

describe("where it listens", () => {
  it("listens on 127.0.0.1 by default", async () => {
    const served = await serve({ start: false });
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(served.url).port)).toBeGreaterThan(0);
    expect((await served.api("/api/health")).status).toBe(200);
  });

  it.each(["0.0.0.0", "::", "192.0.2.1", "example.com"])("refuses to bind %s without a token (InvalidArgumentError, nothing listening)", async (host) => {
    const served = await serve({ start: false });
    await expect(serveHttpApi(served.baton.client, { host, port: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(serveHttpApi(served.baton.client, { host, port: 0, token: "" })).rejects.toThrow(/needs a token/);
  });

  it("refuses requireToken without a token, and a port out of range", async () => {
    const served = await serve({ start: false });
    await expect(serveHttpApi(served.baton.client, { port: 0, requireToken: true })).rejects.toThrow(InvalidArgumentError);
    await expect(serveHttpApi(served.baton.client, { port: 70_000 })).rejects.toThrow(InvalidArgumentError);
    await expect(serveHttpApi(served.baton.client, { port: -1 })).rejects.toThrow(InvalidArgumentError);
  });

  it("rejects when the port is taken", async () => {
    const served = await serve({ start: false });
    const port = Number(new URL(served.url).port);
    await expect(serveHttpApi(served.baton.client, { port })).rejects.toThrow(/EADDRINUSE/);
  });

  it("binds 0.0.0.0 when given a token", async () => {
    const served = await serve({ start: false });
    const server = await serveHttpApi(served.baton.client, { host: "0.0.0.0", port: 0, token: TOKEN });
    onCleanup(() => server.close());
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const port = new URL(server.url).port;
    expect((await fetch(`http://127.0.0.1:${port}/api/instances`)).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${port}/api/instances`, { headers: bearer(TOKEN) })).status).toBe(200);
  });
});

describe.each([
  ["a token on 0.0.0.0", { host: "0.0.0.0", token: TOKEN }],
  ["requireToken on loopback", { token: TOKEN, requireToken: true }],
  ["a token on loopback (always enforced once set)", { token: TOKEN }],
])("with %s", (_label, http) => {
  it("answers 401 with WWW-Authenticate to a missing, wrong or malformed token, and writes nothing", async () => {
    const served = await serve({ http });
    const api = local(served);
    await served.baton.client.startNew("Hello", { instanceId: "known", input: "x" });
    await served.baton.client.waitForCompletion("known", { timeout: 20_000 });
    await waitForIdleStore(served.store);
    const before = await snapshotStore(served.store);

    const attempts: [string, RequestInit][] = [
      ["/api/instances", {}],
      ["/api/instances/known", { headers: bearer("wrong") }],
      ["/api/instances/known", { headers: bearer(`${TOKEN}x`) }],
      ["/api/instances/known", { headers: bearer(TOKEN.slice(0, -1)) }],
      ["/api/instances/known", { headers: { authorization: TOKEN } }],
      ["/api/instances/known", { headers: { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` } }],
      ["/api/instances/known", { headers: { authorization: "Bearer " } }],
      ["/api/openapi.json", {}],
      ["/api/nothing-here", {}], // no hint which routes exist
      ["/api/orchestrators/Hello/new-one", { ...json("x") }],
      ["/api/orchestrators/Nope", { ...json("x"), headers: bearer("wrong") }],
      ["/api/instances/known/restart", { method: "POST" }],
      ["/api/instances/known", { method: "DELETE", headers: bearer("wrong") }],
      ["/api/instances?runtimeStatus=Completed", { method: "DELETE" }],
      ["/api/orchestrators/Hello/huge", { method: "POST", body: "x".repeat(2 * 1024 * 1024) }],
    ];
    for (const [path, init] of attempts) {
      const response = await api(path, init);
      expect(response.headers.get("www-authenticate"), path).toBe('Bearer realm="baton"');
      await expectError(response, 401, "UNAUTHORIZED");
    }
    expect(await snapshotStore(served.store)).toEqual(before);
    expect(await served.baton.client.getStatus("new-one")).toBeNull();
  });

  it("accepts the right token (the scheme is case-insensitive)", async () => {
    const served = await serve({ http });
    const api = local(served);
    const started = await api("/api/orchestrators/Hello/ok", { ...json("x"), headers: { ...bearer(TOKEN), "content-type": "application/json" } });
    expect(started.status).toBe(202);
    expect((await api("/api/instances/ok/wait?timeout=20s", { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    expect((await api("/api/openapi.json", { headers: bearer(TOKEN) })).status).toBe(200);
    await expectError(await api("/api/nothing-here", { headers: bearer(TOKEN) }), 404, "ROUTE_NOT_FOUND");
  });

  it("serves /api/health without a token", async () => {
    const served = await serve({ start: false, http });
    const response = await local(served)("/api/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
    const base = `http://127.0.0.1:${new URL(served.url).port}`;
    expect((await rawRequest(base, "GET", "/api/health?probe=1", {})).status).toBe(200);
    expect((await rawRequest(base, "HEAD", "/api/health", {})).status).toBe(200);
  });

  it.each([
    ["GET", "/api\\instances", {}],
    ["GET", "/api\\..\\api\\instances\\known", {}],
    ["GET", "/%61pi/instances", {}],
    ["GET", "/api%2Finstances", {}],
    ["GET", "/api/%2e%2e/api/instances", {}],
    ["GET", "//api/instances", {}],
    ["GET", "/API/instances", {}],
    ["GET", "/api/health/../instances", {}],
    ["GET", "/api/health%2F..%2Finstances", {}],
    ["GET", "/api/health/", {}],
    ["GET", "/nothing-here", {}],
    ["GET", "/", {}],
    ["GET", "/api/instances", { host: "bad host name" }],
    ["PUT", "/api/instances", {}],
    ["PATCH", "/api/instances/known", {}],
    ["OPTIONS", "/api/instances", {}],
    ["OPTIONS", "*", {}],
    ["POST", "/api/health", {}],
    ["DELETE", "/api/health", {}],
    ["POST", "/api\\orchestrators\\Hello\\big", {}, "x".repeat(2 * 1024 * 1024)],
    ["POST", "/api/orchestrators/Hello/big", { "content-type": "application/json" }, JSON.stringify("x".repeat(512 * 1024))],
  ] as [string, string, Record<string, string>, string?][])(
    "answers 401 to %s %s without the token, before the path, route, method or body is looked at",
    async (method, path, headers, body) => {
      const served = await serve({ start: false, http });
      const before = await snapshotStore(served.store);
      const answer = await rawRequest(`http://127.0.0.1:${new URL(served.url).port}`, method, path, headers, body);
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 401,
        body: JSON.stringify({ code: "UNAUTHORIZED", message: UNAUTHORIZED_MESSAGE }),
      });
      expect(answer.headers["www-authenticate"]).toBe('Bearer realm="baton"');
      expect(answer.headers["content-type"]).toMatch(/^application\/json/);
      expect(await snapshotStore(served.store)).toEqual(before);
      expect(served.unexpected).toEqual([]);
    },
  );

  it("with the token, a malformed path is 400 and an unknown route 404, as without a token set", async () => {
    const served = await serve({ start: false, http });
    const base = `http://127.0.0.1:${new URL(served.url).port}`;
    const backslash = await rawRequest(base, "GET", "/api\\instances", bearer(TOKEN));
    expect(backslash.status).toBe(400);
    expect(JSON.parse(backslash.body)).toMatchObject({ code: "INVALID_ARGUMENT" });
    const unknown = await rawRequest(base, "GET", "/nothing-here", bearer(TOKEN));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: "ROUTE_NOT_FOUND" });
  });
});

/**
 * A raw request, so that Host and Origin can be set as a browser or a rebinding attacker would,
 * and the path is sent as written (fetch would turn a backslash into a slash).
 */
function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const request = httpRequest({ host: target.hostname, port: target.port, method, path, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text, headers: response.headers }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("without a token: only local callers", () => {
  it("refuses a request addressed to another host name (DNS rebinding) with 403 FORBIDDEN, writing nothing", async () => {
    const served = await serve({ start: false });
    const before = await snapshotStore(served.store);
    for (const host of ["evil.example:7071", "attacker.test", "192.168.1.10:7071"]) {
      const answer = await rawRequest(served.url, "POST", "/api/orchestrators/Greeting/x", { host, "content-type": "application/json" });
      expect(answer.status, host).toBe(403);
      expect(JSON.parse(answer.body)).toEqual({ code: "FORBIDDEN", message: expect.stringMatching(/Set a token/) });
    }
    expect(await snapshotStore(served.store)).toEqual(before);
  });

  it("refuses a request sent by another site's web page (Origin) with 403, and accepts local origins", async () => {
    const served = await serve({ start: false });
    const port = new URL(served.url).port;
    for (const origin of ["https://evil.example", "null", "http://192.168.1.10"]) {
      const answer = await rawRequest(served.url, "GET", "/api/instances", { host: `127.0.0.1:${port}`, origin });
      expect(answer.status, origin).toBe(403);
      expect(JSON.parse(answer.body).code).toBe("FORBIDDEN");
    }
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      const answer = await rawRequest(served.url, "GET", "/api/instances", { host: `localhost:${port}`, origin });
      expect(answer.status, origin).toBe(200);
    }
  });

  it("with a token, serves any host name and origin that sends it", async () => {
    const served = await serve({ start: false, http: { token: TOKEN } });
    const answer = await rawRequest(served.url, "GET", "/api/instances", { host: "baton.internal", origin: "https://ops.example", ...bearer(TOKEN) });
    expect(answer.status).toBe(200);
  });
});
