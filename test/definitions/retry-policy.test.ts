/** Retry policies are checked when a definition (or baton.config) gives one: a misspelt key must not be ignored. */
import { describe, expect, it } from "vitest";
import { activity, InvalidArgumentError } from "../../src/index.js";
import { resolveRetryPolicy } from "../../src/definitions/retry-policy.js";

describe("retry policy validation", () => {
  it("accepts every documented key", () => {
    expect(
      resolveRetryPolicy({ maxAttempts: 3, firstRetryInterval: "2s", backoffCoefficient: 1.5, maxRetryInterval: 10_000, retryTimeout: "1m", retryIf: () => true }),
    ).toEqual({ maxAttempts: 3, firstRetryIntervalMs: 2000, backoffCoefficient: 1.5, maxRetryIntervalMs: 10_000, retryTimeoutMs: 60_000 });
  });

  it("rejects an unknown key and suggests the one meant", () => {
    const attempt = () => activity("A", async () => 1, { retry: { maxAttempts: 3, firstRetryIntervalMs: 100 } as never });
    expect(attempt).toThrow(InvalidArgumentError);
    expect(attempt).toThrow(/unknown key "firstRetryIntervalMs"\. Did you mean "firstRetryInterval"\?/);
  });

  it("rejects a policy that is not an object", () => {
    expect(() => resolveRetryPolicy(3 as never)).toThrow(/retry must be an object/);
  });
});
