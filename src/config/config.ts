/**
 * baton.config.{ts,mts,js,mjs,json}: the settings of the `baton` command, with environment
 * variables (BATON_*) over them. Unknown keys and wrong types are refused at start-up with a
 * message naming the key (or variable) and the fix.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { ActivityOptions } from "../definitions/activity.js";
import { toMs, type Duration } from "../definitions/duration.js";
import type { RetryPolicy } from "../definitions/retry-policy.js";
import { InvalidArgumentError } from "../errors.js";
import { closestKey } from "../definitions/did-you-mean.js";

export interface BatonConfig {
  /** Store URL. Default "sqlite:./baton.db" (relative to the working directory). */
  store?: string;
  /** The module that exports the functions to host (named exports, or a default export array), relative to this file. */
  functions?: string;
  maxConcurrentActivities?: number;
  maxConcurrentOrchestrations?: number;
  leaseMs?: Duration;
  pollIntervalMs?: Duration;
  maxPayloadBytes?: number;
  maxCachedOrchestrations?: number;
  maxCachedOrchestrationBytes?: number;
  inlineActivities?: boolean;
  /** Options of hosted activities by name, over their definitions' (e.g. `{ SendEmail: { concurrency: 5 } }`). */
  activities?: Record<string, ActivityOptions>;
  /** The retry policy of activities whose definition sets none. */
  defaultActivityRetry?: RetryPolicy;
  http?: HttpConfig;
}

export interface HttpConfig {
  /** Default 127.0.0.1; any other address needs `token`. */
  host?: string;
  /** Default 7071. */
  port?: number;
  /** The bearer token clients must send. Prefer BATON_HTTP_TOKEN to keep it out of files. */
  token?: string;
  /** Require the token on 127.0.0.1 too. */
  requireToken?: boolean;
  /** Largest request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** Gives a baton.config.ts its types: `export default defineConfig({ ... })`. */
export function defineConfig(config: BatonConfig): BatonConfig {
  return config;
}

export const CONFIG_FILE_NAMES = ["baton.config.ts", "baton.config.mts", "baton.config.js", "baton.config.mjs", "baton.config.json"];

export interface LoadedConfig {
  config: BatonConfig;
  /** The file read, if any. */
  file: string | undefined;
  /** Where relative paths in the file (functions) are resolved from. */
  baseDir: string;
}

type Kind = "string" | "integer" | "duration" | "boolean" | "object";

const TOP_LEVEL: Record<keyof BatonConfig, Kind> = {
  store: "string",
  functions: "string",
  maxConcurrentActivities: "integer",
  maxConcurrentOrchestrations: "integer",
  leaseMs: "duration",
  pollIntervalMs: "duration",
  maxPayloadBytes: "integer",
  maxCachedOrchestrations: "integer",
  maxCachedOrchestrationBytes: "integer",
  inlineActivities: "boolean",
  activities: "object",
  defaultActivityRetry: "object",
  http: "object",
};

const HTTP: Record<keyof HttpConfig, Kind> = {
  host: "string",
  port: "integer",
  token: "string",
  requireToken: "boolean",
  maxBodyBytes: "integer",
};

/** Environment variables over the file: variable → key path. */
export const ENVIRONMENT: Readonly<Record<string, { path: [keyof BatonConfig] | ["http", keyof HttpConfig]; kind: Kind }>> = {
  BATON_STORE: { path: ["store"], kind: "string" },
  BATON_FUNCTIONS: { path: ["functions"], kind: "string" },
  BATON_MAX_CONCURRENT_ACTIVITIES: { path: ["maxConcurrentActivities"], kind: "integer" },
  BATON_MAX_CONCURRENT_ORCHESTRATIONS: { path: ["maxConcurrentOrchestrations"], kind: "integer" },
  BATON_LEASE_MS: { path: ["leaseMs"], kind: "duration" },
  BATON_POLL_INTERVAL_MS: { path: ["pollIntervalMs"], kind: "duration" },
  BATON_MAX_PAYLOAD_BYTES: { path: ["maxPayloadBytes"], kind: "integer" },
  BATON_INLINE_ACTIVITIES: { path: ["inlineActivities"], kind: "boolean" },
  BATON_HTTP_HOST: { path: ["http", "host"], kind: "string" },
  BATON_HTTP_PORT: { path: ["http", "port"], kind: "integer" },
  BATON_HTTP_TOKEN: { path: ["http", "token"], kind: "string" },
  BATON_HTTP_REQUIRE_TOKEN: { path: ["http", "requireToken"], kind: "boolean" },
  BATON_HTTP_MAX_BODY_BYTES: { path: ["http", "maxBodyBytes"], kind: "integer" },
};

/**
 * Reads the config file (`explicitPath`, or the first of CONFIG_FILE_NAMES in `cwd`), checks
 * it, and applies the environment over it.
 */
export async function loadConfig(options: { cwd: string; explicitPath?: string; env: NodeJS.ProcessEnv }): Promise<LoadedConfig> {
  const file = findConfigFile(options.cwd, options.explicitPath);
  const raw = file === undefined ? {} : await readConfigFile(file);
  const where = file ?? "the configuration";
  checkObject(raw, TOP_LEVEL, where, "");
  const config = raw as BatonConfig;
  if (config.http !== undefined) checkObject(config.http, HTTP, where, "http.");
  if (config.activities !== undefined) {
    for (const [name, value] of Object.entries(config.activities)) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new InvalidArgumentError(`${where}: activities.${name} must be an object of activity options, e.g. { concurrency: 5 }.`);
      }
    }
  }
  const merged: BatonConfig = { ...config, ...(config.http ? { http: { ...config.http } } : {}) };
  for (const [variable, { path, kind }] of Object.entries(ENVIRONMENT)) {
    const text = options.env[variable];
    if (text === undefined || text === "") continue;
    // A path in the environment is the caller's, relative to the working directory (the file's are relative to the file).
    const value = variable === "BATON_FUNCTIONS" ? resolve(options.cwd, text) : parseEnv(variable, text, kind);
    if (path[0] === "http") (merged.http ??= {})[path[1] as keyof HttpConfig] = value as never;
    else (merged as Record<string, unknown>)[path[0]] = value;
  }
  return { config: merged, file, baseDir: file === undefined ? options.cwd : dirname(file) };
}

