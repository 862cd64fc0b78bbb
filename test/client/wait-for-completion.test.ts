/**
 * waitForCompletion with many waiters: one store query per poll checks all the instances
 * waited on, so a hundred waiters cost about one status read each, not one per poll each.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createBaton, createClient, orchestration, type Baton, type BatonClient } from "../../src/index.js";
import { POLL_WITH_NOTIFIER, POLL_WITHOUT_NOTIFIER } from "../../src/client/completion-watcher.js";
import { tempStoreUrl, TestStore } from "../helpers/temp-store.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const WAITERS = 100;

const waiter = orchestration("WaitForGo", async (ctx, n: number) => (await ctx.waitForExternalEvent<number>("Go")) + n);

const open: (Baton | BatonClient)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const item of open.splice(0).reverse()) await ("stop" in item ? item.stop() : item.close());
});

describe("waitForCompletion from a process without a worker", () => {
  it(`${WAITERS} waiters are checked by shared polls: about one status read per waiter`, async () => {
    const store = tempStoreUrl();
    const baton = await createBaton({ store, functions: [waiter], logger: quiet });
    open.push(baton);
    await baton.start();
    const ids = await Promise.all(Array.from({ length: WAITERS }, (_, i) => baton.client.startNew(waiter, { input: i })));
    const client = await createClient({ store });
    open.push(client);

    const reads = vi.spyOn(TestStore.prototype, "getInstance");
    const polls = vi.spyOn(TestStore.prototype, "runtimeStatuses");
    const waitedFrom = Date.now();
    const waits = Promise.all(ids.map((id) => client.waitForCompletion<number>(id, { timeout: 60_000 })));
    // Polls find nothing finished: the batched first check, then at least one timed poll (at 5 ms
    // and backing off on SQLite; at 250 ms on PostgreSQL, whose finish hints wake the waiters).
    await expect.poll(() => polls.mock.calls.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await Promise.all(ids.map((id, i) => baton.client.raiseEvent(id, "Go", 1000 * i)));
    const statuses = await waits;
    const waitedMs = Date.now() - waitedFrom;

    expect(statuses.map((s) => s.output)).toEqual(ids.map((_, i) => 1000 * i + i));
    // Each waiter reads its status when woken: once when done, perhaps once more if woken early.
    expect(reads.mock.calls.length).toBeGreaterThanOrEqual(WAITERS);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2 * WAITERS);
    // Polls check every waiter in one query. How many there are follows the pace at which the
    // instances finish, which a busy machine sets; but never more than the first check and one
    // per shortest interval of the wait.
    expect(Math.max(...polls.mock.calls.map(([batch]) => batch.length))).toBe(WAITERS);
    const { firstMs } = "watch" in TestStore.prototype ? POLL_WITH_NOTIFIER : POLL_WITHOUT_NOTIFIER;
    expect(polls.mock.calls.length).toBeLessThanOrEqual(1 + Math.ceil(waitedMs / firstMs));
  });

  it("still rejects a missing instance with InstanceNotFoundError, and times out on one that does not finish", async () => {
    const store = tempStoreUrl();
    const baton = await createBaton({ store, functions: [waiter], logger: quiet });
    open.push(baton);
    await baton.start();
    const id = await baton.client.startNew(waiter, { input: 1 });
    const client = await createClient({ store });
    open.push(client);
    await expect(client.waitForCompletion("no-such-instance")).rejects.toMatchObject({ code: "INSTANCE_NOT_FOUND" });
    const startedAt = Date.now();
    await expect(client.waitForCompletion(id, { timeout: 300 })).rejects.toMatchObject({ code: "TIMEOUT" });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
  });
});
