/**
 * Durations and times, and the one range Baton accepts for them.
 *
 * Every duration a user gives (a sleep, a timeout, a retry interval, a lease) and every time
 * (a timer's `fireAt`, a `startAt`) ends up as an absolute time in milliseconds: in history,
 * in a queue row's `visible_at`, in a `setTimeout`. A value no clock can reach (1e300,
 * Infinity, an invalid Date) would be stored as null or as a time that never comes, so the
 * instance would wait forever. Each entry point therefore checks its value here, before
 * anything is written.
 */
import { InvalidArgumentError } from "../errors.js";

/** A duration: a number of milliseconds, or a string such as "250ms", "30s", "5m", "2h", "7d". */
export type Duration = number | `${number}${DurationUnit}`;
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * The longest duration accepted anywhere: 100 years (36,525 days, 3,155,760,000,000 ms).
 * Far longer than any real wait, yet now + 100 years (about 5e12 ms) stays a whole number
 * far below Number.MAX_SAFE_INTEGER (9e15) and the largest valid Date (8.64e15 ms, year
 * 275760): exact in a JavaScript number, in SQLite and PostgreSQL bigint columns, and a
 * valid `Date` when read back. The same bound limits how far ahead a time may be.
 */
export const MAX_DURATION_MS = 36_525 * UNIT_MS.d;
/** How the range is named in error messages. */
const RANGE = `from 0 to ${MAX_DURATION_MS} ms (100 years)`;

/** Converts a duration to milliseconds; throws InvalidArgumentError naming `what` on bad input or out of range. */
export function toMs(duration: Duration | string, what = "duration"): number {
  if (typeof duration === "number") {
    if (!(duration >= 0 && duration <= MAX_DURATION_MS)) {
      throw new InvalidArgumentError(`${what} must be a number of milliseconds ${RANGE}, got ${duration}.`);
    }
    return duration;
  }
  const match = typeof duration === "string" ? PATTERN.exec(duration.trim()) : null;
  if (!match) {
    throw new InvalidArgumentError(
      `${what} "${String(duration)}" is not a duration. Use milliseconds (1500) or a string like "250ms", "30s", "5m", "2h", "7d".`,
    );
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
  if (!(ms <= MAX_DURATION_MS)) {
    throw new InvalidArgumentError(`${what} "${duration}" is longer than 100 years: a duration must be ${RANGE}, e.g. "36525d" at most.`);
  }
  return ms;
}

/**
 * Converts a time (a Date, or an ISO 8601 string where `allowString`) to milliseconds since
 * the epoch. A time in the past is fine (it means "now"); one more than 100 years after
 * `nowMs`, or an invalid Date, throws InvalidArgumentError naming `what`.
 */
export function toTimeMs(time: Date | string, what: string, nowMs: number, allowString = false): number {
  const ms = time instanceof Date ? time.getTime() : allowString && typeof time === "string" ? Date.parse(time) : NaN;
  if (Number.isNaN(ms)) {
    const expected = allowString ? "a valid Date or an ISO 8601 date string" : "a valid Date";
    throw new InvalidArgumentError(`${what} must be ${expected}, got ${describeTime(time)}.`);
  }
  const latestMs = nowMs + MAX_DURATION_MS;
  if (ms > latestMs) {
    throw new InvalidArgumentError(
      `${what} ${new Date(ms).toISOString()} is more than 100 years ahead: the latest time allowed now is ${new Date(latestMs).toISOString()}.`,
    );
  }
  return ms;
}

function describeTime(value: unknown): string {
  if (value instanceof Date) return "an invalid Date";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return `the number ${value} (use new Date(${value}))`;
  return String(value);
}
