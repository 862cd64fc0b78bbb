/**
 * Checks of the values given to createBaton and createClient: each throws an
 * InvalidArgumentError that names the option and the fix before anything is opened.
 * (Unknown keys are refused by definitions/options.ts.)
 */
import { InvalidArgumentError } from "../errors.js";

export function atLeast(ms: number, min: number, what: string): number {
  if (ms < min) throw new InvalidArgumentError(`${what} must be at least ${min} ms, got ${ms}.`);
  return ms;
}

export function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${what} must be a whole number >= 1, got ${value}.`);
  return value;
}

export function boolean(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw new InvalidArgumentError(`${what} must be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

export function nonNegativeInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`${what} must be a whole number >= 0, got ${value}.`);
  return value;
}
