/**
 * A test environment's clock: the wall clock plus an offset that only grows. It runs at real
 * speed (an activity's real `await` takes its real time on it too) and jumps when the
 * environment skips ahead. It is an object owned by one environment; `Date` is never touched,
 * so environments with different clocks run side by side in one process.
 *
 * Its timers (activity and heartbeat timeouts, waitForCompletion's timeout) fire when this
 * clock reaches their time: by real time passing, or by a jump once `rearm()` is called. A jump
 * does not fire them by itself, so the environment can renew leases first.
 */
import { setLongTimeout, type LongTimeout } from "../support/long-timeout.js";

interface Timer {
  dueAt: number;
  callback: () => void;
  real: LongTimeout | undefined;
}

export class VirtualClock {
  private offset: number;
  private readonly timers = new Set<Timer>();

  constructor(startTime?: number) {
    this.offset = startTime === undefined ? 0 : startTime - Date.now();
  }

  readonly now = (): number => Date.now() + this.offset;

  advance(ms: number): void {
    this.offset += ms;
  }

  /** Calls `callback` once this clock has moved `delayMs` ahead. */
  readonly setTimer = (callback: () => void, delayMs: number): LongTimeout => {
    const timer: Timer = { dueAt: this.now() + Math.max(0, delayMs), callback, real: undefined };
    this.timers.add(timer);
    this.arm(timer);
    return {
      clear: () => {
        timer.real?.clear();
        this.timers.delete(timer);
      },
    };
  };

  /** The time of the earliest timer still pending, or null. */
  nextTimerAt(): number | null {
    let next: number | null = null;
    for (const timer of this.timers) if (next === null || timer.dueAt < next) next = timer.dueAt;
    return next;
  }

  /** After a jump: each timer waits only the time left on this clock; those now due fire next. */
  rearm(): void {
    for (const timer of this.timers) {
      timer.real?.clear();
      this.arm(timer);
    }
  }

  private arm(timer: Timer): void {
    timer.real = setLongTimeout(() => {
      this.timers.delete(timer);
      timer.callback();
    }, timer.dueAt - this.now());
  }
}
