/**
 * Two worker processes on one store at once (a SQLite file; a PostgreSQL schema on the real
 * server): they share the work through leases, without lock errors, and every instance
 * completes once with every step committed once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createClient, type BatonClient } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { CRASH_STORES } from "./kit/stores.js";
import {
  activityLogProblems,
  CRASH_TEST_TIMEOUT_MS,
  duplicatedKeys,
  expectAllCompleted,
  readActivityLog,
  spawnWorker,
  startInstances,
  storeErrors,
  leftoverWork,
  storeProblems,
  waitAllFinished,
} from "./crash-kit.js";

const INSTANCES = 30;
// Few activities at once per process, each running for a while: a backlog stays queued long
// enough that neither worker can take all the work. Nothing is killed here, so leases can be
// long: a live worker's lease must not run out while it waits for the other's write lock (see
// lock-wait.test.ts for why a short one can), or while a busy machine delays it.
const WORKER_ENV = { CRASH_LEASE_MS: "30000", CRASH_POLL_MS: "50", CRASH_MIN_DELAY_MS: "10", CRASH_MAX_DELAY_MS: "30", CRASH_MAX_ACTIVITIES: "3" };

let client: BatonClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

for (const store of CRASH_STORES) describe.skipIf(store.skip)(`two worker processes on the same store (${store.name})`, { timeout: CRASH_TEST_TIMEOUT_MS }, () => {
  it("finish every instance with the right output, each step committed once and each call run once", async () => {
    const { storeUrl, logFile } = store.world(tempDir("baton-two-"));
    const first = spawnWorker(storeUrl, logFile, WORKER_ENV);
    const second = spawnWorker(storeUrl, logFile, WORKER_ENV);
    await Promise.all([first.ready(), second.ready()]);

    // This process hosts nothing: it knows the orchestration because the workers announced it.
    client = await createClient({ store: storeUrl });
    const instances = await startInstances(client, INSTANCES, "two");
    const statuses = await waitAllFinished(client, instances);
    const exits = await Promise.all([first.kill("SIGTERM"), second.kill("SIGTERM")]);
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);

    const keys = expectAllCompleted(statuses, instances);
    const log = readActivityLog(logFile);
    expect(duplicatedKeys(log), `calls run twice; the workers reported:\n${first.stderr}\n${second.stderr}`).toEqual([]);
    expect(activityLogProblems(log, keys, new Set())).toEqual([]);
    // Both processes did part of the work.
    const pids = new Set(log.map((e) => e.pid));
    expect([...pids].sort()).toEqual([first.pid, second.pid].sort());
    expect(await storeProblems(storeUrl)).toEqual([]);
    expect(await leftoverWork(storeUrl)).toEqual({ tasks: 0, messages: 0 });
    expect(storeErrors([first, second])).toEqual([]);
  });
});
