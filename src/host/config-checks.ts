/**
 * The kind of every config key, and the checks that refuse a wrong one at start-up with a
 * message naming the key (or variable) and the fix: unknown keys get a "did you mean".
 */
import { toMs, type Duration } from "../definitions/duration.js";
import { unknownKey } from "../definitions/options.js";
import { InvalidArgumentError } from "../errors.js";
import type { BatonConfig, HttpConfig } from "./config.js";

export type Kind = "string" | "integer" | "duration" | "boolean" | "object";

/** What each key of the file holds; a key missing here is unknown. */
export const CONFIG_KEY_KINDS: Record<keyof BatonConfig, Kind> = {
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
  determinismGuard: "boolean",
  activities: "object",
  defaultActivityRetry: "object",
  http: "object",
};

export const HTTP_KEY_KINDS: Record<keyof HttpConfig, Kind> = {
  host: "string",
  port: "integer",
  token: "string",
  requireToken: "boolean",
  maxBodyBytes: "integer",
  readOnly: "boolean",
};

/** Refuses a value that is not an object of known keys, each of its kind (`prefix` names nested keys: "http."). */
export function checkObject(value: unknown, shape: Record<string, Kind>, where: string, prefix: string): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${where}: ${prefix ? prefix.slice(0, -1) : "the configuration"} must be an object.`);
  }
  const known = Object.keys(shape);
  for (const [key, field] of Object.entries(value)) {
    const kind = shape[key];
    if (kind === undefined) throw unknownKey(key, known, where, "key", prefix);
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

/** The value of a BATON_* variable as its key's kind, or a message naming the variable. */
export function parseEnv(variable: string, text: string, kind: Kind): unknown {
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
