import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  RECORDS,
  functions,
  processRecords,
  results,
  runs,
  settings,
  type DataRecord,
  type ProcessInput,
} from "../../examples/process-records/functions.js";
import { createBaton, type Baton } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { historyOf, startBaton } from "./kit.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";

const sumOf = (records: readonly DataRecord[]) => records.reduce((sum, record) => sum + record.value, 0);
const expectedTotal = sumOf(RECORDS);
const start: ProcessInput = { cursor: null, pageSize: 20, processed: 0 };

// Batons on a store of the test's own choosing (the kit makes a new file for each).
const own: Baton[] = [];
afterEach(async () => {
  for (const baton of own.splice(0)) await baton.stop();
});

beforeEach(() => {
  results.clear();
  runs.length = 0;
  settings.processDelayMs = 0;
});

/** How many times ProcessRecord ran for each record of `instanceId`. */
function runsPerRecord(instanceId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const run of runs) if (run.instanceId === instanceId) counts.set(run.recordId, (counts.get(run.recordId) ?? 0) + 1);
  return counts;
}

function expectEachRecordOnce(instanceId: string): void {
  const counts = runsPerRecord(instanceId);
  expect([...counts.keys()].sort()).toEqual(RECORDS.map((r) => r.id));
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  expect(results.get(instanceId)).toEqual(new Map(RECORDS.map((r) => [r.id, r.value])));
}

describe("example: process records in a loop", () => {
  it("processes all 250 records once, one page per generation, with the last page's history only", async () => {
    const baton = await startBaton(functions);
    const id = await baton.client.startNew(processRecords, { input: start });
    const done = await baton.client.waitForCompletion(id, { timeout: "30s" });

    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ processed: 250, total: expectedTotal, pages: 13 });
    expectEachRecordOnce(id);
    // Twelve full pages came before the last one, which holds the 10 records left.
    expect(done.input).toEqual({ cursor: "rec-240", pageSize: 20, processed: 240, total: sumOf(RECORDS.slice(0, 240)), pages: 12 });
    // Each page is a generation of its own: a new execution id in the calls' idempotency keys.
    const executions = new Set(runs.map((r) => r.idempotencyKey.slice(id.length + 1).split(":")[0]));
    expect(executions.size).toBe(13);

    const history = await historyOf(baton, id);
    expect(history.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
    const scheduled = history.filter((e) => e.type === "TaskScheduled");
    expect(scheduled.map((e) => e.name)).toEqual(["FetchPage", ...Array<string>(10).fill("ProcessRecord")]);
    expect(scheduled.slice(1).map((e) => (e.input as { id: string }).id)).toEqual(RECORDS.slice(240).map((r) => r.id));
    // Bounded by the page size, not by the 250 records: a few events per call at most.
    expect(history.length).toBeLessThan(4 * (start.pageSize + 1));
  });

  it("keeps at most 5 records in flight per page and ends on a page that fills exactly", async () => {
    const baton = await startBaton(functions, { maxConcurrentActivities: 50 });
    const id = await baton.client.startNew(processRecords, { input: { cursor: null, pageSize: 50, processed: 0 } });
    const done = await baton.client.waitForCompletion(id, { timeout: "30s" });

    // 250 is 5 full pages: the fifth has no page after it, so no empty sixth generation.
    expect(done.output).toEqual({ processed: 250, total: expectedTotal, pages: 5 });
    expectEachRecordOnce(id);
    const history = await historyOf(baton, id);
    const scheduled = history.filter((e) => e.type === "TaskScheduled" && e.name === "ProcessRecord");
    expect(scheduled).toHaveLength(50);
    // ctx.map's bound, as recorded: never more than 5 ProcessRecord calls scheduled and not yet completed.
    let inFlight = 0;
    let most = 0;
    const processSeqs = new Set(scheduled.map((e) => e.seq));
    for (const event of history) {
      if (event.type === "TaskScheduled" && processSeqs.has(event.seq)) most = Math.max(most, ++inFlight);
      if (event.type === "TaskCompleted" && processSeqs.has(event.seq)) inFlight--;
    }
    expect(most).toBe(5);
  });

  it("goes on where it was after a graceful stop and a new baton on the same file, processing nothing twice", async () => {
    settings.processDelayMs = 10; // slow enough to stop it half-way
    const store = tempStoreUrl();
    const first = await createBaton({ store, functions, logger: quiet });
    own.push(first);
    await first.start();
    const id = await first.client.startNew(processRecords, { input: start });
    const progress = await waitUntil(async () => {
      const status = await first.client.getStatus(id);
      const pages = (status?.customStatus as { pages?: number } | undefined)?.pages ?? 0;
      return status && pages >= 3 ? status : undefined;
    }, "three pages processed");
    expect(progress.runtimeStatus).toBe("Running");
    await first.stop();

    // Stopped half-way: some records done, not all, and none of them twice.
    const before = runsPerRecord(id);
    expect(before.size).toBeGreaterThanOrEqual(60);
    expect(before.size).toBeLessThan(RECORDS.length);
    expect([...before].filter(([, n]) => n !== 1)).toEqual([]);

    const second = await createBaton({ store, functions, logger: quiet });
    own.push(second);
    await second.start();
    const done = await second.client.waitForCompletion(id, { timeout: "30s" });

    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual({ processed: 250, total: expectedTotal, pages: 13 });
    expectEachRecordOnce(id);
    const history = (await second.client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
    expect(history.length).toBeLessThan(4 * (start.pageSize + 1));
  });
});
