/**
 * One timer for the earliest moment the claim loop wants to look again (a timer firing, a
 * retry's backoff ending, the poll): a request for a later moment never delays an earlier one.
 */
import { clampedDelay } from "../support/long-timeout.js";

export class WakeTimer {
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;

  constructor(
    private readonly now: () => number,
    private readonly onWake: () => void,
  ) {}

  /** Wakes the loop at `at`, unless it is already due to wake earlier. */
  request(at: number): void {
    if (at >= this.wakeAt) return;
    this.wakeAt = at;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.wakeAt = Infinity;
      this.onWake();
    }, clampedDelay(at - this.now())); // a far wake comes early, finds nothing, and is scheduled again
  }

  /** Forgets when the loop is due to wake: the next request sets the timer, early or late. */
  forget(): void {
    this.wakeAt = Infinity;
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
