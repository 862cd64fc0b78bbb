/**
 * The default logger: one line per call on the console (debug and info to stdout, warn and
 * error to stderr, as console does), as text or as JSON lines (log-line.ts).
 */
import { LOG_LEVELS, type Logger, type LogLevel } from "../definitions/logger.js";
import { checkKeys, knownKeys } from "../definitions/options.js";
import { InvalidArgumentError } from "../errors.js";
import { formatLogLine, LOG_FORMATS, type LogFormat } from "./log-line.js";

export interface ConsoleLoggerOptions {
  /** Default: BATON_LOG_FORMAT, else "text". */
  format?: LogFormat;
}

const CONSOLE_LOGGER_OPTION_KEYS = knownKeys<ConsoleLoggerOptions>()({ format: true });

/**
 * A logger that writes to the console from `minLevel` up (default: BATON_LOG_LEVEL, else "info"),
 * with each call's fields as `key=value` after the message, or as JSON lines.
 *
 * @example
 * const baton = await createBaton({ store, functions, logger: consoleLogger("debug", { format: "json" }) });
 */
export function consoleLogger(minLevel: LogLevel = levelFromEnvironment(), options: ConsoleLoggerOptions = {}): Logger {
  const timed = timedConsoleLogger(minLevel, options);
  const at = (level: LogLevel) => {
    const write = timed[level];
    return write === skip ? skip : (message: string, ...args: unknown[]) => write(new Date(), message, ...args);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A logger whose lines carry the time they are given: the time of the call, for a line printed later. */
export type TimedLogger = Record<LogLevel, (time: Date, message: string, ...args: unknown[]) => void>;

/** consoleLogger, told each line's time: the dev timeline holds lines back and prints them with the time they were logged. */
export function timedConsoleLogger(minLevel: LogLevel = levelFromEnvironment(), options: ConsoleLoggerOptions = {}): TimedLogger {
  checkKeys(options, CONSOLE_LOGGER_OPTION_KEYS, "consoleLogger");
  if (!LOG_LEVELS.includes(minLevel)) throw new InvalidArgumentError(`consoleLogger: the level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(minLevel)}.`);
  const logFormat = options.format ?? formatFromEnvironment();
  if (!LOG_FORMATS.includes(logFormat)) throw new InvalidArgumentError(`consoleLogger: format must be one of ${LOG_FORMATS.join(", ")}, got ${JSON.stringify(logFormat)}.`);
  const threshold = LOG_LEVELS.indexOf(minLevel);
  const at = (level: LogLevel) =>
    LOG_LEVELS.indexOf(level) >= threshold ? (time: Date, message: string, ...args: unknown[]) => console[level](formatLogLine(logFormat, level, time, message, args)) : skip;
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A level below the threshold: nothing formatted, nothing written. */
const skip = (): void => undefined;

function levelFromEnvironment(): LogLevel {
  const text = process.env.BATON_LOG_LEVEL;
  if (text === undefined || text === "") return "info";
  if (!LOG_LEVELS.includes(text as LogLevel)) throw new InvalidArgumentError(`BATON_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${text}".`);
  return text as LogLevel;
}

function formatFromEnvironment(): LogFormat {
  const text = process.env.BATON_LOG_FORMAT;
  if (text === undefined || text === "") return "text";
  if (!LOG_FORMATS.includes(text as LogFormat)) throw new InvalidArgumentError(`BATON_LOG_FORMAT must be one of ${LOG_FORMATS.join(", ")}, got "${text}".`);
  return text as LogFormat;
}
