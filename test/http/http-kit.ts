/**
 * Shared by the HTTP API tests: a baton on a fresh store served on 127.0.0.1 (port 0), real
 * fetch, and the orchestrations the tests drive. Everything started is stopped after each test.
 */
import { afterEach, expect } from "vitest";
import { activity, createBaton, orchestration, serveHttpApi, type Baton, type HttpApiServer, type ServeHttpApiOptions } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { STATUS_OF_CODE } from "../../src/http/error-status.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

export const greet = activity("Greet", async (name: string) => `Hello, ${name}!`);
export const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));
/** Waits for "Go" and returns its data. */
export const waiter = orchestration("Waiter", async (ctx) => ctx.waitForExternalEvent<unknown>("Go"));
/** Fails while `fragile.broken` is set (each test sets it); rewinding after a fix completes it. */
export const fragileState = { broken: true };
export const fragile = orchestration("Fragile", async (_ctx, n: number) => {
  if (fragileState.broken) throw new Error("bug in the first step");
  return n * 2;
});
export const functions = [greet, hello, waiter, fragile];

export interface Served {
  baton: Baton;
  server: HttpApiServer;
  store: string;
  url: string;
  /** fetch against the server: `api("/api/health")`. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Unexpected errors the API reported (answered as 500). */
  unexpected: unknown[];
  /** Stops the server and the baton (done after each test unless `manual`). */
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A baton (worker started unless `start: false`) and its HTTP API on 127.0.0.1, port 0; both
 * stopped after the test, or by `close()` when `manual` (for a fixture shared by a describe).
 */
export async function serve(
  options: { start?: boolean; http?: ServeHttpApiOptions; maxPayloadBytes?: number; store?: string; manual?: boolean } = {},
): Promise<Served> {
  const store = options.store ?? tempStoreUrl();
  const baton = await createBaton({
    store,
    functions,
    logger: silentLogger,
    pollIntervalMs: 20,
    ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
  });
  let server: HttpApiServer | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await server?.close();
    await baton.stop({ timeoutMs: 2000 });
  };
  if (!options.manual) cleanups.push(close);
  try {
    if (options.start !== false) await baton.start();
    const unexpected: unknown[] = [];
    server = await serveHttpApi(baton.client, { port: 0, onUnexpectedError: (e) => unexpected.push(e), ...options.http });
    const url = server.url;
    return { baton, server, store, url, unexpected, close, api: (path, init) => fetch(url + path, init) };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Registers a cleanup to run after the current test (after those registered before it). */
export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Asserts an error response: the status, and a JSON body `{ code, message }` whose code maps to that status. */
export async function expectError(response: Response, status: number, code: string): Promise<{ code: string; message: string }> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { code: string; message: string };
  expect(body).toEqual({ code, message: expect.any(String) });
  expect(body.message.length).toBeGreaterThan(0);
  expect(STATUS_OF_CODE[code]).toBe(status);
  return body;
}

export const json = (value: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(value),
});

/** Fills the `{eventName}` / `{text}` placeholders of a management URL. */
export const fill = (template: string, values: Record<string, string>): string =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => encodeURIComponent(values[key] ?? ""));

export const MANAGEMENT_URL_KEYS = [
  "statusQueryGetUri",
  "waitForCompletionGetUri",
  "sendEventPostUri",
  "terminatePostUri",
  "suspendPostUri",
  "resumePostUri",
  "rewindPostUri",
  "restartPostUri",
  "purgeHistoryDeleteUri",
] as const;
export type ManagementUrls = { id: string } & Record<(typeof MANAGEMENT_URL_KEYS)[number], string>;

/** Polls GET /api/instances/:id until its runtimeStatus is one of `wanted`. */
export async function waitForHttpStatus(served: Served, id: string, wanted: string | string[], timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const statuses = Array.isArray(wanted) ? wanted : [wanted];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await served.api(`/api/instances/${encodeURIComponent(id)}`);
    const body = (await response.json()) as Record<string, unknown>;
    if (statuses.includes(body.runtimeStatus as string)) return body;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${id} to be ${statuses.join(" or ")}; it is ${String(body.runtimeStatus)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
