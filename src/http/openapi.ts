/**
 * The OpenAPI 3.1 description of the HTTP API, served at /api/openapi.json. The tests compare
 * its paths and methods with the app's real routes, so the two cannot drift apart.
 */
import { STATUS_OF_CODE } from "./error-status.js";

const json = (schema: object) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: json(ref("Error")) });
const instanceId = { name: "id", in: "path", required: true, schema: { type: "string" } };
const reason = { name: "reason", in: "query", required: false, schema: { type: "string" }, description: "Recorded in the history." };
const filters = [
  { name: "runtimeStatus", in: "query", schema: { type: "string" }, description: "Comma-separated statuses, e.g. Running,Pending." },
  { name: "name", in: "query", schema: { type: "string" } },
  { name: "createdFrom", in: "query", schema: { type: "string", format: "date-time" } },
  { name: "createdTo", in: "query", schema: { type: "string", format: "date-time" } },
  { name: "instanceIdPrefix", in: "query", schema: { type: "string" } },
];
const common = {
  "400": error("Invalid input: a bad parameter, malformed JSON, a payload JSON cannot carry."),
  "401": error("Missing or wrong bearer token."),
  "403": error("Without a token: a request to a non-local host name or from another site's web page. Read-only API: a route that writes (READ_ONLY)."),
  "500": error("The store's file is damaged (STORE_CORRUPT), or an unexpected error (INTERNAL)."),
  "503": error("The store is unavailable."),
};
/** Any route that writes: a full disk refuses the write, and nothing of it is written. */
const full = { "507": error("The disk holding the store is full (STORE_FULL); nothing was written.") };
/** Any route that takes a request body: the HTTP layer refuses one over maxBodyBytes before the route runs. */
const tooLarge = { "413": error("The body is over maxBodyBytes (or, as input or event data, over the payload limit).") };
const instanceAction = (summary: string, extra: Record<string, unknown> = {}) => ({
  post: {
    summary,
    parameters: [instanceId, reason],
    responses: { "202": { description: "Accepted." }, "404": error("No such instance."), ...extra, ...tooLarge, ...full, ...common },
  },
});
const started = {
  description: "Started. `Location` is the status URL.",
  content: json(ref("ManagementUrls")),
};

/** W3C Trace Context: the instance's spans join the caller's trace (docs/observability.md). */
const traceparent = {
  name: "traceparent",
  in: "header",
  schema: { type: "string", pattern: "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$" },
  description: "The caller's trace, which every span of the instance joins; a malformed value is ignored.",
};

const tracestate = {
  name: "tracestate",
  in: "header",
  schema: { type: "string" },
  description: "Vendors' entries that came with traceparent, kept with the instance and carried by its spans; read only with a valid traceparent.",
};

