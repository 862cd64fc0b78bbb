/**
 * A Logger that keeps what it is told: each call as a record (level, message, fields) and as
 * the console logger's text line (fields as key=value), for tests that look for a line.
 */
import { splitLogArgs, type LogFields, type Logger, type LogLevel } from "../../src/definitions/logger.js";
import { formatLogLine } from "../../src/observability/log-line.js";

export interface LogRecord {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

export interface CapturingLogger extends Logger {
  readonly records: LogRecord[];
  /** Every call as a text line: `HH:MM:SS.mmm LEVEL message  key=value …`. */
  readonly lines: string[];
  /** The lines that contain `text`. */
  matching(text: string): string[];
}

export function capturingLogger(): CapturingLogger {
  const records: LogRecord[] = [];
  const lines: string[] = [];
  const keep =
    (level: LogLevel) =>
    (message: string, ...args: unknown[]): void => {
      records.push({ level, message, fields: splitLogArgs(args).fields ?? {} });
      lines.push(formatLogLine("text", level, new Date(), message, args));
    };
  return {
    records,
    lines,
    matching: (text) => lines.filter((line) => line.includes(text)),
    debug: keep("debug"),
    info: keep("info"),
    warn: keep("warn"),
    error: keep("error"),
  };
}
