/**
 * What a baton logs, as fields: each failed activity attempt (at warn with the error, the
 * attempt and when the next runs; at error when it is not retried), by queued and inline
 * attempts alike; ctx.log and actx.log with their context and the caller's own object; and
 * nothing while an orchestration replays.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, orchestration, type ActivityFailedError } from "../../src/index.js";
import { createTestEnvironment, type TestEnvironment } from "../../src/testing/index.js";
import { capturingLogger, type CapturingLogger, type LogRecord } from "../helpers/capturing-logger.js";

let env: TestEnvironment | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** When each attempt of Charge started, on the environment's clock. */
let attemptStarts: number[] = [];
let failUntilAttempt = 0;

const charge = activity(
  "Charge",
  async (amount: number, actx) => {
    attemptStarts.push(env!.now());
    if (actx.attempt < failUntilAttempt) throw new Error(`card declined (attempt ${actx.attempt})`);
    return amount;
  },
  { retry: { maxAttempts: 3, firstRetryInterval: "1m", backoffCoefficient: 2 } },
);

const checkout = orchestration("Checkout", async (ctx, amount: number) => {
  try {
    return await ctx.callActivity(charge, amount);
  } catch (error) {
    return `gave up after ${(error as ActivityFailedError).attempts}`;
  }
});

async function run(logger: CapturingLogger, inlineActivities: boolean, failures: number): Promise<{ id: string; output: unknown }> {
  attemptStarts = [];
  failUntilAttempt = failures + 1;
  env = await createTestEnvironment({ functions: [charge, checkout], logger, inlineActivities });
  const id = await env.client.startNew(checkout, { input: 42 });
  const done = await env.client.waitForCompletion(id);
  return { id, output: done.output };
}

const ofLevel = (logger: CapturingLogger, level: LogRecord["level"]) => logger.records.filter((record) => record.level === level);

describe.each([
  { path: "queued attempts", inlineActivities: false },
  { path: "inline first attempts", inlineActivities: true },
])("failed activity attempts ($path)", ({ inlineActivities }) => {
  it("logs each failed attempt at warn with the error, the attempt and when the next one runs; the later success logs nothing more", async () => {
    const logger = capturingLogger();
    const { id, output } = await run(logger, inlineActivities, 2);
    expect(output).toBe(42);
    expect(attemptStarts).toHaveLength(3);
    const warns = ofLevel(logger, "warn");
    expect(warns.map((w) => w.message)).toEqual(["activity attempt failed, will retry", "activity attempt failed, will retry"]);
    warns.forEach((warn, i) => {
      expect(warn.fields).toMatchObject({ instanceId: id, name: "Charge", seq: 0, attempt: i + 1, err: { message: `card declined (attempt ${i + 1})` } });
      expect(warn.fields.executionId).toEqual(expect.any(String));
      expect(warn.fields.workerId).toEqual(expect.any(String));
      // The next attempt runs when the line says (the test clock jumps straight there), after the backoff.
      const nextAttemptAt = (warn.fields.nextAttemptAt as Date).getTime();
      expect(attemptStarts[i + 1]! - nextAttemptAt).toBeGreaterThanOrEqual(0);
      expect(attemptStarts[i + 1]! - nextAttemptAt).toBeLessThan(1000);
      const backoff = nextAttemptAt - attemptStarts[i]!;
      expect(backoff).toBeGreaterThanOrEqual(60_000 * 2 ** i);
      expect(backoff).toBeLessThan(60_000 * 2 ** i + 1000);
    });
    expect(ofLevel(logger, "error")).toEqual([]);
    // The context is in the fields, not in the message.
    expect(logger.records.filter((r) => r.message.includes(id))).toEqual([]);
  });

  it("logs an attempt that will not be retried at error: failed for good after N attempts, with no next attempt", async () => {
    const logger = capturingLogger();
    const { id, output } = await run(logger, inlineActivities, 3);
    expect(output).toBe("gave up after 3");
    expect(ofLevel(logger, "warn").map((w) => w.fields.attempt)).toEqual([1, 2]);
    const errors = ofLevel(logger, "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: "activity failed for good after 3 attempts",
      fields: { instanceId: id, name: "Charge", seq: 0, attempt: 3, err: { message: "card declined (attempt 3)" } },
    });
    expect(errors[0]!.fields).not.toHaveProperty("nextAttemptAt");
  });
});

describe("ctx.log and actx.log", () => {
  const greet = activity("Greet", async (name: string, actx) => {
    actx.log.info("greeting", { who: name });
    actx.log.debug("positional values stay", 7);
    return `Hello, ${name}`;
  });
  const hello = orchestration("Hello", async (ctx, names: string[]) => {
    ctx.log.info("starting", { n: names.length });
    const out: string[] = [];
    for (const name of names) {
      out.push(await ctx.callActivity(greet, name));
      ctx.log.info("greeted", { name: `not the orchestration's: ${name}` });
    }
    return out;
  });

  it("carry the context as fields with the caller's object merged in (the caller's keys win); replay writes nothing", async () => {
    const logger = capturingLogger();
    // No cache and no inline chain: every episode replays the history before it.
    env = await createTestEnvironment({ functions: [greet, hello], logger, inlineActivities: false, maxCachedOrchestrations: 0 });
    const id = await env.client.startNew(hello, { input: ["Ada", "Bo"] });
    expect((await env.client.waitForCompletion(id)).output).toEqual(["Hello, Ada", "Hello, Bo"]);

    const context = { instanceId: id, executionId: expect.any(String), workerId: expect.any(String) };
    const lines = logger.records.map(({ level, message, fields }) => ({ level, message, fields }));
    expect(lines.filter((l) => l.fields.name === "Hello" || String(l.fields.name).startsWith("not"))).toEqual([
      { level: "info", message: "starting", fields: { ...context, name: "Hello", n: 2 } },
      { level: "info", message: "greeted", fields: { ...context, name: "not the orchestration's: Ada" } },
      { level: "info", message: "greeted", fields: { ...context, name: "not the orchestration's: Bo" } },
    ]);
    const greeting = lines.filter((l) => l.fields.name === "Greet");
    expect(greeting).toEqual([
      { level: "info", message: "greeting", fields: { ...context, name: "Greet", seq: 0, attempt: 1, who: "Ada" } },
      { level: "debug", message: "positional values stay", fields: { ...context, name: "Greet", seq: 0, attempt: 1 } },
      { level: "info", message: "greeting", fields: { ...context, name: "Greet", seq: 1, attempt: 1, who: "Bo" } },
      { level: "debug", message: "positional values stay", fields: { ...context, name: "Greet", seq: 1, attempt: 1 } },
    ]);
    expect(logger.matching("positional values stay 7")).toHaveLength(2);
    expect(logger.records).toHaveLength(7);
  });
});
