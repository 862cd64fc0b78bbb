/**
 * The HTTP management API: everything the client offers, under /api, with the paths and
 * status codes of Azure Durable Functions' HTTP API. A Hono app: mount it in your own
 * Hono or Node server, or let `serveHttpApi` (and the `baton` command) listen for it.
 *
 * Every error is `{ code, message }` with the status from error-status.ts; bad input is
 * rejected before the client (and so the store) is called.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { basePath } from "hono/route";
import type { BatonClient, ListFilter, PurgeWhereFilter } from "../client/client.js";
import type { InstanceStatus } from "../client/instance-status.js";
import { toMs } from "../definitions/duration.js";
import { checkKeys, knownKeys } from "../definitions/options.js";
import { BatonError, InvalidArgumentError, TimeoutError } from "../errors.js";
import { bearerMatches, UNAUTHORIZED_CODE, UNAUTHORIZED_MESSAGE, WWW_AUTHENTICATE } from "./auth.js";
import { BulkJobs, bulkRoutes } from "./bulk-routes.js";
import { dashboardRoutes } from "./dashboard-routes.js";
import { parseTraceparent } from "../observability/trace-context.js";
import { statusOfCode } from "./error-status.js";
import { LiveFeed, streamRoute } from "./live-stream.js";
import { openApiDocument } from "./openapi.js";
import { refuseWrites } from "./read-only.js";
import { booleanParam, commonFilter, HttpError, integerParam, jsonBody, noBody, queryOf } from "./request-params.js";
import { sessionCookie, sessionMatches, sessionRoutes } from "./session.js";
import { processFamilies, workloadFamilies } from "../observability/metrics.js";
import { PROMETHEUS_CONTENT_TYPE, prometheusText, type MetricFamily } from "../observability/prometheus-text.js";

export interface HttpApiOptions {
  client: BatonClient;
  /**
   * Required on every route but /api/health and the login, when set: as `Authorization: Bearer
   * <token>`, or as the session cookie a browser gets from `POST /api/session`.
   */
  token?: string;
  /** Refuse every route that changes something with 403 READ_ONLY (default false): a dashboard to look, not touch. */
  readOnly?: boolean;
  /** Largest request body accepted, in bytes (default 1 MiB; the client's payload limit still applies). */
  maxBodyBytes?: number;
  /** Longest wait a long-poll (`/wait?timeout=`) may ask for (default 60 s). */
  maxWaitMs?: number;
  /** Where unexpected errors (answered as 500) are reported. */
  onUnexpectedError?: (error: unknown) => void;
  /**
   * Where GET /api/metrics takes the figures that workers record (episodes, attempts, latencies,
   * slots) from. Default: the workers running in this process. `baton dev --watch` asks its
   * worker process.
   */
  workerMetrics?: () => MetricFamily[] | Promise<MetricFamily[]>;
}

export const HTTP_API_OPTION_KEYS = knownKeys<HttpApiOptions>()({
  client: true,
  token: true,
  readOnly: true,
  maxBodyBytes: true,
  maxWaitMs: true,
  onUnexpectedError: true,
  workerMetrics: true,
});

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_MAX_WAIT_MS = 60_000;

