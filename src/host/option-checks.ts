/**
 * Checks of the options given to createBaton and createClient: each throws an
 * InvalidArgumentError that names the option and the fix before anything is opened.
 */
import { closestKey } from "../definitions/did-you-mean.js";
import { InvalidArgumentError } from "../errors.js";

/** Refuses a key not in `known`, suggesting the one a typo most likely meant. */
export function checkKeys(options: object, known: readonly string[], where: string): void {
  if (typeof options !== "object" || options === null) throw new InvalidArgumentError(`${where} needs an options object.`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const close = closestKey(key, known);
    throw new InvalidArgumentError(
      `${where}: unknown option "${key}".${close ? ` Did you mean "${close}"?` : ""} Known options: ${known.join(", ")}.`,
    );
  }
}

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
