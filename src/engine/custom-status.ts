/**
 * The custom status the code sets (serialized) and the one history last recorded: an
 * episode records the status only when the code changed it.
 */
export class CustomStatus {
  private current: string | undefined;
  private recorded: string | undefined;

  set(serialized: string | undefined): void {
    this.current = serialized;
  }

  /** History records this status (CustomStatusSet). */
  recordedAs(serialized: string | undefined): void {
    this.recorded = serialized;
  }

  /** The status to record now, if it differs from the recorded one; it counts as recorded from here on. */
  takeChange(): { value: string | undefined } | undefined {
    if (this.current === this.recorded) return undefined;
    this.recorded = this.current;
    return { value: this.current };
  }
}
