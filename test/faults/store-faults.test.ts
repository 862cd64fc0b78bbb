/** The worker's bookkeeping of store faults: one log line per change of state, and a capped exponential backoff per kind of write. */
import { describe, expect, it } from "vitest";
import { StoreCorruptError, StoreFullError } from "../../src/errors.js";
import { FIRST_RETRY_MS, MAX_RETRY_MS, StoreFaults } from "../../src/worker/store-faults.js";
import { capturingLogger } from "../helpers/capturing-logger.js";

function setUp() {
  const logger = capturingLogger();
  const { lines } = logger;
  let now = 1_000;
  let damagedCalls = 0;
  const faults = new StoreFaults(logger, () => now, () => damagedCalls++);
  return { faults, lines, damagedCalls: () => damagedCalls, advance: (ms: number) => (now += ms), now: () => now };
}

const full = new StoreFullError("/data/baton.db");

describe("StoreFaults", () => {
  it("says once that the disk is full, whatever fails how often, and once that it recovered when every kind that failed has succeeded", () => {
    const { faults, lines } = setUp();
    for (let i = 0; i < 50; i++) {
      faults.failed("claim", full);
      faults.failed("commit", full);
      faults.failed("heartbeat", full);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("the disk holding the store is full");
    expect(lines[0]).toContain("path=/data/baton.db");
    expect(faults.isFull).toBe(true);

    faults.succeeded("lease renewal"); // never failed: changes nothing
    faults.succeeded("claim");
    faults.succeeded("commit");
    expect(lines).toHaveLength(1);
    faults.succeeded("heartbeat");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("accepts writes again");
    expect(faults.isFull).toBe(false);

    faults.failed("commit", full); // full again: said again, once
    faults.failed("commit", full);
    expect(lines).toHaveLength(3);
  });

  it("backs off each kind of write on its own: doubling from the first pause to the cap, from scratch after a success", () => {
    const { faults, now } = setUp();
    const pauses = Array.from({ length: 10 }, () => faults.failed("commit", full));
    expect(pauses).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000]);
    expect(pauses[0]).toBe(FIRST_RETRY_MS);
    expect(Math.max(...pauses)).toBe(MAX_RETRY_MS);
    expect(faults.nextTryAt("commit")).toBe(now() + MAX_RETRY_MS);
    expect(faults.failed("claim", full)).toBe(FIRST_RETRY_MS); // its own count
    faults.succeeded("commit");
    expect(faults.nextTryAt("commit")).toBe(0);
    expect(faults.failed("commit", full)).toBe(FIRST_RETRY_MS);
  });

  it("a damaged store: said once, the worker told once to stop claiming, for good", () => {
    const { faults, lines, damagedCalls } = setUp();
    const damaged = new StoreCorruptError("/data/baton.db", "database disk image is malformed, SQLITE_CORRUPT");
    faults.failed("claim", damaged);
    faults.failed("commit", damaged);
    faults.failed("heartbeat", damaged);
    faults.succeeded("claim");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("is damaged");
    expect(lines[0]).toContain("stops claiming");
    expect(damagedCalls()).toBe(1);
    expect(faults.isDamaged).toBe(true);
  });
});
