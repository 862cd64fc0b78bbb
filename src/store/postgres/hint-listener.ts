/**
 * LISTENs on a store's channel over one dedicated connection, opened when the first
 * subscriber arrives. Hints speed things up and nothing more: when the connection drops, it
 * reconnects with backoff and tells subscribers "work" once (something may have been missed
 * meanwhile); polling finds everything regardless.
 */
import pg from "pg";
import type { StoreHint } from "../store.js";
import { quoteIdent } from "./connection.js";

export class HintListener {
  private readonly listeners = new Set<(hint: StoreHint) => void>();
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 100;
  private closed = false;

  constructor(
    private readonly connectionString: string,
    readonly channel: string,
    /** Hints this store sent itself are ignored: its own process already knows. */
    private readonly origin: string,
  ) {}

  subscribe(listener: (hint: StoreHint) => void): () => void {
    this.listeners.add(listener);
    if (!this.client && !this.retryTimer && !this.closed) void this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.disconnect();
    };
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    this.client = client;
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (notification) => {
      if (notification.channel !== this.channel) return;
      // "<origin> work" or "<origin> finished:<instance id>"
      const payload = notification.payload ?? "";
      const space = payload.indexOf(" ");
      if (payload.slice(0, space) === this.origin) return;
      const what = payload.slice(space + 1);
      this.emit(what.startsWith("finished:") ? { type: "finished", instanceId: what.slice(9) } : { type: "work" });
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
      if (this.client !== client) return; // closed or unsubscribed meanwhile
      if (this.retryDelayMs > 100) this.emit({ type: "work" }); // reconnected: hints may have been missed
      this.retryDelayMs = 100;
    } catch {
      lost();
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.listeners.size === 0 || this.retryTimer) return;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  private emit(hint: StoreHint): void {
    for (const listener of this.listeners) listener(hint);
  }

  private async disconnect(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.disconnect();
  }
}
