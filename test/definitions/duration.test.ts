/** The one range of durations and times: anything a clock cannot reach is refused with a message naming the value and the range. */
import { describe, expect, it } from "vitest";
import { activity, InvalidArgumentError } from "../../src/index.js";
import { MAX_DURATION_MS, toMs, toTimeMs } from "../../src/definitions/duration.js";
import { nextRetryDelayMs, resolveRetryPolicy } from "../../src/definitions/retry-policy.js";

const NOW = Date.UTC(2026, 0, 1);

function errorOf(attempt: () => unknown): InvalidArgumentError {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error("expected InvalidArgumentError, nothing was thrown");
}

describe("durations", () => {
  it("allows up to 100 years, a bound whose time from now stays an exact, valid Date", () => {
    expect(MAX_DURATION_MS).toBe(36_525 * 86_400_000);
    expect(toMs(MAX_DURATION_MS)).toBe(MAX_DURATION_MS);
    expect(toMs("36525d")).toBe(MAX_DURATION_MS);
    expect(toMs(0)).toBe(0);
    expect(toMs("1.5s")).toBe(1500);
    // Even from the largest plausible "now", the resulting time is a safe integer and a valid Date.
    const latest = Date.UTC(3000, 0, 1) + MAX_DURATION_MS;
    expect(Number.isSafeInteger(latest)).toBe(true);
    expect(Number.isNaN(new Date(latest).getTime())).toBe(false);
  });

  it.each([
    [1e300, "1e+300"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
    [NaN, "NaN"],
    [-5, "-5"],
    [MAX_DURATION_MS + 1, String(MAX_DURATION_MS + 1)],
  ])("refuses the number %s naming it and the allowed range", (value, shown) => {
    const error = errorOf(() => toMs(value, "ctx.sleep duration"));
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toBe(`ctx.sleep duration must be a number of milliseconds from 0 to ${MAX_DURATION_MS} ms (100 years), got ${shown}.`);
  });

  it.each([
    ["36526d", "36526d"],
    ["99999999999d", "99999999999d"],
    ["a 400-digit number of ms (Infinity once parsed)", `${"9".repeat(400)}ms`],
  ])("refuses the string %s as longer than 100 years", (_label, value) => {
    const error = errorOf(() => toMs(value, "retry.maxRetryInterval"));
    expect(error.message).toContain(`retry.maxRetryInterval "${value}" is longer than 100 years`);
    expect(error.message).toContain(`from 0 to ${MAX_DURATION_MS} ms`);
  });

  it('keeps refusing "-5s" and "100y" as not durations', () => {
    for (const value of ["-5s", "100y"]) {
      expect(errorOf(() => toMs(value, "timeout")).message).toBe(
        `timeout "${value}" is not a duration. Use milliseconds (1500) or a string like "250ms", "30s", "5m", "2h", "7d".`,
      );
    }
  });
});

describe("times", () => {
  it("accepts a Date up to 100 years ahead, and any valid Date in the past", () => {
    expect(toTimeMs(new Date(NOW + MAX_DURATION_MS), "fireAt", NOW)).toBe(NOW + MAX_DURATION_MS);
    expect(toTimeMs(new Date(0), "fireAt", NOW)).toBe(0);
    expect(toTimeMs("2026-03-01T00:00:00Z", "startAt", NOW, true)).toBe(Date.UTC(2026, 2, 1));
  });

  it("refuses an invalid Date (NaN, or past the largest valid Date) naming the value", () => {
    expect(errorOf(() => toTimeMs(new Date(NaN), "ctx.createTimer(fireAt)", NOW)).message).toBe(
      "ctx.createTimer(fireAt) must be a valid Date, got an invalid Date.",
    );
    expect(errorOf(() => toTimeMs(new Date(8.64e15 + 1), "ctx.createTimer(fireAt)", NOW)).code).toBe("INVALID_ARGUMENT");
    expect(errorOf(() => toTimeMs("someday", "startAt", NOW, true)).message).toBe(
      'startAt must be a valid Date or an ISO 8601 date string, got "someday".',
    );
    expect(errorOf(() => toTimeMs(NOW as never, "startAt", NOW, true)).message).toContain(`the number ${NOW}`);
  });

  it("refuses a time more than 100 years ahead, naming it and the latest time allowed", () => {
    const message = errorOf(() => toTimeMs(new Date(8.64e15), "startAt", NOW, true)).message;
    expect(message).toBe(
      `startAt +275760-09-13T00:00:00.000Z is more than 100 years ahead: the latest time allowed now is ${new Date(NOW + MAX_DURATION_MS).toISOString()}.`,
    );
    expect(() => toTimeMs(new Date(NOW + MAX_DURATION_MS + 1), "startAt", NOW)).toThrow(InvalidArgumentError);
  });
});

describe("retry delays", () => {
  it("never exceed the longest duration, however many attempts the backoff has grown through", () => {
    const policy = resolveRetryPolicy({ maxAttempts: 5000, firstRetryInterval: "1s", backoffCoefficient: 2 });
    expect(nextRetryDelayMs(policy, 30, 0)).toBe(1000 * 2 ** 29);
    expect(nextRetryDelayMs(policy, 2000, 0)).toBe(MAX_DURATION_MS); // 2 ** 1999 is Infinity
  });

  it.each([
    [{ maxAttempts: 3, firstRetryInterval: 1e300 }, "retry.firstRetryInterval"],
    [{ maxAttempts: 3, maxRetryInterval: Infinity }, "retry.maxRetryInterval"],
    [{ maxAttempts: 3, retryTimeout: "50000d" }, "retry.retryTimeout"],
    [{ maxAttempts: 3, backoffCoefficient: Infinity }, "retry.backoffCoefficient"],
    [{ maxAttempts: 3, backoffCoefficient: NaN }, "retry.backoffCoefficient"],
  ])("refuses %j naming the field", (policy, field) => {
    expect(errorOf(() => resolveRetryPolicy(policy as never)).message).toContain(field);
  });
});

describe("activity options", () => {
  it.each([
    ["timeout", 1e300, 'activity("Slow") timeout must be a number of milliseconds from 0 to 3155760000000 ms (100 years), got 1e+300.'],
    ["heartbeatTimeout", Infinity, 'activity("Slow") heartbeatTimeout must be a number of milliseconds from 0 to 3155760000000 ms (100 years), got Infinity.'],
    ["timeout", "40000d", 'activity("Slow") timeout "40000d" is longer than 100 years'],
  ])("refuses %s %s when the activity is defined", (key, value, message) => {
    expect(errorOf(() => activity("Slow", async () => 1, { [key]: value })).message).toContain(message);
  });
});
