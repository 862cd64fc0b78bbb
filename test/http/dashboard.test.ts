/**
 * createDashboard and serveHttpApi({ dashboard: true }): the page and its hashed assets under a
 * strict Content-Security-Policy, cached as they should be, open without the token (they hold
 * no data) while the API beside them still needs it; and mounted in a user's own Hono app.
 */
import { Hono } from "hono";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createDashboard } from "../../src/index.js";
import { CONTENT_SECURITY_POLICY } from "../../src/http/dashboard.js";
import { serve } from "./http-kit.js";

const manifest = JSON.parse(readFileSync(new URL("../../dist/ui/manifest.json", import.meta.url), "utf8")) as { script: string; style: string; files: string[] };

describe("the dashboard served beside the API", () => {
  it("serves index.html (no-store) naming the hashed script and style, under the CSP", async () => {
    const served = await serve({ http: { dashboard: true } });
    const page = await served.api("/dashboard/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    expect(html).toContain(`<script type="module" src="${manifest.script}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="${manifest.style}">`);
    // Nothing inline that the CSP would have to allow.
    expect(html).not.toMatch(/<script>|<style|style="/);
  });

  it("serves each hashed asset as immutable with its type, and 404 for any other name", async () => {
    const served = await serve({ http: { dashboard: true } });
    const script = await served.api(`/dashboard/${manifest.script}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await script.text()).length).toBeGreaterThan(1000);
    const style = await served.api(`/dashboard/${manifest.style}`);
    expect(style.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await served.api("/dashboard/manifest.json")).status).toBe(404);
    expect((await served.api("/dashboard/main-NOTAHASH.js")).status).toBe(404);
    expect((await served.api("/dashboard/..%2Fpackage.json")).status).toBe(404);
  });

  it("redirects /dashboard to /dashboard/ (the assets' relative URLs need the slash)", async () => {
    const served = await serve({ http: { dashboard: true } });
    const response = await served.api("/dashboard?x=1", { redirect: "manual" });
    expect(response.status).toBe(308);
    expect(new URL(response.headers.get("location")!, `${served.url}/dashboard`).toString()).toBe(`${served.url}/dashboard/?x=1`);
  });

  it("with a token: the page and assets load without it, the API still refuses without it", async () => {
    const served = await serve({ http: { dashboard: true, token: "s3cret" } });
    expect((await served.api("/dashboard/")).status).toBe(200);
    expect((await served.api(`/dashboard/${manifest.script}`)).status).toBe(200);
    expect((await served.api("/api/instances")).status).toBe(401);
    expect((await served.api("/dashboard/../api/instances")).status).toBe(401);
    expect((await served.api("/api/instances", { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
  });

  it("is not served unless asked for", async () => {
    const served = await serve();
    expect((await served.api("/dashboard/")).status).toBe(404);
  });

  it("mounts in a user's own Hono app with the API beside it", async () => {
    const served = await serve({ start: false });
    const app = new Hono();
    app.get("/", (c) => c.text("my app"));
    app.route("/", createDashboard({ client: served.baton.client }));
    const page = await app.request("http://localhost/dashboard/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(manifest.script);
    expect((await app.request("http://localhost/api/instances")).status).toBe(200);
    expect(await (await app.request("http://localhost/")).text()).toBe("my app");
  });

  it("refuses an unknown option by the name the caller used", async () => {
    const served = await serve({ start: false });
    expect(() => createDashboard({ client: served.baton.client, readonly: true } as never)).toThrow(/createDashboard.*"readonly".*readOnly/s);
  });

  it("mounts under a prefix: the page's relative URLs reach its assets and the API under that prefix", async () => {
    const served = await serve({ start: false });
    const app = new Hono();
    app.route("/ops", createDashboard({ client: served.baton.client }));
    const redirect = await app.request("http://localhost/ops/dashboard");
    expect(new URL(redirect.headers.get("location")!, "http://localhost/ops/dashboard").pathname).toBe("/ops/dashboard/");
    const page = await app.request("http://localhost/ops/dashboard/");
    expect(page.status).toBe(200);
    const script = /src="([^"]+)"/.exec(await page.text())![1]!;
    expect((await app.request(new URL(script, "http://localhost/ops/dashboard/").toString())).status).toBe(200);
    // ui/api.ts asks ../api/ from the page.
    expect((await app.request(new URL("../api/instances", "http://localhost/ops/dashboard/").toString())).status).toBe(200);
  });
});
