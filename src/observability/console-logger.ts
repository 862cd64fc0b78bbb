import type { Logger } from "../definitions/logger.js";

const LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LEVELS)[number];

/** A logger that writes to the console from `minLevel` up (default: BATON_LOG_LEVEL or "info"). */
export function consoleLogger(minLevel: LogLevel = (process.env.BATON_LOG_LEVEL as LogLevel) ?? "info"): Logger {
  const threshold = Math.max(0, LEVELS.indexOf(minLevel));
  const at = (level: LogLevel, write: (...args: unknown[]) => void) =>
    LEVELS.indexOf(level) >= threshold ? (message: string, ...args: unknown[]) => write(message, ...args) : () => undefined;
  return {
    debug: at("debug", console.debug),
    info: at("info", console.info),
    warn: at("warn", console.warn),
    error: at("error", console.error),
  };
}
