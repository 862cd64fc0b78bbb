/**
 * The one rule for every options (or filter) object a public call takes: a key the call does
 * not know is refused, with the known key it most likely meant. A misspelt option must never
 * be ignored (`instanceID` would start an instance under a random id; a misspelt filter key
 * would widen a list or a purge).
 *
 * Each call declares its keys once, as `knownKeys<TheOptionsType>()({ ... })`: the object must
 * name every key of the type and nothing else, so a key added to the type but not declared
 * here (or declared but not in the type) is a compile error.
 */
import { InvalidArgumentError } from "../errors.js";
import { closestKey } from "./did-you-mean.js";

/** The declared keys of one call's options object. */
export type KnownKeys = readonly string[];

/** Declares the keys of `T`: every key of `T` must be listed, each with `true`. */
export function knownKeys<T>(): (keys: { readonly [K in Exclude<keyof T, symbol | number>]-?: true }) => KnownKeys {
  return (keys) => Object.freeze(Object.keys(keys));
}

/** What the keys are called in messages: options of a call, keys of a filter, or keys of a config or policy. */
export type KeyNoun = "option" | "filter key" | "key";

/**
 * Refuses `value` when it is not a plain object, or when it has a key not in `known`.
 * `where` names the call as its user wrote it ("startNew", "ctx.callActivity").
 * Undefined is for the caller to allow (most options objects are optional).
 */
export function checkKeys(value: unknown, known: KnownKeys, where: string, noun: KeyNoun = "option"): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${where} needs an object of ${noun}s, got ${describeValue(value)}.`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw unknownKey(key, known, where, noun);
  }
}

/** The error for one unknown key (also used where keys are checked one by one, as in config files). */
export function unknownKey(key: string, known: KnownKeys, where: string, noun: KeyNoun, prefix = ""): InvalidArgumentError {
  const close = closestKey(key, known);
  const hint = close === undefined ? "" : ` Did you mean "${prefix}${close}"?`;
  const list = known.length === 0 ? "none" : known.map((k) => prefix + k).join(", ");
  return new InvalidArgumentError(`${where}: unknown ${noun} "${prefix}${key}".${hint} Known ${noun}s: ${list}.`);
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return value === null ? "null" : typeof value === "object" ? "an object" : String(value);
}
