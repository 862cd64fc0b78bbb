/**
 * A pino logger (or any logger with pino's calling convention: fields first, then the message)
 * as Baton's Logger. Typed by shape, so that Baton does not depend on pino.
 */
import { splitLogArgs, type Logger, type LogLevel } from "../definitions/logger.js";

/** The methods pino's `LogFn` offers: `(fields, message, ...printf values)`. */
type PinoLogFn = (fields: object, message?: string, ...args: unknown[]) => void;

/** What pinoLogger needs of a pino logger: pino's own `Logger` (and its children) has it. */
export type PinoLike = Record<LogLevel, PinoLogFn>;

/**
 * Baton's log calls written to `pino`: each call's fields become the object pino merges into
 * its line (an error under `err`, which pino's standard serializer expands), the message its
 * `msg`; further values are pino's printf arguments. Levels map one to one.
 *
 * @example
 * import pino from "pino";
 * const baton = await createBaton({ store, functions, logger: pinoLogger(pino()) });
 */
export function pinoLogger(pino: PinoLike): Logger {
  const level =
    (name: LogLevel) =>
    (message: string, ...args: unknown[]): void => {
      const { fields, rest } = splitLogArgs(args);
      pino[name](fields ?? {}, message, ...rest);
    };
  return { debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") };
}
