/**
 * The test kit under node:test rather than vitest (run by node-test.test.ts with
 * `node --import tsx --test`): a 7-day timer completes on the environment's clock.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { activity, orchestration } from "../../../src/index.js";
import { createTestEnvironment } from "../../../src/testing/index.js";

const START = Date.parse("2030-01-01T00:00:00Z");
const DAY = 86_400_000;

const remind = activity("Remind", async (name: string) => `reminded ${name}`);
const weekLater = orchestration("WeekLater", async (ctx, name: string) => {
  await ctx.sleep("7d");
  return await ctx.callActivity(remind, name);
});

test("a 7-day timer completes on the virtual clock", async () => {
  const env = await createTestEnvironment({ functions: [remind, weekLater], startTime: START });
  try {
    const id = await env.client.startNew(weekLater, { input: "ada" });
    const done = await env.client.waitForCompletion(id);
    assert.equal(done.output, "reminded ada");
    assert.ok(env.now() >= START + 7 * DAY, `the clock is at ${new Date(env.now()).toISOString()}`);
  } finally {
    await env.close();
  }
});
