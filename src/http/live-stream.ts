/**
 * `GET /api/stream`: Server-Sent Events for a dashboard that stays current without polling.
 * - `instances`: the instances changed since the last event, `[{ instanceId, name,
 *   runtimeStatus, createdAt, lastUpdatedAt }]`, at most two events a second;
 * - `workers`: the live workers, as `GET /api/workers` gives them, when that list changes;
 * - `bulk`: a bulk job's progress, as `GET /api/bulk/{jobId}` gives it;
 * - a comment every 15 s, so that proxies keep the connection open.
 *
 * One LiveFeed per API polls the store for all listeners, and only while someone listens. It
 * reads changes through the updated_at index (client.changedSince), looking back a few seconds
 * past its last read: a change is stamped with its writer's clock, and a commit can land a
 * little after its stamp. What it re-reads in that window is sent once, by (id, lastUpdatedAt).
 */
import type { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { BatonClient } from "../client/client.js";
import type { InstanceChange } from "../client/dashboard-reads.js";
import { queryOf } from "./request-params.js";

export type FeedEvent = { event: "instances"; data: InstanceChange[] } | { event: "workers"; data: unknown } | { event: "bulk"; data: unknown };

/** Between two reads of the store: at most two `instances` events a second. */
const POLL_INTERVAL_MS = 500;
/** How far before its last read each read looks again (late commits, writers' clocks). */
const LOOK_BACK_MS = 5000;
/** Most changes one read takes, the latest first: a dashboard needs the newest, not a backlog. */
const MAX_CHANGES_PER_READ = 1000;
const KEEP_ALIVE_MS = 15_000;

export class LiveFeed {
  private readonly listeners = new Set<(event: FeedEvent) => void>();
  private timer: NodeJS.Timeout | undefined;
  private readFrom = 0;
  /** Changes sent within the look-back window: instanceId → lastUpdatedAt (ms). */
  private readonly sent = new Map<string, number>();
  private workersKey: string | undefined;
  /** A read is in flight: it schedules the next one itself. */
  private reading = false;

  constructor(private readonly client: BatonClient) {}

  /** Starts polling with the first listener, stops with the last. Returns the unsubscribe function. */
  subscribe(listener: (event: FeedEvent) => void): () => void {
    if (this.listeners.size === 0) {
      this.readFrom = Date.now();
      this.sent.clear();
      this.workersKey = undefined;
      if (!this.reading) this.schedule(0);
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  publish(event: FeedEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => void this.poll(), delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    const startedAt = Date.now();
    this.reading = true;
    try {
      const changes = await this.client.changedSince(new Date(this.readFrom - LOOK_BACK_MS), { limit: MAX_CHANGES_PER_READ });
      const fresh = changes.filter((change) => this.sent.get(change.instanceId) !== change.lastUpdatedAt.getTime());
      for (const change of fresh) this.sent.set(change.instanceId, change.lastUpdatedAt.getTime());
      for (const [id, at] of this.sent) if (at < startedAt - 2 * LOOK_BACK_MS) this.sent.delete(id);
      this.readFrom = startedAt;
      if (fresh.length > 0) this.publish({ event: "instances", data: fresh.reverse() });
      const workers = await this.client.listWorkers();
      const key = JSON.stringify(workers.map((w) => [w.workerId, w.orchestrations, w.activities]));
      if (key !== this.workersKey) {
        if (this.workersKey !== undefined) this.publish({ event: "workers", data: { workers } });
        this.workersKey = key;
      }
    } catch {
      // The store is unreachable or closing: the next read tries again; listeners keep their stream.
    }
    this.reading = false;
    if (this.listeners.size > 0) this.schedule(Math.max(0, POLL_INTERVAL_MS - (Date.now() - startedAt)));
  }
}

export function streamRoute(app: Hono, feed: LiveFeed): void {
  app.get("/api/stream", (c) => {
    queryOf(c, []);
    return streamSSE(c, async (stream) => {
      const unsubscribe = feed.subscribe((event) => void stream.writeSSE({ event: event.event, data: JSON.stringify(event.data) }).catch(() => undefined));
      const keepAlive = setInterval(() => void stream.write(": keep-alive\n\n").catch(() => undefined), KEEP_ALIVE_MS);
      try {
        await stream.write(": connected\n\n");
        await new Promise<void>((resolve) => stream.onAbort(resolve));
      } finally {
        clearInterval(keepAlive);
        unsubscribe();
      }
    });
  });
}
