/**
 * The dashboard's typed client of the HTTP API: fetch for requests, EventSource for the
 * stream. The API lives beside the page (../api/ from /dashboard/), so the session cookie set
 * by POST /api/session goes with every request, EventSource included. A 401 from any request
 * is reported to one listener, which shows the login form.
 */

export * from "./api-types.js";
import type { BulkJob, BulkRequest, Counts, FunctionsInfo, HistoryPage, Info, InstanceChange, InstanceFilter, InstancePage, InstanceStatus, ReplayCheckResult, ReplayCheckSummary, WorkerInfo } from "./api-types.js";

/** An error answer of the API: its status and `{ code, message }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;

/** Who is told when the API answers 401 (the app shows its login form). */
export function whenUnauthorized(listener: () => void): void {
  onUnauthorized = listener;
}

function apiUrl(path: string, query?: Record<string, string | undefined>): string {
  // Read when asked, not when loaded: the view models share this module's types and constants in tests without a DOM.
  const url = new URL(path, new URL("../api/", document.baseURI));
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

async function request<T>(method: string, path: string, options: { query?: Record<string, string | undefined>; body?: unknown } = {}): Promise<T> {
  const response = await fetch(apiUrl(path, options.query), {
    method,
    credentials: "same-origin",
    headers: options.body === undefined ? {} : { "content-type": "application/json" },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const { code, message } = (body ?? {}) as { code?: string; message?: string };
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, code ?? "HTTP_" + response.status, message ?? response.statusText);
  }
  return body as T;
}

/** The filter as the API's query parameters. */
export function filterQuery(filter: InstanceFilter): Record<string, string | undefined> {
  return {
    runtimeStatus: filter.runtimeStatus?.length ? filter.runtimeStatus.join(",") : undefined,
    name: filter.name || undefined,
    instanceIdPrefix: filter.instanceIdPrefix || undefined,
    createdFrom: filter.createdFrom || undefined,
    createdTo: filter.createdTo || undefined,
  };
}

const id = (instanceId: string): string => `instances/${encodeURIComponent(instanceId)}`;

export const api = {
  info: () => request<Info>("GET", "info"),
  login: (token: string) => request<void>("POST", "session", { body: { token } }),
  logout: () => request<void>("DELETE", "session"),

  list: (filter: InstanceFilter, pageSize: number, continuationToken?: string) =>
    request<InstancePage>("GET", "instances", { query: { ...filterQuery(filter), pageSize: String(pageSize), continuationToken } }),
  counts: (filter: InstanceFilter) => {
    const { runtimeStatus: _statuses, ...rest } = filterQuery(filter);
    return request<Counts>("GET", "instances/counts", { query: rest });
  },
  status: (instanceId: string) => request<InstanceStatus>("GET", id(instanceId), { query: { showInput: "true" } }),
  history: (instanceId: string, from: number, limit: number) =>
    request<HistoryPage>("GET", `${id(instanceId)}/history`, { query: { from: String(from), limit: String(limit) } }),

  startNew: (name: string, input: unknown, instanceId?: string) =>
    request<{ id: string }>("POST", `orchestrators/${encodeURIComponent(name)}${instanceId ? `/${encodeURIComponent(instanceId)}` : ""}`, {
      ...(input === undefined ? {} : { body: input }),
    }),
  raiseEvent: (instanceId: string, eventName: string, data: unknown) =>
    request<void>("POST", `${id(instanceId)}/raiseEvent/${encodeURIComponent(eventName)}`, { ...(data === undefined ? {} : { body: data }) }),
  act: (instanceId: string, action: "terminate" | "suspend" | "resume" | "rewind", reason?: string) =>
    request<void>("POST", `${id(instanceId)}/${action}`, { query: { reason: reason || undefined } }),
  restart: (instanceId: string) => request<{ id: string }>("POST", `${id(instanceId)}/restart`),
  purge: (instanceId: string) => request<{ instancesDeleted: number }>("DELETE", id(instanceId)),
  replayCheck: (instanceId: string) => request<ReplayCheckResult>("POST", `${id(instanceId)}/replayCheck`),
  replayCheckWhere: (filter: InstanceFilter) => request<ReplayCheckSummary>("POST", "replayCheck", { body: { filter } }),

  bulkCount: (body: BulkRequest) => request<{ count: number }>("POST", "bulk", { body: { ...body, dryRun: true } }),
  bulkStart: (body: BulkRequest) => request<{ jobId: string; total: number }>("POST", "bulk", { body }),
  bulkJob: (jobId: string) => request<BulkJob>("GET", `bulk/${encodeURIComponent(jobId)}`),

  functions: () => request<FunctionsInfo>("GET", "functions"),
  workers: () => request<{ workers: WorkerInfo[] }>("GET", "workers"),
  metricsText: async (): Promise<string> => {
    const response = await fetch(apiUrl("metrics"), { credentials: "same-origin" });
    if (response.status === 401) onUnauthorized();
    if (!response.ok) throw new ApiError(response.status, "HTTP_" + response.status, "GET /api/metrics failed");
    return response.text();
  },
};

export interface StreamHandlers {
  instances?: (changes: InstanceChange[]) => void;
  workers?: () => void;
  bulk?: (job: BulkJob) => void;
  /** Connected (true) or lost, EventSource retrying (false). */
  connection?: (open: boolean) => void;
}

/** Listens to GET /api/stream; returns the function that stops listening. */
export function subscribe(handlers: StreamHandlers): () => void {
  const source = new EventSource(apiUrl("stream"), { withCredentials: true });
  const on = <T>(event: string, handle: ((data: T) => void) | undefined): void => {
    if (handle) source.addEventListener(event, (message) => handle(JSON.parse((message as MessageEvent<string>).data) as T));
  };
  on("instances", handlers.instances);
  on("workers", handlers.workers && (() => handlers.workers!()));
  on("bulk", handlers.bulk);
  source.onopen = () => handlers.connection?.(true);
  source.onerror = () => handlers.connection?.(false);
  return () => source.close();
}
