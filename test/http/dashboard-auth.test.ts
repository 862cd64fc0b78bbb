/**
 * Browser sessions and read-only mode: a browser logs in once with the token and then sends
 * the session cookie (an HMAC of the token, never the token); a read-only API refuses every
 * route that would change something, and still answers reads, replay checks and logins.
 */
import { describe, expect, it } from "vitest";
import { UNAUTHORIZED_MESSAGE } from "../../src/http/auth.js";
import { expectError, json, serve, waitForHttpStatus } from "./http-kit.js";

const TOKEN = "s3cret-token-for-the-dashboard";

function cookieOf(response: Response): { header: string; pair: string } {
  const header = response.headers.get("set-cookie") ?? "";
  return { header, pair: header.split(";", 1)[0]! };
}

describe("browser sessions", () => {
  it("logs in with the token, then answers the cookie as it answers the bearer token", async () => {
    const served = await serve({ start: false, http: { token: TOKEN } });
    const refused = await expectError(await served.api("/api/info"), 401, "UNAUTHORIZED");
    expect(refused.message).toBe(UNAUTHORIZED_MESSAGE);
    expect(refused.message).toContain("POST /api/session");

    await expectError(await served.api("/api/session", json({ token: "wrong" })), 401, "UNAUTHORIZED");
    const login = await served.api("/api/session", json({ token: TOKEN }));
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ authenticated: true });
    const cookie = cookieOf(login);
    expect(cookie.pair).toMatch(/^baton_session=[\w-]{20,}$/);
    expect(cookie.header).not.toContain(TOKEN);
    expect(cookie.header).toMatch(/HttpOnly/i);
    expect(cookie.header).toMatch(/SameSite=Strict/i);
    expect(cookie.header).toMatch(/Path=\//);
    expect(cookie.header).not.toMatch(/Secure/i); // plain http here

    const byCookie = await served.api("/api/info", { headers: { cookie: cookie.pair } });
    expect(byCookie.status).toBe(200);
    expect(await byCookie.json()).toMatchObject({ authenticated: true, readOnly: false, store: expect.stringMatching(/^(sqlite|postgres)$/) });
    expect((await served.api("/api/instances", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // A forged or stale cookie is refused like no cookie.
    await expectError(await served.api("/api/info", { headers: { cookie: "baton_session=forged" } }), 401, "UNAUTHORIZED");

    const logout = await served.api("/api/session", { method: "DELETE", headers: { cookie: cookie.pair } });
    expect(logout.status).toBe(204);
    expect(logout.headers.get("set-cookie")).toMatch(/^baton_session=;.*Max-Age=0/i);
  });

  it("refuses the cookie on a request sent by another site's page", async () => {
    const served = await serve({ start: false, http: { token: TOKEN } });
    const { pair } = cookieOf(await served.api("/api/session", json({ token: TOKEN })));
    const host = new URL(served.url).host;
    await expectError(await served.api("/api/instances", { headers: { cookie: pair, origin: "https://evil.example" } }), 403, "FORBIDDEN");
    expect((await served.api("/api/instances", { headers: { cookie: pair, origin: `http://${host}` } })).status).toBe(200);
  });

  it("without a token, needs no login and says it is not authenticated", async () => {
    const served = await serve({ start: false });
    expect(await (await served.api("/api/session", json({ token: "anything" }))).json()).toEqual({ authenticated: false });
    expect(await (await served.api("/api/info")).json()).toMatchObject({ authenticated: false, version: expect.any(String) });
  });
});

describe("read-only mode", () => {
  it("answers 403 READ_ONLY to every route that changes something, and still reads", async () => {
    const writable = await serve();
    const started = (await (await writable.api("/api/orchestrators/Hello/ro-1", json("Tokyo"))).json()) as { id: string };
    await waitForHttpStatus(writable, started.id, "Completed");
    await writable.close();

    const served = await serve({ store: writable.store, http: { readOnly: true } });
    expect(await (await served.api("/api/info")).json()).toMatchObject({ readOnly: true });
    for (const [method, path, body] of [
      ["POST", "/api/orchestrators/Hello", '"x"'],
      ["POST", "/api/orchestrators/Hello/ro-2", '"x"'],
      ["POST", "/api/instances/ro-1/raiseEvent/Go", "1"],
      ["POST", "/api/instances/ro-1/terminate", ""],
      ["POST", "/api/instances/ro-1/suspend", ""],
      ["POST", "/api/instances/ro-1/resume", ""],
      ["POST", "/api/instances/ro-1/rewind", ""],
      ["POST", "/api/instances/ro-1/restart", ""],
      ["DELETE", "/api/instances/ro-1", ""],
      ["DELETE", "/api/instances?runtimeStatus=Completed", ""],
      ["POST", "/api/bulk", JSON.stringify({ action: "purge", filter: { runtimeStatus: ["Completed"] } })],
    ] as const) {
      const body403 = await expectError(await served.api(path, { method, ...(body ? { body } : {}) }), 403, "READ_ONLY");
      expect(body403.message).toContain("read-only");
    }
    expect((await (await served.api("/api/instances/ro-1")).json()) as object).toMatchObject({ runtimeStatus: "Completed" });
    expect((await served.api("/api/instances")).status).toBe(200);
    expect((await served.api("/api/instances/ro-1/replayCheck", { method: "POST" })).status).toBe(200);
    expect((await served.api("/api/session", json({ token: "x" }))).status).toBe(200);
  });
});
