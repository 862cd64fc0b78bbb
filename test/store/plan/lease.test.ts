import { describe, expect, it } from "vitest";
import { leaseExpiry, leaseStart } from "../../../src/store/plan/lease.js";

describe("lease arithmetic", () => {
  it("counts a lease from the caller's now when it lies ahead of the clock", () => {
    const ahead = Date.now() + 60_000;
    expect(leaseStart(ahead)).toBe(ahead);
    expect(leaseExpiry(ahead, 5000)).toBe(ahead + 5000);
  });

  it("counts a lease from the clock when the caller's now is stale (the write waited)", () => {
    const before = Date.now();
    const start = leaseStart(before - 60_000);
    expect(start).toBeGreaterThanOrEqual(before);
    expect(leaseExpiry(before - 60_000, 5000)).toBeGreaterThanOrEqual(before + 5000);
  });
});