function findConfigFile(cwd: string, explicitPath: string | undefined): string | undefined {
  if (explicitPath !== undefined) {
    const path = isAbsolute(explicitPath) ? explicitPath : resolve(cwd, explicitPath);
    if (!existsSync(path)) throw new InvalidArgumentError(`Config file ${path} does not exist.`);
    return path;
  }
  const found = CONFIG_FILE_NAMES.map((name) => resolve(cwd, name)).filter((path) => existsSync(path));
  if (found.length > 1) {
    throw new InvalidArgumentError(`Found ${found.length} config files (${found.join(", ")}): keep one, or choose with --config.`);
  }
  return found[0];
}

async function readConfigFile(file: string): Promise<unknown> {
  if (extname(file) === ".json") {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as unknown;
    } catch (error) {
      throw new InvalidArgumentError(`${file} is not valid JSON: ${(error as Error).message}.`);
    }
  }
  const module = (await importModule(file)) as { default?: unknown };
  if (module.default === undefined) {
    throw new InvalidArgumentError(`${file} has no default export: write \`export default defineConfig({ ... })\`.`);
  }
  return module.default;
}

/** Imports a JavaScript or TypeScript module (TypeScript through tsx, no build step needed). */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    // Plain Node cannot load TypeScript: hook tsx into this process's loader once, so that the
    // user's modules share this process's batonjs (its error classes work with instanceof).
    await registerTypeScript();
    // Node remembers the failed load of `url`: the same file under another URL loads afresh.
    module = (await import(`${url}?typescript`)) as Record<string, unknown>;
  }
  // Outside a "type": "module" package, tsx compiles the file to CommonJS: the namespace's
  // default is then the whole exports object (marked __esModule), not the default export.
  const exports = module.default as { __esModule?: unknown } | undefined;
  if (typeof exports === "object" && exports !== null && exports.__esModule === true) return { ...exports } as Record<string, unknown>;
  return module;
}

let typeScriptRegistered = false;

async function registerTypeScript(): Promise<void> {
  if (typeScriptRegistered) return;
  const { register } = await import("tsx/esm/api");
  register();
  typeScriptRegistered = true;
}

function checkObject(value: unknown, shape: Record<string, Kind>, where: string, prefix: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${where}: ${prefix ? prefix.slice(0, -1) : "the configuration"} must be an object.`);
  }
  const known = Object.keys(shape);
  for (const [key, field] of Object.entries(value)) {
    const kind = shape[key];
    if (kind === undefined) {
      const close = closestKey(key, known);
      throw new InvalidArgumentError(
        `${where}: unknown key "${prefix}${key}".${close ? ` Did you mean "${prefix}${close}"?` : ""} Known keys: ${known.map((k) => prefix + k).join(", ")}.`,
      );
    }
    if (field !== undefined && !hasKind(field, kind)) {
      throw new InvalidArgumentError(`${where}: ${prefix}${key} must be ${describe(kind)}, got ${JSON.stringify(field)}.`);
    }
    if (kind === "duration" && field !== undefined) toMs(field as Duration, `${where}: ${prefix}${key}`);
  }
}

function hasKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string";
    case "integer":
      return Number.isInteger(value);
    case "duration":
      return (typeof value === "number" && Number.isFinite(value)) || typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
}

function describe(kind: Kind): string {
  return {
    string: "a string",
    integer: "a whole number",
    duration: 'a number of milliseconds or a duration such as "30s"',
    boolean: "true or false",
    object: "an object",
  }[kind];
}

function parseEnv(variable: string, text: string, kind: Kind): unknown {
  switch (kind) {
    case "integer":
      if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${variable} must be a whole number, got "${text}".`);
      return Number(text);
    case "boolean":
      if (text !== "true" && text !== "false") throw new InvalidArgumentError(`${variable} must be true or false, got "${text}".`);
      return text === "true";
    case "duration": {
      const duration = /^\d+$/.test(text) ? Number(text) : text;
      toMs(duration, variable); // refused here, naming the variable, rather than later as a key
      return duration;
    }
    default:
      return text;
  }
}
