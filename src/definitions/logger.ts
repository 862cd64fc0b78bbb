/**
 * The logger Baton writes to, and that `ctx.log` and `actx.log` are. A call is a message and,
 * after it, one object of fields: `info("activity failed", { instanceId, name, attempt })`.
 * Context (instance id, function name, attempt…) is always a field, never inside the message,
 * so that a log store can filter on it.
 *
 * The methods take `(message, ...args)` so that `console` is a Logger as it is, and so that
 * calls with positional arguments (`log.info("took %d ms", ms)`) still work: only a first
 * argument that is a plain object (or an Error, which becomes `{ err }`) counts as fields.
 * pino's order is the other way round: see observability/pino-logger.ts.
 */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

export type LogLevel = keyof Logger;
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** The fields of one log call: Baton's context (see docs/observability.md) and the caller's own. */
export type LogFields = Record<string, unknown>;

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** One call's arguments after the message, read as fields and the rest (positional values). */
export function splitLogArgs(args: readonly unknown[]): { fields: LogFields | undefined; rest: unknown[] } {
  const [first, ...rest] = args;
  if (isPlainObject(first)) return { fields: first, rest };
  if (first instanceof Error) return { fields: { err: first }, rest };
  return { fields: undefined, rest: [...args] };
}

/**
 * `logger` with `fields` on every call. The caller's own fields are merged in and win over
 * these on a shared key: what a user logs is never dropped. Calls reach `logger` as
 * `(message, fields, ...rest)`.
 */
export function withFields(logger: Logger, fields: LogFields): Logger {
  const level =
    (name: LogLevel) =>
    (message: string, ...args: unknown[]): void => {
      const own = splitLogArgs(args);
      logger[name](message, own.fields ? { ...fields, ...own.fields } : fields, ...own.rest);
    };
  return { debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") };
}

function isPlainObject(value: unknown): value is LogFields {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
