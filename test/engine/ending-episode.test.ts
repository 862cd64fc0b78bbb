/**
 * What an episode that ends its execution keeps of the calls it made without awaiting them:
 * the children it started (recorded and carried out: they outlive the parent), never its
 * activities or timers (neither recorded nor scheduled), nothing at all when terminated.
 * Replay of such a history matches it call for call.
 */
import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/definitions/orchestration.js";
import type { Command } from "../../src/engine/command.js";
import { NonDeterminismError } from "../../src/errors.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import { completedMsg, eventMsg, started, terminateMsg } from "../helpers/history-factories.js";
import { eventTypes, outputOf, runBothPaths } from "./engine-kit.js";

const startChild = (seq: number, instanceId = "c1", input: unknown = 1): Command => ({
  type: "StartSubOrchestration",
  seq,
  name: "Child",
  instanceId,
  input: JSON.stringify(input),
});

describe("an episode that ends its execution", () => {
  it("completing: starts the child it did not await, recorded before ExecutionCompleted", async () => {
    const o = orchestration("CompletesAfterChild", async (ctx) => {
      void ctx.callSubOrchestrator("Child", 1, { instanceId: "c1" });
      return "done";
    });
    const result = await new EngineHarness(o).episode(started("CompletesAfterChild"));
    expect(outputOf(result)).toBe("done");
    expect(result.commands).toEqual([startChild(0)]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "ExecutionStarted", "SubOrchestrationScheduled", "ExecutionCompleted"]);
    expect(result.newEvents[2]).toMatchObject({ seq: 0, name: "Child", instanceId: "c1", input: "1" });
  });

  it("failing: starts the child it did not await, recorded before ExecutionFailed", async () => {
    const o = orchestration("FailsAfterChild", async (ctx) => {
      void ctx.callSubOrchestrator("Child", 1, { instanceId: "c1" });
      throw new Error("after the child");
    });
    const result = await new EngineHarness(o).episode(started("FailsAfterChild"));
    expect(result).toMatchObject({ runtimeStatus: "Failed", failure: { message: "after the child" } });
    expect(result.commands).toEqual([startChild(0)]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "ExecutionStarted", "SubOrchestrationScheduled", "ExecutionFailed"]);
  });

  it("continuing as new: starts the child it did not await, recorded before ExecutionContinuedAsNew", async () => {
    const o = orchestration("ContinuesAfterChild", async (ctx, n: number) => {
      void ctx.callSubOrchestrator("Child", n, { instanceId: `c${n}` });
      ctx.continueAsNew(n + 1);
    });
    const result = await new EngineHarness(o).episode(started("ContinuesAfterChild", 1));
    expect(result).toMatchObject({ runtimeStatus: "ContinuedAsNew", continuedAsNew: { input: "2" } });
    expect(result.commands).toEqual([startChild(0)]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "ExecutionStarted", "SubOrchestrationScheduled", "ExecutionContinuedAsNew"]);
  });

  it("keeps the child started in a later episode too, after its earlier calls completed", async () => {
    const o = orchestration("LaterChild", async (ctx) => {
      const n = await ctx.callActivity<number>("Count");
      void ctx.callSubOrchestrator("Child", n, { instanceId: "c1" });
      return n;
    });
    const h = new EngineHarness(o);
    await h.episode(started("LaterChild"));
    const last = await h.episode(completedMsg(0, 7));
    expect(outputOf(last)).toBe(7);
    expect(last.commands).toEqual([startChild(1, "c1", 7)]);
  });

  it("schedules and records none of its activities and timers, and keeps its children's numbers", async () => {
    const o = orchestration("Mixed", async (ctx) => {
      void ctx.callActivity("Forgotten", "a"); // seq 0
      void ctx.callSubOrchestrator("Child", 1, { instanceId: "c1" }); // seq 1
      void ctx.sleep("1h"); // seq 2
      void ctx.createTimer(new Date(Date.UTC(2030, 0, 1))); // seq 3
      void ctx.callSubOrchestrator("Child", 2); // seq 4, default id
      void ctx.waitForExternalEvent("Never", { timeout: "1d" }); // seq 5: its timeout timer
      return "done";
    });
    const result = await new EngineHarness(o).episode(started("Mixed"));
    expect(outputOf(result)).toBe("done");
    expect(result.commands).toEqual([startChild(1), startChild(4, "test-instance:4", 2)]);
    expect(eventTypes(result)).toEqual([
      "EpisodeStarted",
      "ExecutionStarted",
      "SubOrchestrationScheduled",
      "SubOrchestrationScheduled",
      "ExecutionCompleted",
    ]);
    expect(result.newEvents.filter((e) => e.type === "SubOrchestrationScheduled").map((e) => "seq" in e && e.seq)).toEqual([1, 4]);
  });

  it("does not cancel an earlier timer it cancels on the way out: the end drops the timer anyway", async () => {
    const o = orchestration("CancelsOnTheWayOut", async (ctx) => {
      const reminder = ctx.sleep("1d"); // seq 0, recorded in the first episode
      await ctx.waitForExternalEvent("Go");
      reminder.cancel();
      return "done";
    });
    const h = new EngineHarness(o);
    expect((await h.episode(started("CancelsOnTheWayOut"))).commands).toEqual([{ type: "CreateTimer", seq: 0, fireAt: expect.any(Number) }]);
    const last = await h.episode(eventMsg("Go"));
    expect(outputOf(last)).toBe("done");
    expect(last.commands).toEqual([]);
  });

  it("terminated: carries out nothing, not even a child its code started in the same episode", async () => {
    const o = orchestration("TerminatedWithChild", async (ctx) => {
      void ctx.callSubOrchestrator("Child", 1, { instanceId: "c1" });
      void ctx.callActivity("Work");
      return ctx.waitForExternalEvent("Never");
    });
    const result = await new EngineHarness(o).episode(started("TerminatedWithChild"), terminateMsg("stop"));
    expect(result.runtimeStatus).toBe("Terminated");
    expect(result.commands).toEqual([]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "ExecutionStarted", "ExecutionTerminated"]);
  });
});

