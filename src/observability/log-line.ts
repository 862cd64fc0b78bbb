/**
 * One log call as one line of text, in the console logger's two formats:
 * - text, for people: `12:00:01.250 WARN  activity attempt failed  instanceId=o-1 name=Charge attempt=2 …`
 *   (UTC time, level, message, then the fields as key=value: the context first, the long ids last);
 * - JSON, for log stores: `{"time":"…Z","level":"warn","msg":"…","instanceId":"o-1",…}`.
 * Arguments that are not fields are formatted into the message as console.log would.
 * Formatting never throws: a value JSON cannot carry is written as well as it can be.
 */
import { format } from "node:util";
import { splitLogArgs, type LogFields, type LogLevel } from "../definitions/logger.js";

export type LogFormat = "text" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

/** Printed first, in this order: what a reader looks for. */
const LEADING = ["instanceId", "name", "seq", "attempt"];
/** Printed last: long, and read only when several workers or generations are mixed, or to find the trace. */
const TRAILING = ["executionId", "workerId", "trace_id", "span_id"];
/** The keys of a JSON line itself; a field of the same name is written with `_` before it. */
const RESERVED = new Set(["time", "level", "msg"]);

export function formatLogLine(logFormat: LogFormat, level: LogLevel, time: Date, message: string, args: readonly unknown[]): string {
  try {
    const { fields = {}, rest } = splitLogArgs(args);
    const msg = rest.length > 0 ? format(message, ...rest) : message;
    return logFormat === "json" ? jsonLine(level, time, msg, fields) : textLine(level, time, msg, fields);
  } catch (error) {
    // A getter or a toJSON that throws: the line still says what happened, without its fields.
    const unwritable = { fieldsNotWritten: error instanceof Error ? error.message : "unknown error" };
    return logFormat === "json" ? jsonLine(level, time, String(message), unwritable) : textLine(level, time, String(message), unwritable);
  }
}

function textLine(level: LogLevel, time: Date, msg: string, fields: LogFields): string {
  const keys = Object.keys(fields).filter((key) => fields[key] !== undefined);
  const middle = keys.filter((key) => !LEADING.includes(key) && !TRAILING.includes(key));
  const ordered = [...LEADING.filter((key) => keys.includes(key)), ...middle, ...TRAILING.filter((key) => keys.includes(key))];
  const pairs = ordered.map((key) => `${key}=${textValue(fields[key])}`).join(" ");
  const head = `${time.toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}`;
  return pairs ? `${head}  ${pairs}` : head;
}

function textValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === "object" && value !== null) return safeJson(value);
  return String(value);
}

function jsonLine(level: LogLevel, time: Date, msg: string, fields: LogFields): string {
  const line: LogFields = { time: time.toISOString(), level, msg };
  for (const [key, value] of Object.entries(fields)) line[RESERVED.has(key) ? `_${key}` : key] = value;
  return safeJson(line);
}

/** JSON with errors as `{ name, message, code?, stack }`, bigints as strings, cycles cut. */
function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, replacer);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
      const replaced = replacer.call(this, key, v);
      if (typeof replaced !== "object" || replaced === null) return replaced;
      if (seen.has(replaced)) return "[Circular]";
      seen.add(replaced);
      return replaced;
    });
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }), stack: value.stack };
  }
  return value;
}
