/**
 * Node's timers hold at most 2^31 - 1 ms (about 24.8 days): a longer delay fires after 1 ms,
 * with only a TimeoutOverflowWarning. Durations may be up to 100 years (MAX_DURATION_MS), so
 * a wait that must not end early (an activity's timeout, a graceful stop) goes through
 * setLongTimeout; a wake-up that may come early (it only looks again) is clamped instead.
 */

/** The longest delay one Node timer holds. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/** Calls `callback` once `delayMs` has passed, chaining timers for delays longer than one can hold. */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  const arm = (remainingMs: number): void => {
    const stepMs = Math.min(remainingMs, MAX_TIMER_DELAY_MS);
    timer = setTimeout(() => (remainingMs > stepMs ? arm(remainingMs - stepMs) : callback()), stepMs);
  };
  arm(Math.max(0, delayMs));
  return { clear: () => clearTimeout(timer) };
}

/** A delay for a timer whose early firing is harmless (it only looks again). */
export function clampedDelay(delayMs: number): number {
  return Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS);
}
