/**
 * Payloads (inputs, outputs, event data) travel as JSON. The rules, also in docs/api.md:
 * - `undefined` at the top level round-trips as `undefined`; inside objects it is dropped (JSON).
 * - A `Date` becomes its ISO string (JSON), and stays a string when read back.
 * - Functions, symbols, BigInts and cycles cannot be carried: SerializationError.
 */
import { PayloadTooLargeError, SerializationError } from "../errors.js";

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

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
    throw new SerializationError(
      `${what} cannot be serialized as JSON (${(error as Error).message}). Remove cycles and non-JSON values.`,
      { cause: error },
    );
  }
  if (text === undefined) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) throw new PayloadTooLargeError(what, bytes, maxBytes);
  return text;
}

export function deserialize<T = unknown>(text: string | null | undefined): T {
  return (text === null || text === undefined ? undefined : JSON.parse(text)) as T;
}
