/**
 * setLongTimeout: a wait longer than one Node timer holds (2^31 - 1 ms, about 24.8 days; a
 * longer delay fires after 1 ms) ends after the whole delay, and not at all once cleared.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMER_DELAY_MS, setLongTimeout } from "../../src/support/long-timeout.js";

const DAY_MS = 86_400_000;

describe("setLongTimeout", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires once, after the whole delay, for a delay longer than one timer holds", () => {
    vi.useFakeTimers(); // they overflow as Node does: a plain setTimeout of 30 days fires after 1 ms
    const fired: number[] = [];
    setLongTimeout(() => fired.push(Date.now()), 30 * DAY_MS);
    const start = Date.now();
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(30 * DAY_MS - MAX_TIMER_DELAY_MS - 1);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([start + 30 * DAY_MS]);
    vi.advanceTimersByTime(100 * DAY_MS);
    expect(fired).toHaveLength(1);
  });

  it("never fires once cleared, whichever of its timers is pending", () => {
    vi.useFakeTimers();
    let fired = false;
    const timeout = setLongTimeout(() => (fired = true), 60 * DAY_MS);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 5); // the second timer of the chain is pending
    timeout.clear();
    vi.advanceTimersByTime(100 * DAY_MS);
    expect(fired).toBe(false);
  });
});