export function openApiDocument(): object {
  return {
    openapi: "3.1.0",
    info: {
      title: "Baton HTTP management API",
      version: "1",
      description:
        "Manage orchestrations: start, query, wait, raise events, terminate, suspend, resume, rewind, restart, purge. " +
        `Errors are { code, message }; codes and statuses: ${Object.entries(STATUS_OF_CODE)
          .map(([code, status]) => `${code} ${status}`)
          .join(", ")}.`,
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" }, session: { type: "apiKey", in: "cookie", name: "baton_session" } },
      schemas: {
        Error: {
          type: "object",
          required: ["code", "message"],
          properties: { code: { type: "string", enum: Object.keys(STATUS_OF_CODE) }, message: { type: "string" } },
        },
        ManagementUrls: {
          type: "object",
          properties: Object.fromEntries(
            [
              "id",
              "statusQueryGetUri",
              "waitForCompletionGetUri",
              "sendEventPostUri",
              "terminatePostUri",
              "suspendPostUri",
              "resumePostUri",
              "rewindPostUri",
              "restartPostUri",
              "purgeHistoryDeleteUri",
            ].map((key) => [key, { type: "string" }]),
          ),
        },
        StatusCounts: {
          type: "object",
          properties: Object.fromEntries(["Pending", "Running", "Suspended", "Completed", "Failed", "Terminated", "ContinuedAsNew"].map((k) => [k, { type: "integer" }])),
        },
        Filter: {
          type: "object",
          description: "Which instances: every key given must match. runtimeStatus is an array of statuses (or a comma-separated string).",
          properties: {
            runtimeStatus: { type: ["array", "string"], items: { type: "string" } },
            name: { type: "string" },
            instanceIdPrefix: { type: "string" },
            createdFrom: { type: "string", format: "date-time" },
            createdTo: { type: "string", format: "date-time" },
          },
        },
        Worker: {
          type: "object",
          properties: {
            workerId: { type: "string" },
            orchestrations: { type: "array", items: { type: "string" } },
            activities: { type: "array", items: { type: "string" } },
            heartbeatAt: { type: "string", format: "date-time" },
            leaseMs: { type: "integer" },
          },
        },
        Divergence: {
          type: "object",
          description: "The first event where the code and the recorded history part.",
          properties: {
            index: { type: "integer" },
            recorded: { type: "object", properties: { type: { type: "string" }, name: { type: "string" }, seq: { type: "integer" } } },
            actual: { type: "string" },
            message: { type: "string" },
          },
        },
        BulkJob: {
          type: "object",
          properties: {
            jobId: { type: "string" },
            action: { type: "string" },
            total: { type: "integer" },
            done: { type: "integer", description: "Instances the action succeeded on." },
            failed: { type: "integer" },
            errors: { type: "array", maxItems: 50, items: { type: "object", properties: { instanceId: { type: "string" }, code: { type: "string" }, message: { type: "string" } } } },
            finished: { type: "boolean" },
          },
        },
        InstanceStatus: {
          type: "object",
          required: ["instanceId", "name", "runtimeStatus", "createdAt", "lastUpdatedAt"],
          properties: {
            instanceId: { type: "string" },
            name: { type: "string" },
            runtimeStatus: { type: "string", enum: ["Pending", "Running", "Completed", "Failed", "Terminated", "Suspended", "ContinuedAsNew"] },
            input: {},
            output: {},
            customStatus: {},
            createdAt: { type: "string", format: "date-time" },
            lastUpdatedAt: { type: "string", format: "date-time" },
            failureDetails: { type: "object" },
            stalled: { type: "object" },
            waitingForWorker: { type: "object" },
            pending: ref("PendingWork"),
            parentInstanceId: { type: "string", description: "The instance that started this one as a sub-orchestration." },
            history: { type: "array", items: { type: "object" } },
          },
        },
        PendingWork: {
          type: "object",
          description: "What a Pending, Running or Suspended instance waits on (absent once it has ended, or with showPending=false). Each list holds at most 100 items; truncated is true when one was cut.",
          required: ["activities", "timers", "events", "children"],
          properties: {
            activities: {
              type: "array",
              items: {
                type: "object",
                required: ["name", "seq", "attempt", "state"],
                properties: {
                  name: { type: "string" },
                  seq: { type: "integer" },
                  attempt: { type: "integer", minimum: 1 },
                  state: { type: "string", enum: ["running", "waiting"] },
                  nextAttemptAt: { type: "string", format: "date-time", description: "While waiting: when the attempt may start." },
                  lastFailure: {
                    type: "object",
                    description: "Why the previous attempt failed.",
                    required: ["name", "message"],
                    properties: { name: { type: "string" }, message: { type: "string" }, stack: { type: "string" } },
                  },
                },
              },
            },
            timers: {
              type: "array",
              items: { type: "object", required: ["seq", "fireAt"], properties: { seq: { type: "integer" }, fireAt: { type: "string", format: "date-time" } } },
            },
            events: { type: "array", items: { type: "string" }, description: "Names of the external events awaited." },
            children: {
              type: "array",
              items: {
                type: "object",
                required: ["instanceId", "name", "runtimeStatus"],
                properties: { instanceId: { type: "string" }, name: { type: "string" }, runtimeStatus: { type: "string" } },
              },
            },
            truncated: { type: "boolean" },
          },
        },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths: {
      "/api/health": {
        get: { summary: "The API and its store answer.", security: [], responses: { "200": { description: "Healthy." }, "500": common["500"], "503": common["503"] } },
      },
      "/api/metrics": {
        get: {
          summary:
            "Metrics in the Prometheus text format: the store's ready work (per queue and function, with the age of the oldest item) and instances per status, and what the workers of this process recorded. Names and labels: docs/observability.md.",
          responses: {
            "200": { description: "Prometheus text exposition format 0.0.4.", content: { "text/plain": { schema: { type: "string" } } } },
            "401": common["401"],
            "403": common["403"],
            "500": common["500"],
            "503": common["503"],
          },
        },
      },
      "/api/openapi.json": { get: { summary: "This document.", responses: { "200": { description: "OpenAPI 3.1." }, "401": common["401"], "403": common["403"] } } },
      "/api/session": {
        post: {
          summary: "Log a browser in: the body is { token }; the answer sets the HttpOnly cookie baton_session (an HMAC of the token) that every route then accepts.",
          security: [],
          requestBody: { required: true, content: json({ type: "object", required: ["token"], properties: { token: { type: "string" } } }) },
          responses: { "200": { description: "{ authenticated } (false when the API has no token: nothing to log in to)." }, ...tooLarge, ...common },
        },
        delete: { summary: "Log out: the session cookie is cleared.", responses: { "204": { description: "Logged out." }, ...common } },
      },
      "/api/info": {
        get: {
          summary: "What the API is, for a dashboard: version, read-only, the store's kind, whether a token protects it.",
          responses: {
            "200": {
              description: "The API.",
              content: json({
                type: "object",
                properties: { version: { type: "string" }, readOnly: { type: "boolean" }, store: { type: "string", enum: ["sqlite", "postgres"] }, authenticated: { type: "boolean" } },
              }),
            },
            ...common,
          },
        },
      },
      "/api/functions": {
        get: {
          summary: "Every function a worker announced, and whether a live worker hosts it.",
          responses: { "200": { description: "{ orchestrations: [{ name, hosted }], activities: [{ name, hosted }] }" }, ...common },
        },
      },
      "/api/workers": {
        get: {
          summary: "The live workers (heartbeat younger than their lease).",
          responses: { "200": { description: "{ workers }", content: json({ type: "object", properties: { workers: { type: "array", items: ref("Worker") } } }) }, ...common },
        },
      },
      "/api/instances/counts": {
        get: {
          summary: "Instances per status. Unfiltered: exact. Filtered: each count stops at cap (default 10,000) and capped is true when one did.",
          parameters: [...filters, { name: "cap", in: "query", schema: { type: "integer", minimum: 1 } }],
          responses: {
            "200": { description: "{ counts, capped }", content: json({ type: "object", properties: { counts: ref("StatusCounts"), capped: { type: "boolean" } } }) },
            ...common,
          },
        },
      },
      "/api/instances/{id}/history": {
        get: {
          summary: "A page of an instance's history, from position `from`; `next` is the position to ask for next, null at the end.",
          parameters: [
            instanceId,
            { name: "from", in: "query", schema: { type: "integer", minimum: 0, default: 0 } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 5000, default: 500 } },
          ],
          responses: {
            "200": {
              description: "{ events, total, next }",
              content: json({ type: "object", properties: { events: { type: "array", items: { type: "object" } }, total: { type: "integer" }, next: { type: ["integer", "null"] } } }),
            },
            "404": error("No such instance."),
            ...common,
          },
        },
      },
      "/api/instances/{id}/replayCheck": {
        post: {
          summary: "Replay the stored history against the orchestration registered in this process. Writes nothing.",
          parameters: [instanceId],
          responses: {
            "200": { description: "{ ok: true, events } or { ok: false, divergence }", content: json({ type: "object", properties: { ok: { type: "boolean" }, events: { type: "integer" }, divergence: ref("Divergence") } }) },
            "404": error("No such instance."),
            "409": error("This process has no code for the instance's orchestration (NO_CODE_LOADED)."),
            ...common,
          },
        },
      },
      "/api/replayCheck": {
        post: {
          summary: "Replay check of the instances matching a filter (default: Pending, Running and Suspended ones), at most limit (default 1000).",
          requestBody: { required: false, content: json({ type: "object", properties: { filter: ref("Filter"), limit: { type: "integer", minimum: 1 } } }) },
          responses: {
            "200": {
              description: "{ checked, diverged: [{ instanceId, name, divergence }], noCode: [names this process cannot replay] }",
              content: json({ type: "object", properties: { checked: { type: "integer" }, diverged: { type: "array", items: { type: "object" } }, noCode: { type: "array", items: { type: "string" } } } }),
            },
            ...tooLarge,
            ...common,
          },
        },
      },
      "/api/stream": {
        get: {
          summary:
            "Server-Sent Events: `instances` (changes since the last event, at most 2 a second), `workers` (when the live workers change), `bulk` (a job's progress), a comment every 15 s.",
          responses: { "200": { description: "text/event-stream", content: { "text/event-stream": { schema: { type: "string" } } } }, ...common },
        },
      },
      "/api/bulk": {
        post: {
          summary: "One action on every instance matching a filter (an empty filter is refused). dryRun counts them; otherwise a job starts.",
          requestBody: {
            required: true,
            content: json({
              type: "object",
              required: ["action", "filter"],
              properties: {
                action: { type: "string", enum: ["terminate", "suspend", "resume", "rewind", "restart", "purge", "raiseEvent"] },
                filter: ref("Filter"),
                reason: { type: "string" },
                eventName: { type: "string" },
                eventData: {},
                dryRun: { type: "boolean" },
              },
            }),
          },
          responses: {
            "200": { description: "Dry run: { count }." },
            "202": { description: "Started: { jobId, total }. Follow it with GET /api/bulk/{jobId} or the stream's bulk events." },
            ...tooLarge,
            ...full,
            ...common,
          },
        },
      },
      "/api/bulk/{jobId}": {
        get: {
          summary: "A bulk job's progress. Jobs live in the serving process: a restart forgets them (the actions are safe to run again).",
          parameters: [{ name: "jobId", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "The job.", content: json(ref("BulkJob")) }, "404": error("No such job in this process (BULK_JOB_NOT_FOUND)."), ...common },
        },
      },
      "/api/orchestrators/{name}": {
        post: {
          summary: "Start an instance with a generated id. The body (JSON, optional) is the input.",
          parameters: [
            { name: "name", in: "path", required: true, schema: { type: "string" } },
            { name: "startAt", in: "query", schema: { type: "string", format: "date-time" } },
            { name: "reuseFinished", in: "query", schema: { type: "boolean" } },
            traceparent,
            tracestate,
          ],
          requestBody: { required: false, content: json({}) },
          responses: { "202": started, "404": error("No orchestration of that name is registered; the message suggests the name most likely meant."), ...tooLarge, ...full, ...common },
        },
      },
      "/api/orchestrators/{name}/{instanceId}": {
        post: {
          summary: "Start an instance with this id.",
          parameters: [
            { name: "name", in: "path", required: true, schema: { type: "string" } },
            { name: "instanceId", in: "path", required: true, schema: { type: "string" } },
            { name: "startAt", in: "query", schema: { type: "string", format: "date-time" } },
            { name: "reuseFinished", in: "query", schema: { type: "boolean" } },
            traceparent,
            tracestate,
          ],
          requestBody: { required: false, content: json({}) },
          responses: { "202": started, "404": error("Unknown orchestration; the message suggests the name most likely meant."), "409": error("The id is taken."), ...tooLarge, ...full, ...common },
        },
      },
      "/api/instances": {
        get: {
          summary: "List instances, oldest first, a page at a time.",
          parameters: [
            ...filters,
            { name: "pageSize", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } },
            { name: "continuationToken", in: "query", schema: { type: "string" } },
            { name: "showInput", in: "query", schema: { type: "boolean" } },
          ],
          responses: {
            "200": {
              description: "A page; continuationToken is null on the last one.",
              content: json({
                type: "object",
                properties: { instances: { type: "array", items: ref("InstanceStatus") }, continuationToken: { type: ["string", "null"] } },
              }),
            },
            ...common,
          },
        },
        delete: {
          summary: "Purge the finished instances matching the filters (at least one filter is required).",
          parameters: filters,
          responses: { "200": { description: "{ instancesDeleted }" }, ...tooLarge, ...full, ...common },
        },
      },
      "/api/instances/{id}": {
        get: {
          summary: "An instance's status: 200 once it has ended, 202 while it runs.",
          parameters: [
            instanceId,
            { name: "showHistory", in: "query", schema: { type: "boolean" } },
            { name: "showInput", in: "query", schema: { type: "boolean" } },
            { name: "showPending", in: "query", schema: { type: "boolean", default: true } },
          ],
          responses: {
            "200": { description: "Ended.", content: json(ref("InstanceStatus")) },
            "202": { description: "Not ended yet.", content: json(ref("InstanceStatus")) },
            "404": error("No such instance."),
            ...common,
          },
        },
        delete: {
          summary: "Purge a finished instance and its history.",
          parameters: [instanceId],
          responses: { "200": { description: "{ instancesDeleted: 1 }" }, "404": error("No such instance."), "409": error("Not finished."), ...tooLarge, ...full, ...common },
        },
      },
      "/api/instances/{id}/wait": {
        get: {
          summary: "Long-poll: answers when the instance ends or the timeout passes (bounded by the server).",
          parameters: [instanceId, { name: "timeout", in: "query", schema: { type: "string" }, description: 'Milliseconds or a duration such as "30s".' }],
          responses: {
            "200": { description: "Ended.", content: json(ref("InstanceStatus")) },
            "202": { description: "Still running at the timeout.", content: json(ref("InstanceStatus")) },
            "404": error("No such instance."),
            ...common,
          },
        },
      },
      "/api/instances/{id}/raiseEvent/{event}": {
        post: {
          summary: "Send an event; the body (JSON, optional) is its data.",
          parameters: [instanceId, { name: "event", in: "path", required: true, schema: { type: "string" } }],
          requestBody: { required: false, content: json({}) },
          responses: { "202": { description: "Delivered." }, "404": error("No such instance."), "410": error("The instance has ended."), ...tooLarge, ...full, ...common },
        },
      },
      "/api/instances/{id}/terminate": instanceAction("Terminate a running instance.", { "410": error("The instance has ended.") }),
      "/api/instances/{id}/suspend": instanceAction("Suspend a running instance.", { "410": error("The instance has ended.") }),
      "/api/instances/{id}/resume": instanceAction("Resume a suspended instance.", { "409": error("Not suspended."), "410": error("The instance has ended.") }),
      "/api/instances/{id}/rewind": instanceAction("Rewind a failed instance to before the failing episode.", { "409": error("Not failed.") }),
      "/api/instances/{id}/restart": {
        post: {
          summary: "Start a finished instance over under the same id.",
          parameters: [instanceId, traceparent, tracestate],
          responses: { "202": started, "404": error("No such instance."), "409": error("Not finished."), ...tooLarge, ...full, ...common },
        },
      },
    },
  };
}
