/**
 * A result settles only a pending call of its own kind at its step: the kinds never share a
 * step, so a result of another kind is a replay that does not fit (NonDeterminismError) or,
 * live, a stray message that is dropped without touching the call waiting there.
 */
import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/definitions/orchestration.js";
import type { HistoryEvent, InboxMessage } from "../../src/engine/history-event.js";
import { NonDeterminismError } from "../../src/errors.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import { completedMsg, episodeStarted, executionStarted, started, taskScheduled, timerFiredMsg } from "../helpers/history-factories.js";
import { eventTypes, outputOf } from "./engine-kit.js";

const oneActivity = orchestration("OneActivity", async (ctx) => ctx.callActivity<string>("Fetch"));
const oneChild = orchestration("OneChild", async (ctx) => ctx.callSubOrchestrator("Child", undefined, { instanceId: "child-1" }));

describe("completions by kind", () => {
  it("rejects on replay a sub-orchestration result at the step of an activity", async () => {
    const history: HistoryEvent[] = [
      episodeStarted(0),
      executionStarted("OneActivity"),
      taskScheduled(0, "Fetch"),
      episodeStarted(1000),
      { type: "SubOrchestrationCompleted", timestamp: 0, seq: 0, output: '"x"' },
    ];
    const error = await replayed(oneActivity, history).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as Error).message).toBe('Instance "test-instance": history completes a sub at step 0 that the code never started.');
  });

  it("drops live a timer firing at the step of an activity, which still completes afterwards", async () => {
    const h = new EngineHarness(oneActivity);
    await h.episode(started("OneActivity"));
    const stray = await h.episode(timerFiredMsg(0));
    expect(eventTypes(stray)).toEqual(["EpisodeStarted"]);
    expect(stray.runtimeStatus).toBe("Running");
    expect(outputOf(await h.episode(completedMsg(0, "fetched")))).toBe("fetched");
  });

  it("names the failed child and its instance in the error the code sees", async () => {
    const caught = orchestration("Caught", async (ctx) => {
      try {
        await ctx.callSubOrchestrator("Child", undefined, { instanceId: "child-1" });
        return "no error";
      } catch (error) {
        return (error as Error).message;
      }
    });
    const h = new EngineHarness(caught);
    await h.episode(started("Caught"));
    const failed: InboxMessage = { type: "SubOrchestrationFailed", seq: 0, error: { name: "Error", message: "boom" } };
    expect(outputOf(await h.episode(failed))).toBe('Sub-orchestration "Child" (instance "child-1") failed: Error: boom');
  });

  it("drops live an activity result at the step of a child", async () => {
    const h = new EngineHarness(oneChild);
    await h.episode(started("OneChild"));
    const stray = await h.episode(completedMsg(0, "not a child's output"));
    expect(eventTypes(stray)).toEqual(["EpisodeStarted"]);
    const done: InboxMessage = { type: "SubOrchestrationCompleted", seq: 0, output: '"child output"' };
    expect(outputOf(await h.episode(done))).toBe("child output");
  });
});
