/**
 * Payloads (inputs, outputs, event data) travel as JSON. The rules, also in docs/api.md:
 * - `undefined` at the top level round-trips as `undefined`; inside objects it is dropped (JSON).
 * - A `Date` becomes its ISO string (JSON), and stays a string when read back.
 * - Functions, symbols, BigInts and cycles cannot be carried: SerializationError.
 * - Arrays and objects nest at most MAX_PAYLOAD_DEPTH levels: SerializationError past it.
 */
import { PayloadTooLargeError, SerializationError } from "../errors.js";
import { jsonDepth } from "./json-depth.js";

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * The deepest nesting of arrays and objects a payload may have (`[[1]]` is 2 levels). Real
 * data rarely passes 20; far below the thousands at which JSON.parse and JSON.stringify
 * overflow the stack, so every payload Baton accepts can be read back anywhere.
 */
export const MAX_PAYLOAD_DEPTH = 100;

/** The error for data nested past MAX_PAYLOAD_DEPTH, naming `what` and the limit. */
export function tooDeepError(what: string): SerializationError {
  return new SerializationError(
    `${what} nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep; at most ${MAX_PAYLOAD_DEPTH} are allowed. Flatten the data.`,
  );
}

/** Serialized form of a payload; `undefined` is stored as SQL NULL. */
export type Serialized = string | undefined;

export function serialize(value: unknown, what: string, maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): Serialized {
  if (value === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (key, v: unknown) => {
      const kind = typeof v;
      if (kind === "function" || kind === "symbol" || kind === "bigint") {
        const where = key === "" ? "" : ` at key "${key}"`;
        throw new SerializationError(
          `${what} contains a ${kind}${where}, which JSON cannot carry. Pass plain data (strings, numbers, booleans, arrays, objects).`,
        );
      }
      return v;
    });
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    // JSON.stringify recurses: a value nested thousands of levels deep overflows the stack.
    if (error instanceof RangeError && /call stack/i.test(error.message)) throw tooDeepError(what);
    throw new SerializationError(
      `${what} cannot be serialized as JSON (${(error as Error).message}). Remove cycles and non-JSON values.`,
      { cause: error },
    );
  }
  if (text === undefined) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) throw new PayloadTooLargeError(what, bytes, maxBytes);
  if (jsonDepth(text, MAX_PAYLOAD_DEPTH) > MAX_PAYLOAD_DEPTH) throw tooDeepError(what);
  return text;
}

export function deserialize<T = unknown>(text: string | null | undefined): T {
  return (text === null || text === undefined ? undefined : JSON.parse(text)) as T;
}
