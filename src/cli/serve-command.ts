/**
 * `baton dev` and `baton start`: a worker hosting the user's functions and the HTTP API, on
 * the configured store. dev prints a live, readable timeline of every instance and the curl
 * lines to poke the API; start prints only start-up, warnings and errors. Both stop
 * gracefully on SIGTERM and SIGINT: no new work, running work finishes (up to
 * --stop-timeout), then exit 0.
 */
import { resolve } from "node:path";
import { createBaton, type Baton, type BatonOptions } from "../host/create-baton.js";
import type { HistoryEntry } from "../engine/history-entry.js";
import type { FunctionDefinition } from "../definitions/orchestration.js";
import type { BatonConfig } from "../host/config.js";
import { LOG_LEVELS, type LogLevel } from "../definitions/logger.js";
import { consoleLogger, timedConsoleLogger } from "../observability/console-logger.js";
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, isLoopback, serveHttpApi, type ServeHttpApiOptions } from "../http/serve.js";
import { InvalidArgumentError } from "../errors.js";
import { redact } from "../store/redact-url.js";
import { dim } from "./format.js";
import { loadFunctions } from "./load-functions.js";
import { Timeline } from "./timeline.js";
import { UnhostedNotice } from "./unhosted-notice.js";

export interface ServeOptions {
  mode: "dev" | "start";
  config: BatonConfig;
  baseDir: string;
  /** The functions module given on the command line (over config.functions). */
  module: string | undefined;
  stopTimeoutMs: number;
  out: (line: string) => void;
}

export const DEFAULT_STORE = "sqlite:./baton.db";

export async function serve(options: ServeOptions): Promise<{ stop(): Promise<void> }> {
  const { config, out } = options;
  checkHttp(config.http);
  const worker = await openWorker(options);
  let server;
  try {
    server = await serveHttpApi(worker.baton.client, httpApiOptions(config.http));
  } catch (error) {
    await worker.stop(options.stopTimeoutMs);
    throw error;
  }
  await worker.start();
  printBanner(out, options.mode, worker.functions, config.store ?? DEFAULT_STORE, server.url);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      out(`baton ${options.mode}: stopping (running work may take up to ${options.stopTimeoutMs} ms)…`);
      await server.close();
      await worker.stop(options.stopTimeoutMs);
      out(`baton ${options.mode}: stopped`);
    })());
  return { stop };
}

/** The absolute path of the functions module: the argument (from the working directory), else the config's. */
export function functionsModule(options: Pick<ServeOptions, "mode" | "module" | "config" | "baseDir">): string {
  const modulePath = options.module ?? options.config.functions;
  if (modulePath === undefined) {
    throw new InvalidArgumentError(
      `Which functions should run? Pass the module that exports them (baton ${options.mode} ./src/functions.ts) or set "functions" in baton.config.`,
    );
  }
  return resolve(options.module !== undefined ? process.cwd() : options.baseDir, modulePath);
}

/** serveHttpApi's options from the config's `http`. */
export function httpApiOptions(http: BatonConfig["http"]): ServeHttpApiOptions {
  return {
    host: http?.host ?? DEFAULT_HTTP_HOST,
    port: http?.port ?? DEFAULT_HTTP_PORT,
    dashboard: true,
    ...(http?.token === undefined ? {} : { token: http.token }),
    ...(http?.requireToken === undefined ? {} : { requireToken: http.requireToken }),
    ...(http?.maxBodyBytes === undefined ? {} : { maxBodyBytes: http.maxBodyBytes }),
    ...(http?.readOnly === undefined ? {} : { readOnly: http.readOnly }),
    onUnexpectedError: (error) => console.error(`baton: HTTP API error: ${(error as Error).stack ?? String(error)}`),
  };
}

