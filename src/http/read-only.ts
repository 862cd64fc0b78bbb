/**
 * Read-only mode (`createHttpApi({ readOnly: true })`, `baton dev|start --read-only`): a
 * dashboard for looking, not touching. Every request but GET and HEAD is refused with 403
 * READ_ONLY before its route runs, except the few that change nothing: logging in and out, and
 * replay checks (they replay in memory). A route added later is refused until listed here.
 */
import type { MiddlewareHandler } from "hono";
import { HttpError } from "./request-params.js";

/** Paths (as routed, mounted under any prefix) that take POST or DELETE and write nothing. */
const CHANGES_NOTHING = /\/api\/(session|replayCheck|instances\/[^/]+\/replayCheck)$/;

export const refuseWrites: MiddlewareHandler = async (c, next) => {
  const method = c.req.method;
  if (method !== "GET" && method !== "HEAD" && !CHANGES_NOTHING.test(c.req.path)) {
    throw new HttpError("READ_ONLY", `The API is read-only: ${method} ${c.req.path} would change something. Serve it without readOnly to manage instances.`);
  }
  await next();
};
