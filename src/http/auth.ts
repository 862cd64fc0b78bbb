/**
 * Token auth of the HTTP API. Once a token is set, a request without it is answered 401 before
 * anything else about it is looked at (route, method, path syntax, body, its size): a caller
 * without the token learns nothing but that one is needed. Only `GET /api/health` is open, so
 * that load balancers can probe it, and the login (`POST /api/session`, see session.ts), which
 * brings the token in its body.
 */
import { timingSafeEqual } from "node:crypto";

export const UNAUTHORIZED_CODE = "UNAUTHORIZED";
export const UNAUTHORIZED_MESSAGE =
  'Send the API token as `Authorization: Bearer <token>`, or log in from a browser with `POST /api/session` and the body `{ "token": "<token>" }`.';
/** The challenge sent with every 401. */
export const WWW_AUTHENTICATE = 'Bearer realm="baton"';

/** True when `header` is `Bearer <token>` (the scheme in any case), compared in constant time. */
export function bearerMatches(header: string | undefined, token: Buffer): boolean {
  const match = /^Bearer (.+)$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  return given.length === token.length && timingSafeEqual(given, token);
}

/**
 * Whether a request, as it arrived (method and request target, unparsed), is the health
 * probe that needs no token. Exact: any other spelling of the path needs the token.
 */
export function isOpenHealthProbe(method: string | undefined, target: string | undefined): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  const path = (target ?? "").split("?", 1)[0];
  return path === "/api/health";
}
