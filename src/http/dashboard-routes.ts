/**
 * The routes a dashboard reads: what the API is (`/api/info`), the functions and the workers,
 * counts per status, a history page by page, and replay checks against the code of this
 * process. All read only: replay checks replay in memory and write nothing.
 */
import { readFileSync } from "node:fs";
import type { Hono } from "hono";
import type { BatonClient } from "../client/client.js";
import { InvalidArgumentError } from "../errors.js";
import { commonFilter, HttpError, integerParam, jsonBody, queryOf } from "./request-params.js";

const FILTER_KEYS = ["runtimeStatus", "name", "createdFrom", "createdTo", "instanceIdPrefix"];

/** The installed package's version: package.json sits two levels up from src/http/ and dist/http/ alike. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

export function dashboardRoutes(app: Hono, options: { client: BatonClient; readOnly: boolean; authenticated: boolean }): void {
  const { client } = options;
  const version = packageVersion();

  app.get("/api/info", (c) => {
    queryOf(c, []);
    return c.json({ version, readOnly: options.readOnly, store: client.storeKind, authenticated: options.authenticated });
  });

  app.get("/api/functions", async (c) => {
    queryOf(c, []);
    return c.json(await client.listFunctions());
  });

  app.get("/api/workers", async (c) => {
    queryOf(c, []);
    return c.json({ workers: await client.listWorkers() });
  });

  app.get("/api/instances/counts", async (c) => {
    const { cap, ...query } = queryOf(c, [...FILTER_KEYS, "cap"]);
    if (query.instanceIdPrefix === "") delete query.instanceIdPrefix; // matches every id: no filter
    return c.json(await client.countInstances(commonFilter(query), cap === undefined ? {} : { cap: integerParam("cap", cap) }));
  });

  app.get("/api/instances/:id/history", async (c) => {
    const id = c.req.param("id");
    const query = queryOf(c, ["from", "limit"]);
    const page = await client.getHistoryPage(id, {
      ...(query.from === undefined ? {} : { from: integerParam("from", query.from) }),
      ...(query.limit === undefined ? {} : { limit: integerParam("limit", query.limit) }),
    });
    if (!page) throw new HttpError("INSTANCE_NOT_FOUND", `No instance "${id}". List instances with GET /api/instances.`);
    return c.json(page);
  });

  app.post("/api/instances/:id/replayCheck", async (c) => {
    queryOf(c, []);
    return c.json(await client.replayCheck(c.req.param("id")));
  });

  app.post("/api/replayCheck", async (c) => {
    queryOf(c, []);
    const body = (await jsonBody(c)) ?? {};
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw new InvalidArgumentError('The body is { "filter": { … }, "limit": 1000 }.');
    const { filter, limit, ...rest } = body as { filter?: unknown; limit?: unknown };
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw new InvalidArgumentError(`Unknown key "${unknown}": the body is { "filter": { … }, "limit": 1000 }.`);
    if (limit !== undefined && typeof limit !== "number") throw new InvalidArgumentError("limit must be a number.");
    const summary = await client.replayCheckWhere(filterOfBody(filter), limit === undefined ? {} : { limit });
    return c.json(summary);
  });
}

/** A filter given as JSON (`{ runtimeStatus: ["Running"], name, instanceIdPrefix, createdFrom, createdTo }`), as the query's. */
export function filterOfBody(filter: unknown): ReturnType<typeof commonFilter> {
  if (filter === undefined) return {};
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) throw new InvalidArgumentError("filter must be an object.");
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (!FILTER_KEYS.includes(key)) throw new InvalidArgumentError(`Unknown filter key "${key}". Known: ${FILTER_KEYS.join(", ")}.`);
    if (key === "runtimeStatus" && Array.isArray(value) && value.every((v) => typeof v === "string")) query[key] = value.join(",");
    else if (typeof value === "string") query[key] = value;
    else throw new InvalidArgumentError(`filter.${key} must be a string${key === "runtimeStatus" ? " or an array of statuses" : ""}.`);
  }
  return commonFilter(query);
}
