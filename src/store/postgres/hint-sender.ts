/**
 * Sends hints (NOTIFY) after the writes they announce have committed, coalesced: while one is
 * in flight, later ones gather into the next. A NOTIFY inside a write transaction would take
 * PostgreSQL's notification lock through that transaction's commit, serializing every
 * committing writer on it; sent afterwards, in a transaction of its own that does not wait
 * for its flush (a hint lost in a crash only delays a poll), it costs the writers nothing.
 */
import pg from "pg";
import type { Connection } from "./connection.js";

export class HintSender {
  private readonly pending = new Set<string>();
  private flushing = false;

  constructor(
    private readonly db: Connection,
    readonly channel: string,
    /** Names the sending store in each payload, so that its own listener can skip it. */
    private readonly origin: string,
  ) {}

  send(payloads: readonly string[]): void {
    for (const payload of payloads) this.pending.add(payload);
    if (!this.flushing && this.pending.size > 0) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    const payloads = [...this.pending];
    this.pending.clear();
    // One round trip: the payloads are our own (the channel, "work", instance ids), quoted anyway.
    const notifies = payloads.map((payload) => `NOTIFY ${pg.escapeIdentifier(this.channel)}, ${pg.escapeLiteral(`${this.origin} ${payload}`)};`).join(" ");
    try {
      await this.db.simpleTransaction(`SET LOCAL synchronous_commit TO off; ${notifies}`);
    } catch {
      // A lost hint only delays: whoever listens also polls.
    } finally {
      this.flushing = false;
      if (this.pending.size > 0) this.send([]);
    }
  }
}
