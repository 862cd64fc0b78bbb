/**
 * Leases under write-lock contention. A worker reads the time, then claims work or renews its
 * leases; with SQLite that transaction may first wait for the write lock (busy_timeout, up to
 * 10 s) while another process writes — a slow fsync, a long commit. The lease must still last
 * `leaseMs` from when the claim or renewal took effect: one that started counting before the
 * wait is shorter, or already over, and another worker may take work a live worker is running.
 * Another process holds the lock here (fixtures/lock-holder.ts), for longer than `leaseMs`.
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
  await waitUntil(() => (queued() > 0 ? true : undefined), "an activity task to be queued", 10_000);
  await baton.stop();
  baton = undefined;
  store = await openStore(storeUrl);
  return { storeUrl, store };
}

/** Claims the queued task the way the worker does (Worker.workClaim): the time is read first. */
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

/** Runs `write` while another process holds the write lock for HOLD_MS; returns how long it waited. */
async function whileLocked(storeUrl: string, write: () => Promise<unknown>): Promise<number> {
  const holder = spawnFixture("lock-holder.ts", [sqlitePath(storeUrl), String(HOLD_MS)]);
  await holder.waitForLine("locked");
  const startedAt = Date.now();
  await write();
  const waitedMs = Date.now() - startedAt;
  expect(await holder.waitForExit()).toEqual({ code: 0, signal: null });
  return waitedMs;
}

describe("leases under write-lock contention", () => {
  it("a claim that waited for the write lock still grants a lease of leaseMs from when it took effect", async () => {
    const { storeUrl, store } = await storeWithQueuedTask();
    let tasks: ActivityWorkItem[] = [];
    const waitedMs = await whileLocked(storeUrl, async () => (tasks = await claimTask(store)));
    const claimedAt = Date.now();
    expect(waitedMs, "the claim waited for the lock").toBeGreaterThanOrEqual(HOLD_MS - 200);
    expect(tasks).toHaveLength(1);
    // At least leaseMs from when the lock was obtained, give or take scheduling.
    expect(leaseExpiresAt(storeUrl, tasks[0]!.leaseToken) - claimedAt, "lease left after the claim, in ms").toBeGreaterThan(LEASE_MS - 300);
  });

  it("a renewal that waited for the write lock still extends the lease by leaseMs from when it took effect", async () => {
    const { storeUrl, store } = await storeWithQueuedTask();
    const [task] = await claimTask(store);
    expect(task).toBeDefined();
    // As Worker.renewLeases does: the time is read, then the renewal waits for the lock.
    const waitedMs = await whileLocked(storeUrl, () => store.renewLeases([], [task!.leaseToken], Date.now(), LEASE_MS));
    const renewedAt = Date.now();
    expect(waitedMs, "the renewal waited for the lock").toBeGreaterThanOrEqual(HOLD_MS - 200);
    expect(leaseExpiresAt(storeUrl, task!.leaseToken) - renewedAt, "lease left after the renewal, in ms").toBeGreaterThan(LEASE_MS - 300);
  });
});
