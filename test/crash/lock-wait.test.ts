/**
 * Leases under write-lock contention. A worker reads the time, then claims work or renews its
 * leases; with SQLite that transaction may first wait for the write lock (busy_timeout, up to
 * 10 s) while another process writes — a slow fsync, a long commit. The lease must still last
 * `leaseMs` from when the claim or renewal took effect: one that started counting before the
 * wait is shorter, or already over, and another worker may take work a live worker is running.
 * Another process holds the lock here (fixtures/lock-holder.ts), for longer than `leaseMs`.
 * The checks use the holder's own clock reading at its release, not how long the test waited:
 * on a busy machine the test may resume well after the lock was freed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createBaton, type Baton } from "../../src/index.js";
import { openStore } from "../../src/store/open-store.js";
import type { ActivityWorkItem, Store } from "../../src/store/store.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { crashFunctions } from "./fixtures/functions.js";
import { crashWorld, quietLogger, spawnFixture, sqlitePath, withStoreFile } from "./crash-kit.js";

const LEASE_MS = 1000;
const HOLD_MS = 1500;

let baton: Baton | undefined;
let store: Store | undefined;
afterEach(async () => {
  await baton?.stop();
  await store?.close();
  baton = store = undefined;
});

/** A store holding one queued activity task, as a worker finds it. */
async function storeWithQueuedTask(): Promise<{ storeUrl: string; store: Store }> {
  const { storeUrl } = crashWorld(tempDir("baton-lock-"));
  // A baton that hosts only the orchestration runs its first episode, which queues a task.
  const { chain } = crashFunctions({ minDelayMs: 0, maxDelayMs: 0 });
  baton = await createBaton({ store: storeUrl, functions: [chain], pollIntervalMs: 20, logger: quietLogger });
  await baton.start();
  await baton.client.startNew(chain, { input: 1, instanceId: "lock-wait" });
  const queued = (): number =>
    withStoreFile(storeUrl, (db) => (db.prepare("SELECT count(*) AS n FROM activity_tasks").get() as { n: number }).n);
  await waitUntil(() => (queued() > 0 ? true : undefined), "an activity task to be queued", 60_000);
  await baton.stop();
  baton = undefined;
  store = await openStore(storeUrl);
  return { storeUrl, store };
}

/** Claims the queued task the way the worker does (ClaimPlanner.request): the time is read first. */
async function claimTask(store: Store): Promise<ActivityWorkItem[]> {
  const now = Date.now();
  const common = { workerId: "lock-wait-test", leaseMs: LEASE_MS, now };
  const { activities } = await store.claim({
    orchestrations: { ...common, names: [], limit: 0, stalledBefore: now, maxMessages: 1 },
    activities: { ...common, names: ["CrashIncrement"], limit: 1 },
  });
  return activities;
}

function leaseExpiresAt(storeUrl: string, leaseToken: string): number {
  return withStoreFile(storeUrl, (db) => (db.prepare("SELECT lease_expires_at AS at FROM activity_tasks WHERE lease_token = ?").get(leaseToken) as { at: number }).at);
}

/**
 * Runs `write` while another process holds the write lock for HOLD_MS. Returns when the write
 * was issued and when the holder freed the lock (its clock, read just before its COMMIT).
 */
async function whileLocked(storeUrl: string, write: () => Promise<unknown>): Promise<{ issuedAt: number; releasedAt: number }> {
  const holder = spawnFixture("lock-holder.ts", [sqlitePath(storeUrl), String(HOLD_MS)]);
  await holder.waitForLine("locked");
  const issuedAt = Date.now();
  await write();
  expect(await holder.waitForExit()).toEqual({ code: 0, signal: null });
  const released = /^released (\d+)$/m.exec(holder.stdout);
  expect(released, `the holder's output: ${holder.stdout}`).not.toBeNull();
  return { issuedAt, releasedAt: Number(released![1]) };
}

describe("leases under write-lock contention", () => {
  it("a claim that waited for the write lock still grants a lease of leaseMs from when it took effect", async () => {
    const { storeUrl, store } = await storeWithQueuedTask();
    let tasks: ActivityWorkItem[] = [];
    const { issuedAt, releasedAt } = await whileLocked(storeUrl, async () => (tasks = await claimTask(store)));
    expect(issuedAt, "the claim was issued (its time read) while the lock was held").toBeLessThan(releasedAt);
    expect(tasks).toHaveLength(1);
    // The lock was obtained no earlier than its release: the lease lasts leaseMs from then at least.
    expect(leaseExpiresAt(storeUrl, tasks[0]!.leaseToken) - releasedAt, "lease from the lock's release, in ms").toBeGreaterThanOrEqual(LEASE_MS);
  });

  it("a renewal that waited for the write lock still extends the lease by leaseMs from when it took effect", async () => {
    const { storeUrl, store } = await storeWithQueuedTask();
    const [task] = await claimTask(store);
    expect(task).toBeDefined();
    // As Worker.renewLeases does: the time is read, then the renewal waits for the lock.
    const { issuedAt, releasedAt } = await whileLocked(storeUrl, () => store.renewLeases([], [task!.leaseToken], Date.now(), LEASE_MS));
    expect(issuedAt, "the renewal was issued (its time read) while the lock was held").toBeLessThan(releasedAt);
    expect(leaseExpiresAt(storeUrl, task!.leaseToken) - releasedAt, "lease from the lock's release, in ms").toBeGreaterThanOrEqual(LEASE_MS);
  });
});
