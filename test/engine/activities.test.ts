import { describe, expect, it } from "vitest";
import { activity } from "../../src/definitions/activity.js";
import { orchestration } from "../../src/definitions/orchestration.js";
import { ActivityFailedError } from "../../src/errors.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import {
  completedMsg,
  episodeStarted,
  executionStarted,
  failedMsg,
  started,
  taskCompleted,
  taskScheduled,
  timerFiredMsg,
} from "../helpers/history-factories.js";
import { eventTypes, outputOf, scheduleTasks, scheduled } from "./engine-kit.js";

// The engine never runs activities: a body that throws proves results come from messages and history.
const neverRun = async (): Promise<never> => {
  throw new Error("the engine must not run activity code");
};

const charge = activity("Charge", neverRun as (order: { id: string; cents: number }) => Promise<string>);
const retried = activity("Retried", neverRun as (n: number) => Promise<number>, {
  retry: { maxAttempts: 5, firstRetryInterval: "3s" },
});
const retriedWithIf = activity("RetriedWithIf", neverRun as (n: number) => Promise<number>, {
  retry: { maxAttempts: 5, retryIf: (e) => e.message !== "fatal" },
});

describe("callActivity commands", () => {
  it("schedules an activity by definition with its input serialized, attempt 1 and a stable key", async () => {
    const o = orchestration("ByDefinition", async (ctx) => ctx.callActivity(charge, { id: "o-1", cents: 250 }));
    const h = new EngineHarness(o);
    const first = await h.episode(started("ByDefinition"));

    expect(first.runtimeStatus).toBe("Running");
    expect(first.commands).toEqual([
      {
        type: "ScheduleTask",
        seq: 0,
        name: "Charge",
        input: '{"id":"o-1","cents":250}',
        attempt: 1,
        idempotencyKey: "test-instance:exec-1:0",
        retry: null,
      },
    ]);
    const ts = first.newEvents[0]!.timestamp;
    expect(first.newEvents).toEqual([
      { type: "EpisodeStarted", timestamp: ts },
      { type: "ExecutionStarted", timestamp: ts, name: "ByDefinition", executionId: "exec-1" },
      { type: "TaskScheduled", timestamp: ts, seq: 0, name: "Charge", attempt: 1, input: '{"id":"o-1","cents":250}' },
    ]);

    const second = await h.episode(completedMsg(0, "receipt-9"));
    expect(second.commands).toEqual([]);
    expect(outputOf(second)).toBe("receipt-9");
  });

  it("schedules an activity by name, numbering calls in order", async () => {
    const o = orchestration("ByName", async (ctx) => {
      const a = ctx.callActivity("Remote.Lookup", [1, "two", null]);
      const b = ctx.callActivity("Remote.NoInput");
      const c = ctx.callActivity("Remote.When", { at: new Date(Date.UTC(2026, 5, 1)) });
      return ctx.all([a, b, c]);
    });
    const first = await new EngineHarness(o).episode(started("ByName"));
    const tasks = scheduleTasks(first);

    expect(tasks.map((t) => [t.seq, t.name, t.input])).toEqual([
      [0, "Remote.Lookup", '[1,"two",null]'],
      [1, "Remote.NoInput", undefined],
      [2, "Remote.When", '{"at":"2026-06-01T00:00:00.000Z"}'],
    ]);
    expect("input" in tasks[1]!).toBe(false);
    expect(tasks.map((t) => t.idempotencyKey)).toEqual([
      "test-instance:exec-1:0",
      "test-instance:exec-1:1",
      "test-instance:exec-1:2",
    ]);
    expect(first.newEvents.filter((e) => e.type === "TaskScheduled")).toHaveLength(3);
  });

  it("rejects input that JSON cannot carry at the call, without using a step", async () => {
    const o = orchestration("BadInput", async (ctx) => {
      let code = "none";
      try {
        ctx.callActivity("Takes", { callback: () => 1 });
      } catch (error) {
        code = (error as { code: string }).code;
      }
      await ctx.callActivity("Next", code);
      return code;
    });
    const h = new EngineHarness(o);
    const first = await h.episode(started("BadInput"));
    expect(scheduleTasks(first).map((t) => [t.seq, t.name, t.input])).toEqual([[0, "Next", '"SERIALIZATION_FAILED"']]);
    expect(outputOf(await h.episode(completedMsg(0)))).toBe("SERIALIZATION_FAILED");
  });

  it("resolves a call's retry policy into the command, in milliseconds", async () => {
    const o = orchestration("CallRetry", async (ctx) => {
      await ctx.all([
        ctx.callActivity(charge, { id: "a", cents: 1 }, {
          retry: { maxAttempts: 4, firstRetryInterval: "2s", backoffCoefficient: 3, maxRetryInterval: "1m", retryTimeout: "1h" },
        }),
        ctx.callActivity("ByName", 1, { retry: { maxAttempts: 2 } }),
        ctx.callActivity(retried, 7, { retry: { maxAttempts: 9, firstRetryInterval: 250 } }),
      ]);
    });
    const first = await new EngineHarness(o).episode(started("CallRetry"));
    expect(scheduleTasks(first).map((t) => [t.name, t.retry])).toEqual([
      ["Charge", { maxAttempts: 4, firstRetryIntervalMs: 2000, backoffCoefficient: 3, maxRetryIntervalMs: 60_000, retryTimeoutMs: 3_600_000 }],
      ["ByName", { maxAttempts: 2, firstRetryIntervalMs: 1000, backoffCoefficient: 2, maxRetryIntervalMs: null, retryTimeoutMs: null }],
      ["Retried", { maxAttempts: 9, firstRetryIntervalMs: 250, backoffCoefficient: 2, maxRetryIntervalMs: null, retryTimeoutMs: null }],
    ]);
  });

  it("leaves a definition's policy (and its retryIf) to the activity's host: retry is null in the command", async () => {
    const o = orchestration("DefinitionRetry", async (ctx) => {
      await ctx.all([ctx.callActivity(retried, 1), ctx.callActivity(retriedWithIf, 2), ctx.callActivity("Retried", 3)]);
    });
    const first = await new EngineHarness(o).episode(started("DefinitionRetry"));
    expect(scheduleTasks(first).map((t) => [t.seq, t.name, t.retry, t.attempt])).toEqual([
      [0, "Retried", null, 1],
      [1, "RetriedWithIf", null, 1],
      [2, "Retried", null, 1],
    ]);
    // The definition's retryIf never travels in the command: it is code, run where the activity runs.
    expect(JSON.parse(JSON.stringify(first.commands))).toEqual(first.commands);
  });

  it("fails the call with INVALID_ARGUMENT when its retry policy is invalid", async () => {
    const o = orchestration("InvalidRetry", async (ctx) => ctx.callActivity("X", 1, { retry: { maxAttempts: 0 } }));
    const result = await new EngineHarness(o).episode(started("InvalidRetry"));
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.commands).toEqual([]);
    expect(result.failure).toMatchObject({ code: "INVALID_ARGUMENT", name: "InvalidArgumentError" });
    expect(result.failure!.message).toContain("maxAttempts");
  });

  it("runs a call-level retryIf in the orchestration: one task per attempt, a durable timer between, one key", async () => {
    const seen: string[] = [];
    const o = orchestration("OrchestratedRetry", async (ctx) => {
      try {
        return await ctx.callActivity(retried, 5, {
          retry: {
            maxAttempts: 4,
            firstRetryInterval: "5s",
            retryIf: (error) => {
              seen.push(error.message);
              return error.message.startsWith("503");
            },
          },
        });
      } catch (error) {
        const e = error as ActivityFailedError;
        return { failed: e instanceof ActivityFailedError, name: e.activityName, attempts: e.attempts, message: e.cause.message };
      }
    });
    const h = new EngineHarness(o);

    const first = await h.episode(started("OrchestratedRetry"));
    expect(first.commands).toEqual([
      {
        type: "ScheduleTask",
        seq: 0,
        name: "Retried",
        input: "5",
        attempt: 1,
        idempotencyKey: "test-instance:exec-1:0",
        retry: { maxAttempts: 1, firstRetryIntervalMs: 1000, backoffCoefficient: 2, maxRetryIntervalMs: null, retryTimeoutMs: null },
      },
    ]);

    const second = await h.episode(failedMsg(0, "503 busy"));
    const secondAt = second.newEvents[0]!.timestamp;
    expect(second.commands).toEqual([{ type: "CreateTimer", seq: 1, fireAt: secondAt + 5000 }]);

    const third = await h.episode(timerFiredMsg(1));
    expect(third.commands).toMatchObject([
      { type: "ScheduleTask", seq: 2, name: "Retried", input: "5", attempt: 2, idempotencyKey: "test-instance:exec-1:0" },
    ]);
    expect(third.newEvents.find((e) => e.type === "TaskScheduled")).toMatchObject({ seq: 2, attempt: 2 });

    const fourth = await h.episode(failedMsg(2, "400 bad request"));
    expect(fourth.commands).toEqual([]);
    expect(outputOf(fourth)).toEqual({ failed: true, name: "Retried", attempts: 2, message: "400 bad request" });
    expect(seen).toEqual(["503 busy", "400 bad request"]);
  });

  it("stops orchestration-driven retries after maxAttempts", async () => {
    const o = orchestration("RetryExhausted", async (ctx) => {
      try {
        await ctx.callActivity("Flaky", null, { retry: { maxAttempts: 2, firstRetryInterval: 10, retryIf: () => true } });
        return "ok";
      } catch (error) {
        return (error as ActivityFailedError).attempts;
      }
    });
    const h = new EngineHarness(o);
    await h.episode(started("RetryExhausted"));
    expect((await h.episode(failedMsg(0, "x"))).commands).toMatchObject([{ type: "CreateTimer", seq: 1 }]);
    expect(scheduled(await h.episode(timerFiredMsg(1)))).toEqual([[2, "Flaky"]]);
    const last = await h.episode(failedMsg(2, "x"));
    expect(last.commands).toEqual([]);
    expect(outputOf(last)).toBe(2);
  });

  it("resolves a completed activity with its deserialized output, and undefined when it has none", async () => {
    const o = orchestration("Outputs", async (ctx) => {
      const a = await ctx.callActivity<{ list: number[] }>("A");
      const b = await ctx.callActivity<undefined>("B");
      return { a, bIsUndefined: b === undefined };
    });
    const h = new EngineHarness(o);
    await h.episode(started("Outputs"));
    await h.episode(completedMsg(0, { list: [1, 2, 3] }));
    expect(outputOf(await h.episode(completedMsg(1)))).toEqual({ a: { list: [1, 2, 3] }, bIsUndefined: true });
  });
});