describe("replay of a history whose last episode started a child", () => {
  const parent = orchestration("Parent", async (ctx, n: number) => {
    const first = await ctx.callActivity<number>("First", n); // seq 0
    void ctx.callActivity("Forgotten", first); // seq 1: dropped
    void ctx.callSubOrchestrator("Child", first, { instanceId: "kept" }); // seq 2: kept
    void ctx.sleep("1h"); // seq 3: dropped
    return first;
  });
  const episodes = [[started("Parent", 1)], [completedMsg(0, 5)]];

  it("reaches the same commands and events on the cached path and on a fresh replay per episode", async () => {
    const { cached, replay } = await runBothPaths(parent, episodes);
    expect(replay.results).toEqual(cached.results);
    expect(replay.history).toEqual(cached.history);
    expect(cached.results.at(-1)!.commands).toEqual([startChild(2, "kept", 5)]);
  });

  it("replays the finished history without a mismatch and finishes the same way", async () => {
    const { cached } = await runBothPaths(parent, episodes);
    const run = await replayed(parent, cached.history);
    expect(run.finished).toBe("Completed");
  });

  it("detects code that no longer starts the child the history records", async () => {
    const { cached } = await runBothPaths(parent, episodes);
    const changed = orchestration("Parent", async (ctx, n: number) => {
      const first = await ctx.callActivity<number>("First", n);
      void ctx.callActivity("Forgotten", first);
      return first;
    });
    await expect(replayed(changed, cached.history)).rejects.toBeInstanceOf(NonDeterminismError);
  });
});

describe("a result for a number the execution gave to a call of another kind", () => {
  it("is dropped, not recorded (a late child's result reaching a generation that reused its number)", async () => {
    const o = orchestration("Reused", async (ctx) => ctx.callActivity<string>("Work")); // seq 0 is an activity
    const h = new EngineHarness(o);
    await h.episode(started("Reused"));
    const late = await h.episode({ type: "SubOrchestrationCompleted", seq: 0, output: '"child"' }, { type: "TimerFired", seq: 0 });
    expect(late.runtimeStatus).toBe("Running");
    expect(eventTypes(late)).toEqual(["EpisodeStarted"]);
    expect(outputOf(await h.episode(completedMsg(0, "work")))).toBe("work");
    // The history still replays: nothing in it completes a call the code never made.
    expect((await replayed(o, h.history)).finished).toBe("Completed");
  });
});
