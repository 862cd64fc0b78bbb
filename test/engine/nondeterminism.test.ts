/**
 * Every way replayed code can disagree with its recorded history is a NonDeterminismError
 * naming the step and what history and code each did.
 */
import { describe, expect, it } from "vitest";
import { orchestration, type OrchestrationDefinition } from "../../src/definitions/orchestration.js";
import type { HistoryEvent } from "../../src/engine/history-event.js";
import { BatonError, NonDeterminismError } from "../../src/errors.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import {
  completedMsg,
  episodeStarted,
  executionStarted,
  started,
  taskCompleted,
  taskScheduled,
  timerCreated,
  timerFired,
} from "../helpers/history-factories.js";

async function replayError(definition: OrchestrationDefinition<any, any>, history: HistoryEvent[]): Promise<NonDeterminismError> {
  const error = await replayed(definition, history).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NonDeterminismError);
  expect(error).toBeInstanceOf(BatonError);
  const nd = error as NonDeterminismError;
  expect(nd.code).toBe("NON_DETERMINISM");
  expect(nd.name).toBe("NonDeterminismError");
  expect(nd.message).toContain('Instance "test-instance"');
  return nd;
}

const twoSteps: HistoryEvent[] = [
  episodeStarted(0),
  executionStarted("Flow"),
  taskScheduled(0, "Validate"),
  episodeStarted(1000),
  taskCompleted(0, true),
  taskScheduled(1, "Ship"),
];

describe("NonDeterminismError", () => {
  it("an activity renamed at a step", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Validate");
      await ctx.callActivity("Dispatch");
    });
    const error = await replayError(flow, twoSteps);
    expect(error.message).toContain('history has activity "Ship" at step 1');
    expect(error.message).toContain('the code called activity "Dispatch"');
  });

  it("an activity replaced by a timer", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Validate");
      await ctx.sleep("1m");
    });
    const error = await replayError(flow, twoSteps);
    expect(error.message).toContain('history has activity "Ship" at step 1');
    expect(error.message).toContain("the code created a timer");
  });

  it("a timer replaced by an activity", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Validate");
      await ctx.callActivity("Notify");
    });
    const error = await replayError(flow, [
      episodeStarted(0),
      executionStarted("Flow"),
      taskScheduled(0, "Validate"),
      episodeStarted(1000),
      taskCompleted(0),
      timerCreated(1, 60_000),
    ]);
    expect(error.message).toContain("history has a timer at step 1");
    expect(error.message).toContain('the code called activity "Notify"');
  });

  it("a recorded call the code no longer makes", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Validate");
      return "done early";
    });
    const error = await replayError(flow, twoSteps);
    expect(error.message).toContain('history has activity "Ship" at step 1');
    expect(error.message).toContain("the code made no call there");
  });

  it("a recorded timer the code no longer creates", async () => {
    const flow = orchestration("Flow", async () => "no timer");
    const error = await replayError(flow, [episodeStarted(0), executionStarted("Flow"), timerCreated(0, 5000)]);
    expect(error.message).toContain("history has a timer at step 0");
    expect(error.message).toContain("made no call there");
  });

  it("a call removed from the middle shifts the later steps", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Ship");
    });
    const error = await replayError(flow, twoSteps);
    expect(error.message).toContain('history has activity "Validate" at step 0');
    expect(error.message).toContain('the code called activity "Ship"');
  });

  it("a completion in history for a step the code never started", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Validate");
    });
    const error = await replayError(flow, [
      episodeStarted(0),
      executionStarted("Flow"),
      taskScheduled(0, "Validate"),
      episodeStarted(1000),
      taskCompleted(5, "stray"),
    ]);
    expect(error.message).toContain("completes a task at step 5");
    expect(error.message).toContain("never started");
  });

  it("a timer firing in history at a step where the code called an activity", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Validate");
    });
    const error = await replayError(flow, [episodeStarted(0), executionStarted("Flow"), taskScheduled(0, "Validate"), timerFired(0)]);
    expect(error.message).toContain("completes a timer at step 0");
  });

  it("names the fix in the message", async () => {
    const flow = orchestration("Flow", async (ctx) => {
      await ctx.callActivity("Other");
    });
    const error = await replayError(flow, twoSteps);
    expect(error.message).toContain("Deploy code compatible with its history (or guard the change with ctx.patched())");
    expect(error.message).toContain("Or terminate it.");
    // Rewind applies to Failed instances only, and a stalled one is Running.
    expect(error.message).not.toMatch(/rewind/i);
  });

  it("is raised when code deployed between episodes no longer fits the recorded history", async () => {
    const v1 = orchestration("Deploy", async (ctx) => {
      const a = await ctx.callActivity<number>("Fetch");
      return ctx.callActivity("Store", a);
    });
    const v2 = orchestration("Deploy", async (ctx) => {
      const a = await ctx.callActivity<number>("Fetch");
      await ctx.sleep("1s");
      return ctx.callActivity("Store", a);
    });
    const h = new EngineHarness(v1);
    await h.episode(started("Deploy"));
    await h.episode(completedMsg(0, 1));

    // v1's history replays with v1 ...
    await expect(replayed(v1, h.history)).resolves.toBeDefined();
    // ... but not with v2, which makes a timer where v1 called Store.
    const error = await replayError(v2, h.history);
    expect(error.message).toContain('history has activity "Store" at step 1');
    expect(error.message).toContain("the code created a timer");
  });

  it("accepts a compatible change: same calls, different local computation", async () => {
    const v2 = orchestration("Flow", async (ctx) => {
      const ok = await ctx.callActivity<boolean>("Validate");
      const label = ok ? "ship it" : "hold";
      await ctx.callActivity("Ship");
      return label;
    });
    const run = await replayed(v2, twoSteps);
    const result = await run.runEpisode([completedMsg(1)], Date.UTC(2026, 1, 1));
    expect(result.runtimeStatus).toBe("Completed");
    expect(result.output).toBe('"ship it"');
  });
});
