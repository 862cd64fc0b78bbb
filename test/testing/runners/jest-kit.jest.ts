/**
 * The test kit under jest (run by jest.test.ts with `jest --config jest.config.cjs`, ES modules
 * through node's vm modules): a 7-day timer completes on the environment's clock, and two
 * environments with different clocks run side by side.
 */
import { expect, test } from "@jest/globals";
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
    expect(done.output).toBe("reminded ada");
    expect(env.now()).toBeGreaterThanOrEqual(START + 7 * DAY);
  } finally {
    await env.close();
  }
});

test("two environments keep their own clocks in one process", async () => {
  const [a, b] = await Promise.all([
    createTestEnvironment({ functions: [remind, weekLater], startTime: START }),
    createTestEnvironment({ functions: [remind, weekLater], startTime: START, autoSkip: false }),
  ]);
  try {
    const id = await a.client.startNew(weekLater, { input: "a" });
    await a.client.waitForCompletion(id);
    expect(a.now()).toBeGreaterThanOrEqual(START + 7 * DAY);
    expect(b.now()).toBeLessThan(START + DAY);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