/** A worker on the configured store hosting the module's functions, not yet started. */
export interface HostedWorker {
  baton: Baton;
  functions: FunctionDefinition[];
  start(): Promise<void>;
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Loads the functions module and creates the worker; in dev, with the live timeline and the
 * line for work no running worker hosts (`onUnhosted` is told each function named there).
 */
export async function openWorker(
  options: Omit<ServeOptions, "stopTimeoutMs">,
  onUnhosted?: (kind: "activity" | "orchestration", name: string) => void,
): Promise<HostedWorker> {
  const { config, out } = options;
  const modulePath = functionsModule(options);
  const level = logLevel(options.mode);
  const functions = await loadFunctions(modulePath, process.cwd());
  const names = (kind: FunctionDefinition["kind"]) => new Set(functions.filter((fn) => fn.kind === kind).map((fn) => fn.name));
  const hosted = { activities: names("activity"), orchestrations: names("orchestration") };
  const dev = options.mode === "dev";
  const timeline = dev ? new Timeline(out) : undefined;
  let notice: UnhostedNotice | undefined;
  const { http: _http, functions: _module, store: _store, ...limits } = config;
  const batonOptions: BatonOptions = {
    ...limits,
    store: config.store ?? DEFAULT_STORE,
    functions,
    logger: timeline ? timeline.logger(timedConsoleLogger(level)) : consoleLogger(level),
    ...(timeline
      ? {
          onHistory: (instanceId: string, events: readonly HistoryEntry[]) => {
            timeline.history(instanceId, events);
            notice?.history(instanceId, events);
          },
        }
      : {}),
  };
  const baton = await createBaton(batonOptions);
  if (dev) notice = new UnhostedNotice(baton.client, hosted, out, onUnhosted);
  return {
    baton,
    functions,
    async start() {
      await baton.start();
      notice?.start();
    },
    async stop(timeoutMs) {
      notice?.stop();
      await baton.stop({ timeoutMs });
      timeline?.flush();
    },
  };
}

/** The first line (what runs, where the API is), where the dashboard is; in dev, the hosted functions and how to start one. */
export function printBanner(
  out: (line: string) => void,
  mode: ServeOptions["mode"],
  functions: readonly { kind: string; name: string }[],
  store: string,
  url: string,
): void {
  out(`baton ${mode}: ${functions.length} functions on ${redact(store)}, API at ${url}/api`);
  out(`baton ${mode}: dashboard at ${url}/dashboard/`);
  if (mode !== "dev") return;
  for (const fn of functions) out(dim(`  ${fn.kind === "orchestration" ? "orchestration" : "activity"} ${fn.name}`));
  const first = functions.find((fn) => fn.kind === "orchestration");
  if (first) {
    out(`\nStart one:   curl -s -X POST ${url}/api/orchestrators/${first.name} -d '<input as JSON>'`);
    out(`Its status:  curl -s ${url}/api/instances/<id>?showHistory=true`);
    out(`All:         curl -s ${url}/api/instances\n`);
  }
}

/** BATON_LOG_LEVEL, as for any console logger; else info in dev (ctx.log lines show), warn in start. */
function logLevel(mode: ServeOptions["mode"]): LogLevel {
  const text = process.env.BATON_LOG_LEVEL;
  if (text === undefined || text === "") return mode === "dev" ? "info" : "warn";
  if (!LOG_LEVELS.includes(text as LogLevel)) throw new InvalidArgumentError(`BATON_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${text}".`);
  return text as LogLevel;
}

/**
 * The HTTP settings serveHttpApi would refuse, refused before the store is opened (opening
 * creates a SQLite file): a configuration error must leave nothing behind.
 */
export function checkHttp(http: BatonConfig["http"]): void {
  const host = http?.host ?? DEFAULT_HTTP_HOST;
  const port = http?.port ?? DEFAULT_HTTP_PORT;
  const hasToken = http?.token !== undefined && http.token !== "";
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`http port must be 0–65535, got ${port}.`);
  if (!hasToken && !isLoopback(host)) {
    throw new InvalidArgumentError(
      `Binding the HTTP API to ${host} needs a token: set http.token in baton.config or BATON_HTTP_TOKEN, or bind to 127.0.0.1.`,
    );
  }
  if (!hasToken && http?.requireToken) {
    throw new InvalidArgumentError("http.requireToken is set but no token is: set http.token in baton.config or BATON_HTTP_TOKEN.");
  }
}
