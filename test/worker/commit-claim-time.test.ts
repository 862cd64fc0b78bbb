/**
 * A group commit claims, in the same transaction, the work its ops make visible: the next
 * step of a chain must not wait for the fallback poll. The ops and the claim must use one
 * time: with a claim timed before the ops, a message made visible "now" by an op was not
 * claimable in that transaction, and nothing else looked until the poll. Here the clock
 * moves on at every read, so any such gap shows, and the poll is an hour away (the bounds below
 * are generous, for a busy machine: a missed claim never comes within them).
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, orchestration } from "../../src/index.js";
import { BatonClient } from "../../src/client/client.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../../src/definitions/payload.js";
import { Registry } from "../../src/definitions/registry.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { CompletionNotifier } from "../../src/support/completion-notifier.js";
import { Worker } from "../../src/worker/worker.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const addOne = activity("AddOne", async (n: number) => n + 1);
const slowAddOne = activity("SlowAddOne", async (n: number) => {
  await new Promise((resolve) => setTimeout(resolve, 10)); // past the inline window: handed off
  return n + 1;
});
const chain = orchestration("Chain", async (ctx, n: number) => {
  for (let i = 0; i < 250; i++) n = await ctx.callActivity(addOne, n);
  for (let i = 0; i < 5; i++) n = await ctx.callActivity(slowAddOne, n);
  return n;
});

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe("a commit's claim", () => {
  it("takes the work the same commit made visible, even when the clock moves between reads", { timeout: 180_000 }, async () => {
    const store: Store = await openStore(tempStoreUrl());
    let clock = Date.now();
    const now = (): number => (clock = Math.max(clock + 1, Date.now()));
    const registry = new Registry([addOne, slowAddOne, chain]);
    const notifier = new CompletionNotifier();
    const worker = new Worker({
      store,
      registry,
      logger: silentLogger,
      notifier,
      now,
      limits: {
        maxConcurrentActivities: 100,
        maxConcurrentOrchestrations: 100,
        leaseMs: 600_000,
        pollIntervalMs: 3_600_000,
        maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
        maxCachedRuns: 100,
        maxCachedBytes: 64 * 2 ** 20,
        maxMessagesPerEpisode: 1000,
        inlineActivities: true,
      },
    });
    const client = new BatonClient({
      store,
      registry,
      notifier,
      maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
      now,
      onEnqueued: (visibleAt) => worker.notifyEnqueued(visibleAt),
    });
    cleanup = async () => {
      await worker.stop(1000);
      await store.close();
    };
    await worker.start();
    const id = await client.startNew(chain, { input: 0 });
    // Chains break every 100 steps and at each slow call; each break hands on through a commit.
    const done = await client.waitForCompletion<number>(id, { timeout: 150_000 });
    expect(done.output).toBe(255);
  });
});
