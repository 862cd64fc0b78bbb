/**
 * A test environment's clock: the wall clock plus an offset that only grows. It runs at real
 * speed (an activity's real `await` takes its real time on it too) and jumps when the
 * environment skips ahead. It is an object owned by one environment; `Date` is never touched,
 * so environments with different clocks run side by side in one process.
 */
export class VirtualClock {
  private offset: number;

  constructor(startTime?: number) {
    this.offset = startTime === undefined ? 0 : startTime - Date.now();
  }

  readonly now = (): number => Date.now() + this.offset;

  advance(ms: number): void {
    this.offset += ms;
  }
}
