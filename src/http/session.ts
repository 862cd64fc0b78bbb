/**
 * Browser sessions. A page load or an EventSource cannot carry a bearer token, so a browser
 * logs in once with `POST /api/session { token }` and gets the cookie `baton_session`: an HMAC
 * of the token keyed by itself, never the token, so the cookie reveals nothing of it (and
 * changing the token ends every session). HttpOnly keeps it from scripts; SameSite=Strict keeps
 * other sites' pages from sending it; Secure when the request came over https.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Context, Hono } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { HttpError, jsonBody, queryOf } from "./request-params.js";

export const SESSION_COOKIE = "baton_session";

/** The cookie's value for this token. */
export function sessionValue(token: Buffer): string {
  return createHmac("sha256", token).update("baton session").digest("base64url");
}

/** True when the request carries this token's session cookie (compared in constant time). */
export function sessionMatches(cookie: string | undefined, token: Buffer): boolean {
  if (cookie === undefined) return false;
  const given = Buffer.from(cookie);
  const expected = Buffer.from(sessionValue(token));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The session cookie of a raw `Cookie` header (for the Node server's check before the app). */
export function sessionCookieOf(header: string | undefined): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=");
  }
  return undefined;
}

export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}

/** Whether a request, as it arrived, is the login, which needs no token (it brings one). */
export function isLoginRequest(method: string | undefined, target: string | undefined): boolean {
  return method === "POST" && (target ?? "").split("?", 1)[0] === "/api/session";
}

/** POST /api/session logs in with the token; DELETE /api/session logs out. */
export function sessionRoutes(app: Hono, token: Buffer | undefined): void {
  app.post("/api/session", async (c) => {
    queryOf(c, []);
    const body = await jsonBody(c);
    const given = typeof body === "object" && body !== null ? (body as { token?: unknown }).token : undefined;
    if (typeof given !== "string") throw new HttpError("INVALID_ARGUMENT", 'Log in with a JSON body { "token": "<the API token>" }.');
    // Without a token set, there is nothing to log in to: the API answers local callers as they are.
    if (!token) return c.json({ authenticated: false });
    const bytes = Buffer.from(given);
    if (bytes.length !== token.length || !timingSafeEqual(bytes, token)) throw new HttpError("UNAUTHORIZED", "That is not the API token.");
    setCookie(c, SESSION_COOKIE, sessionValue(token), {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https",
    });
    return c.json({ authenticated: true });
  });
  app.delete("/api/session", (c) => {
    queryOf(c, []);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });
}