export function createHttpApi(options: HttpApiOptions): Hono {
  checkKeys(options, HTTP_API_OPTION_KEYS, "createHttpApi");
  const { client } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const token = options.token === undefined || options.token === "" ? undefined : Buffer.from(options.token);
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof BatonError || error instanceof HttpError) {
      return c.json({ code: error.code, message: error.message }, statusOfCode(error.code) as 400);
    }
    options.onUnexpectedError?.(error);
    return c.json({ code: "INTERNAL", message: "An unexpected error occurred; the server log has the details." }, 500);
  });
  app.notFound((c) => c.json({ code: "ROUTE_NOT_FOUND", message: `No route ${c.req.method} ${c.req.path}. See /api/openapi.json.` }, 404));

  app.get("/api/health", async (c) => {
    await client.list({ pageSize: 1 }); // the store answers
    return c.json({ status: "ok" });
  });

  app.use("/api/*", async (c, next) => {
    const login = c.req.method === "POST" && /\/api\/session$/.test(c.req.path);
    if (token && !login && !bearerMatches(c.req.header("authorization"), token)) {
      if (!sessionMatches(sessionCookie(c), token)) {
        c.header("WWW-Authenticate", WWW_AUTHENTICATE);
        throw new HttpError(UNAUTHORIZED_CODE, UNAUTHORIZED_MESSAGE);
      }
      refuseOtherOrigin(c);
    }
    if (!token) refuseNonLocal(c);
    await next();
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new HttpError("PAYLOAD_TOO_LARGE", `The request body is larger than ${maxBodyBytes} bytes.`);
      },
    }),
  );

  app.get("/api/openapi.json", (c) => c.json(openApiDocument()));
  sessionRoutes(app, token);

  if (options.readOnly) app.use("/api/*", refuseWrites);
  const feed = new LiveFeed(client);
  dashboardRoutes(app, { client, readOnly: options.readOnly === true, authenticated: token !== undefined });
  streamRoute(app, feed);
  bulkRoutes(app, new BulkJobs(client, feed));

  // The store's figures through the client; the workers' from where they are recorded (this
  // process's metrics module unless told otherwise): a process without a worker shows none.
  const workerMetrics = options.workerMetrics ?? processFamilies;
  app.get("/api/metrics", async (c) => {
    const [workload, workers] = await Promise.all([client.workload(), workerMetrics()]);
    const text = prometheusText([...workloadFamilies(workload), ...workers]);
    return c.body(text, 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });

  const start = async (c: Context): Promise<Response> => {
    const name = c.req.param("name")!;
    const instanceId = c.req.param("instanceId");
    const input = await jsonBody(c);
    const query = queryOf(c, ["startAt", "reuseFinished"]);
    const id = await client.startNew(name, {
      ...callerTrace(c),
      ...(input === undefined ? {} : { input }),
      ...(instanceId === undefined ? {} : { instanceId }),
      ...(query.startAt === undefined ? {} : { startAt: query.startAt }),
      ...(query.reuseFinished === undefined ? {} : { reuseFinished: booleanParam("reuseFinished", query.reuseFinished) }),
    });
    return accepted(c, id, managementUrls(c, id));
  };
  app.post("/api/orchestrators/:name", start);
  app.post("/api/orchestrators/:name/:instanceId", start);

  app.get("/api/instances/:id", async (c) => {
    const id = c.req.param("id");
    const query = queryOf(c, ["showHistory", "showInput", "showPending"]);
    const status = await client.getStatus(id, {
      showHistory: booleanParam("showHistory", query.showHistory ?? "false"),
      showInput: booleanParam("showInput", query.showInput ?? "true"),
      showPending: booleanParam("showPending", query.showPending ?? "true"),
    });
    if (!status) throw new HttpError("INSTANCE_NOT_FOUND", `No instance "${id}". List instances with GET /api/instances.`);
    return statusResponse(c, status);
  });

  app.get("/api/instances/:id/wait", async (c) => {
    const id = c.req.param("id");
    const { timeout } = queryOf(c, ["timeout"]);
    const waitMs = timeout === undefined ? maxWaitMs : toMs(/^\d+$/.test(timeout) ? Number(timeout) : timeout, "timeout");
    if (waitMs > maxWaitMs) throw new InvalidArgumentError(`timeout may be at most ${maxWaitMs} ms; poll again for longer waits.`);
    try {
      return statusResponse(c, await client.waitForCompletion(id, { timeout: waitMs }));
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      const status = await client.getStatus(id);
      if (!status) throw new HttpError("INSTANCE_NOT_FOUND", `No instance "${id}".`);
      return statusResponse(c, status);
    }
  });

  app.post("/api/instances/:id/raiseEvent/:event", async (c) => {
    queryOf(c, []);
    await client.raiseEvent(c.req.param("id"), c.req.param("event"), await jsonBody(c));
    return c.body(null, 202);
  });

  for (const action of ["terminate", "suspend", "resume", "rewind"] as const) {
    app.post(`/api/instances/:id/${action}`, async (c) => {
      const { reason } = queryOf(c, ["reason"]);
      await noBody(c);
      await client[action](c.req.param("id"), reason);
      return c.body(null, 202);
    });
  }

  app.post("/api/instances/:id/restart", async (c) => {
    queryOf(c, []);
    await noBody(c);
    const id = await client.restart(c.req.param("id"), callerTrace(c));
    return accepted(c, id, managementUrls(c, id));
  });

  app.delete("/api/instances/:id", async (c) => {
    queryOf(c, []);
    const id = c.req.param("id");
    if (!(await client.purge(id))) throw new HttpError("INSTANCE_NOT_FOUND", `No instance "${id}" to purge.`);
    return c.json({ instancesDeleted: 1 });
  });

  app.get("/api/instances", async (c) => {
    const query = queryOf(c, ["runtimeStatus", "name", "createdFrom", "createdTo", "instanceIdPrefix", "pageSize", "continuationToken", "showInput"]);
    const filter: ListFilter = { ...commonFilter(query) };
    if (query.pageSize !== undefined) filter.pageSize = integerParam("pageSize", query.pageSize);
    if (query.continuationToken !== undefined) filter.continuationToken = query.continuationToken;
    const page = await client.list(filter);
    const showInput = booleanParam("showInput", query.showInput ?? "false");
    // client.list() never returns inputs: read them one instance at a time when asked for.
    const instances = showInput ? await Promise.all(page.instances.map((status) => withInput(client, status))) : page.instances.map(withoutInput);
    if (page.continuationToken) c.header("x-continuation-token", page.continuationToken);
    return c.json({ instances, continuationToken: page.continuationToken ?? null });
  });

  app.delete("/api/instances", async (c) => {
    const query = queryOf(c, ["runtimeStatus", "name", "createdFrom", "createdTo", "instanceIdPrefix"]);
    if (Object.keys(query).length === 0) {
      throw new InvalidArgumentError("Purging needs at least one filter (e.g. ?runtimeStatus=Completed or ?createdTo=…): refusing to purge everything.");
    }
    if (query.instanceIdPrefix === "") {
      throw new InvalidArgumentError("instanceIdPrefix is empty: it would match every instance. Give a prefix, or another filter.");
    }
    const { purged } = await client.purgeWhere(commonFilter(query) as PurgeWhereFilter);
    return c.json({ instancesDeleted: purged });
  });

  return app;
}

