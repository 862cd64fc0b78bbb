/**
 * Read-only mode (`createHttpApi({ readOnly: true })`, `baton dev|start --read-only`): a
 * dashboard for looking, not touching. Every route that changes something carries this guard,
 * which answers 403 READ_ONLY before the route reads its request.
 */
import type { MiddlewareHandler } from "hono";
import { HttpError } from "./request-params.js";

export function readOnlyGuard(readOnly: boolean): MiddlewareHandler {
  return async (c, next) => {
    if (readOnly) throw new HttpError("READ_ONLY", `The API is read-only: ${c.req.method} ${c.req.path} would change something. Serve it without readOnly to manage instances.`);
    await next();
  };
}
