/**
 * createHttpApi's Hono app mounted in an existing server, as docs/http-api.md shows: inside a
 * Hono app (at the root and under a prefix) and inside a plain Node server. The management URLs
 * must point where the API is actually reachable.
 */
import { getRequestListener, serve as honoServe } from "@hono/node-server";
import { Hono } from "hono";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createHttpApi } from "../../src/index.js";
import { json, onCleanup, serve, type ManagementUrls } from "./http-kit.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startAndFollow(base: string, path: string): Promise<ManagementUrls> {
  const started = await fetch(`${base}${path}`, json("Ada"));
  expect(started.status).toBe(202);
  const urls = (await started.json()) as ManagementUrls;
  expect(started.headers.get("location")).toBe(urls.statusQueryGetUri);
  const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`);
  expect(done.status).toBe(200);
  expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", output: "Hello, Ada!" });
  expect((await fetch(urls.statusQueryGetUri)).status).toBe(200);
  return urls;
}

describe("mounting createHttpApi", () => {
  it("inside an existing Hono app, at the root, next to the app's own routes", async () => {
    const { baton } = await serve();
    const app = new Hono();
    app.get("/", (c) => c.text("my app"));
    app.route("/", createHttpApi({ client: baton.client }));
    const base = await listen(honoServe({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server);
    expect(await (await fetch(`${base}/`)).text()).toBe("my app");
    const urls = await startAndFollow(base, "/api/orchestrators/Hello/at-root");
    expect(urls.statusQueryGetUri).toBe(`${base}/api/instances/at-root`);
  });

  it("inside an existing Hono app, under a prefix: the management URLs keep the prefix", async () => {
    const { baton } = await serve();
    const app = new Hono();
    app.route("/admin", createHttpApi({ client: baton.client }));
    const base = await listen(honoServe({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server);
    expect((await fetch(`${base}/admin/api/health`)).status).toBe(200);
    const urls = await startAndFollow(base, "/admin/api/orchestrators/Hello/prefixed");
    expect(urls.statusQueryGetUri).toBe(`${base}/admin/api/instances/prefixed`);
    const status = await fetch(`${base}/admin/api/instances/prefixed`);
    expect(status.status).toBe(200);
  });

  it("inside a plain Node server, which hands it the /api/ requests", async () => {
    const { baton } = await serve();
    const api = getRequestListener(createHttpApi({ client: baton.client, token: "t" }).fetch);
    const server = createServer((req, res) => {
      if (req.url?.startsWith("/api/")) return void api(req, res);
      res.end("my server");
    });
    const base = await listen(server);
    expect(await (await fetch(`${base}/other`)).text()).toBe("my server");
    expect((await fetch(`${base}/api/instances`)).status).toBe(401);
    const started = await fetch(`${base}/api/orchestrators/Hello/in-node`, { ...json("Ada"), headers: { authorization: "Bearer t" } });
    expect(started.status).toBe(202);
    const urls = (await started.json()) as ManagementUrls;
    expect(urls.statusQueryGetUri).toBe(`${base}/api/instances/in-node`);
    const done = await fetch(`${urls.waitForCompletionGetUri}?timeout=20s`, { headers: { authorization: "Bearer t" } });
    expect(await done.json()).toMatchObject({ runtimeStatus: "Completed", output: "Hello, Ada!" });
  });
});
