/**
 * migrateStore moves everything from a SQLite store to an empty PostgreSQL schema: finished
 * instances with their histories and outputs, and running ones with what they wait for (an
 * event, a durable timer, a queued activity retry), which then finish on PostgreSQL.
 */
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  activity,
  createBaton,
  createClient,
  InvalidArgumentError,
  migrateStore,
  orchestration,
  type Baton,
  type InstanceStatus,
} from "../../src/index.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";
import { postgresAvailable, tempPostgresUrl } from "../helpers/postgres.js";
import { tempSqliteUrl } from "../helpers/temp-store.js";
import { tableRows } from "../helpers/store-snapshot.js";
import { waitForHistoryEvent, waitForStatus, waitUntil } from "../helpers/wait.js";

let failUntil = 0;
const double = activity("Double", async (n: number) => n * 2);
const flaky = activity(
  "Flaky",
  async (n: number) => {
    if (Date.now() < failUntil) throw new Error("not yet");
    return n + 1;
  },
  // Attempts enough to outlast the source's run on a busy machine: only the target's may succeed.
  { retry: { maxAttempts: 50, firstRetryInterval: 1500, backoffCoefficient: 1 } },
);
const approval = orchestration("Approval", async (ctx, n: number) => {
  const doubled = await ctx.callActivity(double, n);
  const approved = await ctx.waitForExternalEvent<boolean>("approve");
  return approved ? doubled : -1;
});
const sleeper = orchestration("Sleeper", async (ctx, n: number) => {
  await ctx.sleep(1500);
  return ctx.callActivity(double, n);
});
const retrying = orchestration("Retrying", async (ctx, n: number) => ctx.callActivity(flaky, n));
const functions = [double, flaky, approval, sleeper, retrying];

const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop({ timeoutMs: 2000 });
});

async function open(store: string): Promise<Baton> {
  const baton = await createBaton({ store, functions, logger: quiet, pollIntervalMs: 50 });
  batons.push(baton);
  return baton;
}

/** What a move must keep of an instance, timestamps included. */
function essentials(status: InstanceStatus | null) {
  if (!status) return null;
  const { lastUpdatedAt: _updated, waitingForWorker: _waiting, ...rest } = status;
  return rest;
}

describe.skipIf(!postgresAvailable)("migrateStore from SQLite to PostgreSQL", () => {
  it("copies finished and running instances; the running ones finish on PostgreSQL", async () => {
    const from = tempSqliteUrl();
    const to = tempPostgresUrl();
    const source = await open(from);
    await source.start();
    await source.client.startNew(approval, { instanceId: "done", input: 1 });
    await source.client.raiseEvent("done", "approve", true);
    await waitForStatus(source.client, "done", "Completed");
    await source.client.startNew(approval, { instanceId: "waiting", input: 5 });
    await waitForHistoryEvent(source.client, "waiting", "TaskCompleted");
    await source.client.startNew(sleeper, { instanceId: "sleeping", input: 7 });
    await waitForHistoryEvent(source.client, "sleeping", "TimerCreated");
    failUntil = Date.now() + 60_000;
    await source.client.startNew(retrying, { instanceId: "retrying", input: 9 });
    await waitUntilAttempted();
    const ids = ["done", "waiting", "sleeping", "retrying"];
    const before = await Promise.all(ids.map((id) => source.client.getStatus(id, { showHistory: true, showInput: true })));
    await source.stop();
    batons.splice(batons.indexOf(source), 1);

    const progress: string[] = [];
    const counts = await migrateStore(from, to, { onProgress: (table, copied, total) => progress.push(`${table} ${copied}/${total}`) });
    expect(counts.instances).toBe(4);
    expect(counts.history_segments).toBeGreaterThan(4);
    expect(counts.functions).toBe(functions.length);
    expect(progress).toContain("instances 4/4");

    const target = await open(to);
    const after = await Promise.all(ids.map((id) => target.client.getStatus(id, { showHistory: true, showInput: true })));
    expect(after.map(essentials)).toEqual(before.map(essentials));

    failUntil = 0;
    await target.start();
    await target.client.raiseEvent("waiting", "approve", true);
    await expect(target.client.waitForCompletion("waiting", { timeout: 20_000 })).resolves.toMatchObject({ output: 10 });
    await expect(target.client.waitForCompletion("sleeping", { timeout: 20_000 })).resolves.toMatchObject({ output: 14 });
    await expect(target.client.waitForCompletion("retrying", { timeout: 20_000 })).resolves.toMatchObject({ output: 10 });
    // The copied queue continues: a new instance on the target runs as well.
    await target.client.startNew(approval, { instanceId: "new", input: 2 });
    await target.client.raiseEvent("new", "approve", false);
    await expect(target.client.waitForCompletion("new", { timeout: 20_000 })).resolves.toMatchObject({ output: -1 });

    async function waitUntilAttempted(): Promise<void> {
      // The first attempt has failed and its retry is queued.
      await waitUntil(async () => {
        const tasks = (await tableRows(from, "activity_tasks")) as { instance_id: string; attempt: number }[];
        return tasks.some((task) => task.instance_id === "retrying" && task.attempt >= 2) ? true : undefined;
      }, "a retry of the failed attempt to be queued");
    }
  });

  it("refuses a target that already holds instances, and copies nothing", async () => {
    const from = tempSqliteUrl();
    const to = tempPostgresUrl();
    const source = await open(from);
    await source.client.startNew(approval, { instanceId: "a", input: 1 });
    await source.stop();
    batons.splice(batons.indexOf(source), 1);
    const occupied = await createClient({ store: to });
    await createBaton({ store: to, functions, logger: quiet }).then(async (b) => {
      await b.client.startNew(sleeper, { instanceId: "already-here", input: 1 });
      await b.stop();
    });
    const error = await migrateStore(from, to).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/already holds instances.*empty schema/);
    const listed = await occupied.list({ pageSize: 10 });
    expect(listed.instances.map((i) => i.instanceId)).toEqual(["already-here"]);
    await occupied.close();
  });

  it("refuses while a worker still runs on the SQLite store", async () => {
    const from = tempSqliteUrl();
    const running = await open(from);
    await running.start();
    const to = tempPostgresUrl();
    await expect(migrateStore(from, to)).rejects.toThrow(/stop every worker/);
    const target = await createClient({ store: to });
    expect((await target.list({ pageSize: 10 })).instances).toEqual([]);
    await target.close();
  });

  it("rejects a SQLite path with no store, creating no file", async () => {
    const from = tempSqliteUrl();
    await expect(migrateStore(from, tempPostgresUrl())).rejects.toThrow(/No SQLite store at/);
    expect(existsSync(from.slice("sqlite:".length))).toBe(false);
  });

  it("rejects URLs of the wrong kinds", async () => {
    await expect(migrateStore("postgres://x/y", tempSqliteUrl())).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(migrateStore(tempSqliteUrl(), "sqlite:/tmp/x.db")).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