/**
 * Without a token, only requests addressed to this machine by a local name, and not sent by a
 * web page of another site, are answered: a page in the developer's browser cannot drive the
 * API (cross-site requests carry their Origin), nor read it through DNS rebinding (the Host
 * header then names the attacker's domain).
 */
function refuseNonLocal(c: Context): void {
  const host = c.req.header("host");
  if (host !== undefined && !isLocalName(hostnameOf(`http://${host}`))) {
    throw new HttpError("FORBIDDEN", `Without a token the API answers only requests to localhost, not to "${host}". Set a token to serve other names.`);
  }
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== "null" && !isLocalName(hostnameOf(origin))) {
    throw new HttpError("FORBIDDEN", `Requests from web pages of ${origin} are refused. Set a token to allow other callers.`);
  }
  if (origin === "null") throw new HttpError("FORBIDDEN", "Requests from sandboxed or file:// pages are refused without a token.");
}

/**
 * A request authenticated by the session cookie and sent by a page of another origin is
 * refused: SameSite=Strict already keeps browsers from sending the cookie cross-site, and this
 * holds where a browser or a proxy does not honour it.
 */
function refuseOtherOrigin(c: Context): void {
  const origin = c.req.header("origin");
  if (origin === undefined) return;
  const host = c.req.header("host");
  if (origin === "null" || host === undefined || hostnameOf(origin) === undefined || new URL(origin).host !== host) {
    throw new HttpError("FORBIDDEN", `Requests with the session cookie from web pages of ${origin} are refused; send the bearer token instead.`);
  }
}

function hostnameOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

function isLocalName(hostname: string | undefined): boolean {
  return hostname === "localhost" || hostname === "[::1]" || (hostname !== undefined && /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname));
}

async function withInput(client: BatonClient, status: InstanceStatus): Promise<InstanceStatus> {
  const full = await client.getStatus(status.instanceId, { showInput: true, showPending: false });
  return full ? { ...status, input: full.input } : status; // purged meanwhile: listed without input
}

/**
 * The caller's trace (W3C Trace Context) for a start or restart: a malformed `traceparent` is
 * ignored with its `tracestate`, as the standard asks.
 */
function callerTrace(c: Context): { traceparent?: string; tracestate?: string } {
  const traceparent = c.req.header("traceparent");
  if (traceparent === undefined || !parseTraceparent(traceparent)) return {};
  const tracestate = c.req.header("tracestate");
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}

function withoutInput(status: InstanceStatus): InstanceStatus {
  const { input: _input, ...rest } = status;
  return rest as InstanceStatus;
}

/** As Azure does: 200 once the instance has ended, 202 (with Location) while it has not. */
function statusResponse(c: Context, status: InstanceStatus): Response {
  if (["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) return c.json(status, 200);
  c.header("Location", instanceUrl(c, status.instanceId));
  return c.json(status, 202);
}

function accepted(c: Context, id: string, urls: Record<string, string>): Response {
  c.header("Location", urls.statusQueryGetUri!);
  return c.json({ id, ...urls }, 202);
}

function instanceUrl(c: Context, id: string): string {
  // Mounted with parent.route("/admin", api), the API is under /admin: keep that in the URLs.
  const mountedAt = basePath(c).replace(/\/$/, "");
  return `${new URL(c.req.url).origin}${mountedAt}/api/instances/${encodeURIComponent(id)}`;
}

/** The URLs a caller needs to manage the instance, named as in Azure Durable Functions. */
function managementUrls(c: Context, id: string): Record<string, string> {
  const base = instanceUrl(c, id);
  return {
    statusQueryGetUri: base,
    waitForCompletionGetUri: `${base}/wait`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}`,
    terminatePostUri: `${base}/terminate?reason={text}`,
    suspendPostUri: `${base}/suspend?reason={text}`,
    resumePostUri: `${base}/resume?reason={text}`,
    rewindPostUri: `${base}/rewind?reason={text}`,
    restartPostUri: `${base}/restart`,
    purgeHistoryDeleteUri: base,
  };
}
