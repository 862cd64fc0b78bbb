/**
 * `baton dev` and `baton start`: a worker hosting the user's functions and the HTTP API, on
 * the configured store. dev prints a live, readable timeline of every instance and the curl
 * lines to poke the API; start prints only start-up, warnings and errors. Both stop
 * gracefully on SIGTERM and SIGINT: no new work, running work finishes (up to
 * --stop-timeout), then exit 0.
 */
import { createBaton, type BatonOptions } from "../host/create-baton.js";
import type { HistoryEntry } from "../engine/history-entry.js";
import type { BatonConfig } from "../host/config.js";
import { consoleLogger, type LogLevel } from "../observability/console-logger.js";
import { DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, isLoopback, serveHttpApi } from "../http/serve.js";
import { InvalidArgumentError } from "../errors.js";
import { redact } from "../store/redact-url.js";
import { bold, describeEvent, dim } from "./format.js";
import { loadFunctions } from "./load-functions.js";

export interface ServeOptions {
  mode: "dev" | "start";
  config: BatonConfig;
  baseDir: string;
  /** The functions module given on the command line (over config.functions). */
  module: string | undefined;
  stopTimeoutMs: number;
  out: (line: string) => void;
}

const DEFAULT_STORE = "sqlite:./baton.db";

export async function serve(options: ServeOptions): Promise<{ stop(): Promise<void> }> {
  const { config, out } = options;
  const modulePath = options.module ?? config.functions;
  if (modulePath === undefined) {
    throw new InvalidArgumentError(
      `Which functions should run? Pass the module that exports them (baton ${options.mode} ./src/functions.ts) or set "functions" in baton.config.`,
    );
  }
  checkHttp(config.http);
  const level = logLevel(options.mode);
  const functions = await loadFunctions(modulePath, options.module !== undefined ? process.cwd() : options.baseDir);
  const store = config.store ?? DEFAULT_STORE;
  const names = new Map<string, string>();
  const { http, functions: _module, store: _store, ...limits } = config;
  const batonOptions: BatonOptions = {
    ...limits,
    store,
    functions,
    logger: consoleLogger(level),
    ...(options.mode === "dev"
      ? { onHistory: (instanceId: string, events: readonly HistoryEntry[]) => printEvents(out, names, instanceId, events) }
      : {}),
  };
  const baton = await createBaton(batonOptions);
  let server;
  try {
    server = await serveHttpApi(baton.client, {
      host: http?.host ?? DEFAULT_HTTP_HOST,
      port: http?.port ?? DEFAULT_HTTP_PORT,
      ...(http?.token === undefined ? {} : { token: http.token }),
      ...(http?.requireToken === undefined ? {} : { requireToken: http.requireToken }),
      ...(http?.maxBodyBytes === undefined ? {} : { maxBodyBytes: http.maxBodyBytes }),
      onUnexpectedError: (error) => console.error(`baton: HTTP API error: ${(error as Error).stack ?? String(error)}`),
    });
  } catch (error) {
    await baton.stop();
    throw error;
  }
  await baton.start();
  const hosted = functions.map((fn) => `${fn.kind === "orchestration" ? "orchestration" : "activity"} ${fn.name}`);
  out(`baton ${options.mode}: ${functions.length} functions on ${redact(store)}, API at ${server.url}/api`);
  if (options.mode === "dev") {
    for (const line of hosted) out(dim(`  ${line}`));
    const first = functions.find((fn) => fn.kind === "orchestration");
    if (first) {
      out(`\nStart one:   curl -s -X POST ${server.url}/api/orchestrators/${first.name} -d '<input as JSON>'`);
      out(`Its status:  curl -s ${server.url}/api/instances/<id>?showHistory=true`);
      out(`All:         curl -s ${server.url}/api/instances\n`);
    }
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      out(`baton ${options.mode}: stopping (running work may take up to ${options.stopTimeoutMs} ms)…`);
      await server.close();
      await baton.stop({ timeoutMs: options.stopTimeoutMs });
      out(`baton ${options.mode}: stopped`);
    })());
  return { stop };
}

/** BATON_LOG_LEVEL, as for any console logger; else info in dev (ctx.log lines show), warn in start. */
function logLevel(mode: ServeOptions["mode"]): LogLevel {
  const text = process.env.BATON_LOG_LEVEL;
  if (text === undefined || text === "") return mode === "dev" ? "info" : "warn";
  const levels: readonly LogLevel[] = ["debug", "info", "warn", "error"];
  if (!levels.includes(text as LogLevel)) throw new InvalidArgumentError(`BATON_LOG_LEVEL must be one of ${levels.join(", ")}, got "${text}".`);
  return text as LogLevel;
}

/**
 * The HTTP settings serveHttpApi would refuse, refused before the store is opened (opening
 * creates a SQLite file): a configuration error must leave nothing behind.
 */
function checkHttp(http: BatonConfig["http"]): void {
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

function printEvents(out: (line: string) => void, names: Map<string, string>, instanceId: string, events: readonly HistoryEntry[]): void {
  for (const event of events) {
    if (event.type === "EpisodeStarted") continue;
    if (event.type === "ExecutionStarted") names.set(instanceId, String(event.name));
    const clock = event.timestamp.toISOString().slice(11, 23);
    out(`${dim(clock)}  ${bold(instanceId)} ${dim(names.get(instanceId) ?? "")}  ${describeEvent(event)}`);
    if (["ExecutionCompleted", "ExecutionFailed", "ExecutionTerminated"].includes(event.type)) names.delete(instanceId);
  }
}
