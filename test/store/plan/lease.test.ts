import { describe, expect, it } from "vitest";
import { leaseExpiry, leaseStart } from "../../../src/store/plan/lease.js";

describe("lease arithmetic", () => {
  it("counts a lease from the caller's now when the store's clock is not past it", () => {
    const clock = (): number => 1000;
    expect(leaseStart(1500, clock)).toBe(1500);
    expect(leaseExpiry(1500, 5000, clock)).toBe(6500);
  });

  it("counts a lease from the store's clock when the caller's now is stale (the write waited, or was retried)", () => {
    const clock = (): number => 9000;
    expect(leaseStart(1500, clock)).toBe(9000);
    expect(leaseExpiry(1500, 5000, clock)).toBe(14_000);
  });

  it("reads the clock when the lease is written", () => {
    let time = 100;
    const clock = (): number => time;
    expect(leaseStart(0, clock)).toBe(100);
    time = 200;
    expect(leaseStart(0, clock)).toBe(200);
  });
});
