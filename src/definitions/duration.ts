import { InvalidArgumentError } from "../errors.js";

/** A duration: a number of milliseconds, or a string such as "250ms", "30s", "5m", "2h", "7d". */
export type Duration = number | `${number}${DurationUnit}`;
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Converts a duration to milliseconds; throws InvalidArgumentError naming `what` on bad input. */
export function toMs(duration: Duration | string, what = "duration"): number {
  if (typeof duration === "number") {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new InvalidArgumentError(`${what} must be a non-negative number of milliseconds, got ${duration}.`);
    }
    return duration;
  }
  const match = typeof duration === "string" ? PATTERN.exec(duration.trim()) : null;
  if (!match) {
    throw new InvalidArgumentError(
      `${what} "${String(duration)}" is not a duration. Use milliseconds (1500) or a string like "250ms", "30s", "5m", "2h", "7d".`,
    );
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
}
