/** Payloads nest at most MAX_PAYLOAD_DEPTH levels: measured on the text without parsing, and refused with a message naming the limit. */
import { describe, expect, it } from "vitest";
import { SerializationError } from "../../src/index.js";
import { jsonDepth } from "../../src/definitions/json-depth.js";
import { MAX_PAYLOAD_DEPTH, serialize } from "../../src/definitions/payload.js";

/** `levels` arrays inside each other around a 1, as a value. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

function serializationErrorOf(attempt: () => unknown): SerializationError {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(SerializationError);
    return error as SerializationError;
  }
  throw new Error("expected SerializationError, nothing was thrown");
}

describe("jsonDepth", () => {
  it.each([
    ["1", 0],
    ['"text"', 0],
    ["[]", 1],
    ["{}", 1],
    ['[{"a":[1,{"b":{}}]}]', 5],
    ["[[],[],[[]]]", 3],
  ])("measures %s as %i", (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it("does not count brackets inside strings, escaped quotes and backslashes included", () => {
    expect(jsonDepth('["[[[{{{"]')).toBe(1);
    expect(jsonDepth('["\\"[[[", "\\\\", [1]]')).toBe(2);
    expect(jsonDepth('{"k\\"[": "\\u005b[", "v": {}}')).toBe(2);
  });

  it("stops at the first level past the limit", () => {
    expect(jsonDepth("[".repeat(1_000_000), 100)).toBe(101);
    expect(jsonDepth(`${"[".repeat(100)}${"]".repeat(100)}`, 100)).toBe(100);
  });
});

describe("serialize", () => {
  it(`accepts a value nested ${MAX_PAYLOAD_DEPTH} levels deep`, () => {
    const text = serialize(nested(MAX_PAYLOAD_DEPTH), "Input");
    expect(JSON.parse(text!)).toEqual(nested(MAX_PAYLOAD_DEPTH));
  });

  it.each([MAX_PAYLOAD_DEPTH + 1, 5_000, 100_000])("refuses a value nested %i levels deep, naming the limit (not cycles)", (levels) => {
    const error = serializationErrorOf(() => serialize(nested(levels), 'Input of orchestration "Deep"'));
    expect(error.code).toBe("SERIALIZATION_FAILED");
    expect(error.message).toBe(
      `Input of orchestration "Deep" nests arrays and objects more than ${MAX_PAYLOAD_DEPTH} levels deep; at most ${MAX_PAYLOAD_DEPTH} are allowed. Flatten the data.`,
    );
  });

  it("still names cycles for a cycle", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(serializationErrorOf(() => serialize(loop, "Input")).message).toContain("Remove cycles");
  });
});
