/**
 * Finds and reads the config file (or none), checks it, and applies the environment variables
 * (BATON_*) over it: a variable wins over the file.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import { InvalidArgumentError } from "../errors.js";
import type { BatonConfig, HttpConfig } from "./config.js";
import { checkObject, CONFIG_KEY_KINDS, HTTP_KEY_KINDS, parseEnv, type Kind } from "./config-checks.js";
import { importModule } from "./import-module.js";

export const CONFIG_FILE_NAMES = ["baton.config.ts", "baton.config.mts", "baton.config.js", "baton.config.mjs", "baton.config.json"];

export interface LoadedConfig {
  config: BatonConfig;
  /** The file read, if any. */
  file: string | undefined;
  /** Where relative paths in the file (functions) are resolved from. */
  baseDir: string;
}

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
  BATON_HTTP_READ_ONLY: { path: ["http", "readOnly"], kind: "boolean" },
};

/**
 * Reads the config file (`explicitPath`, or the first of CONFIG_FILE_NAMES in `cwd`), checks
 * it, and applies the environment over it.
 */
export async function loadConfig(options: { cwd: string; explicitPath?: string; env: NodeJS.ProcessEnv }): Promise<LoadedConfig> {
  const file = findConfigFile(options.cwd, options.explicitPath);
  const raw = file === undefined ? {} : await readConfigFile(file);
  const where = file ?? "the configuration";
  checkObject(raw, CONFIG_KEY_KINDS, where, "");
  const config = raw as BatonConfig;
  if (config.http !== undefined) checkObject(config.http, HTTP_KEY_KINDS, where, "http.");
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