describe("replay from history", () => {
  const double = activity("Double", neverRun as (n: number) => Promise<number>);
  const report = activity("Report", neverRun as (n: number) => Promise<void>);
  const sum = orchestration("Sum", async (ctx, ns: number[]) => {
    const doubled = await ctx.all(ns.map((n) => ctx.callActivity(double, n)));
    const total = doubled.reduce((s, n) => s + n, 0);
    await ctx.callActivity(report, total);
    return total;
  });

  const firstEpisode = [
    episodeStarted(0),
    executionStarted("Sum", [1, 2]),
    taskScheduled(0, "Double", 1),
    taskScheduled(1, "Double", 2),
  ];

  it("re-issues nothing already recorded", async () => {
    const run = await replayed(sum, firstEpisode);
    const result = await run.runEpisode([completedMsg(0, 2)], Date.UTC(2026, 0, 1, 0, 1));
    expect(result.commands).toEqual([]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "TaskCompleted"]);
    expect(result.runtimeStatus).toBe("Running");
  });

  it("takes results from history and issues only the first call without one", async () => {
    // History says the activities returned 20 and 40, not what Double would compute.
    const run = await replayed(sum, [...firstEpisode, episodeStarted(1000), taskCompleted(0, 20), taskCompleted(1, 40)]);
    const result = await run.runEpisode([], Date.UTC(2026, 0, 1, 0, 2));
    expect(result.commands).toMatchObject([{ type: "ScheduleTask", seq: 2, name: "Report", input: "60" }]);
  });

  it("completes from history plus the one new message", async () => {
    const history = [...firstEpisode, episodeStarted(1000), taskCompleted(0, 20), taskCompleted(1, 40), taskScheduled(2, "Report", 60)];
    const run = await replayed(sum, history);
    expect(run.finished).toBeUndefined();
    const result = await run.runEpisode([completedMsg(2)], Date.UTC(2026, 0, 1, 0, 3));
    expect(result.commands).toEqual([]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "TaskCompleted", "ExecutionCompleted"]);
    expect(outputOf(result)).toBe(60);
    expect(run.historyLength).toBe(history.length + 3);
  });

  it("replays a failed activity from history as ActivityFailedError", async () => {
    const o = orchestration("Catches", async (ctx) => {
      try {
        await ctx.callActivity("Pay", 1);
        return "paid";
      } catch (error) {
        const e = error as ActivityFailedError;
        await ctx.callActivity("Undo", e.cause.message);
        return "undone";
      }
    });
    const run = await replayed(o, [
      episodeStarted(0),
      executionStarted("Catches"),
      taskScheduled(0, "Pay", 1),
      episodeStarted(1000),
      { type: "TaskFailed", timestamp: 0, seq: 0, attempts: 3, error: { name: "Error", message: "card declined" } },
      taskScheduled(1, "Undo", "card declined"),
    ]);
    const result = await run.runEpisode([completedMsg(1)], Date.UTC(2026, 0, 2));
    expect(outputOf(result)).toBe("undone");
  });
});
