/**
 * Process records, tested with batonjs/testing: every page, one generation each, and a
 * record whose processing fails once, retried without the rest of its page running again.
 */
import { beforeEach, expect, it } from "vitest";
import { createTestEnvironment } from "../../../src/testing/index.js";
import { fetchPage, functions, processRecord, processRecords, RECORDS, runs } from "../../../examples/process-records/functions.js";

const expectedTotal = RECORDS.reduce((sum, record) => sum + record.value, 0);

beforeEach(() => {
  runs.length = 0; // ProcessRecord records its runs in the example's module
});

it("processes every record, one page per generation", async () => {
  const env = await createTestEnvironment({ functions });
  try {
    const id = await env.client.startNew(processRecords, { input: { cursor: null, pageSize: 100, processed: 0 } });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toEqual({ processed: 250, total: expectedTotal, pages: 3 });
    expect(env.activityCalls(fetchPage).map((call) => call.input)).toEqual([
      { cursor: null, pageSize: 100 },
      { cursor: "rec-100", pageSize: 100 },
      { cursor: "rec-200", pageSize: 100 },
    ]);
    // Only the last page is in the history: continueAsNew started each generation afresh.
    const scheduled = (await env.history(id)).filter((entry) => entry.type === "TaskScheduled");
    expect(scheduled).toHaveLength(1 + 50);
  } finally {
    await env.close();
  }
});

it("retries a failed record alone", async () => {
  const env = await createTestEnvironment({ functions, defaultActivityRetry: { maxAttempts: 2, firstRetryInterval: "30s" } });
  try {
    env.failActivity(processRecord, { error: new Error("destination unavailable") }); // the first record's first attempt
    const id = await env.client.startNew(processRecords, { input: { cursor: null, pageSize: 10, processed: 0 } });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toEqual({ processed: 250, total: expectedTotal, pages: 25 });
    // The failed attempt did not run the implementation; its retry did: each record ran once.
    expect(runs).toHaveLength(250);
    expect(new Set(runs.map((run) => run.recordId)).size).toBe(250);
    expect(env.activityCalls(processRecord).filter((call) => call.attempt === 2)).toHaveLength(1);
  } finally {
    await env.close();
  }
});
