/**
 * What the engine tells of an orchestration's waiting, for getStatus: each episode that leaves
 * the code running reports the event names it waits on. And what a success after retries adds
 * to its TaskCompleted (attempts, last failure) is for readers only: replay ignores it, so old
 * histories without it replay unchanged.
 */
import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/definitions/orchestration.js";
import type { HistoryEvent } from "../../src/engine/history-event.js";
import { MAX_AWAITING_SHOWN } from "../../src/engine/orchestration-run.js";
import { replayed } from "../helpers/engine-harness.js";
import { completedMsg, episodeStarted, eventMsg, executionStarted, failedMsg, started, taskCompleted, taskScheduled, timerFiredMsg } from "../helpers/history-factories.js";
import { outputOf, runBothPaths, scheduled } from "./engine-kit.js";

describe("what an episode's result says the code awaits", () => {
  it("names each awaited event once, in the order first awaited, until the code stops waiting", async () => {
    const waits = orchestration("Waits", async (ctx) => {
      const approvals = Promise.all([ctx.waitForExternalEvent("approve"), ctx.waitForExternalEvent("approve")]);
      await ctx.waitForExternalEvent("ready");
      await approvals;
      return "done";
    });
    const { cached, replay } = await runBothPaths(waits, [[started("Waits")], [eventMsg("ready")], [eventMsg("approve")], [eventMsg("approve")]]);
    for (const { results } of [cached, replay]) {
      expect(results.map((result) => result.awaiting)).toEqual([{ events: ["approve", "ready"] }, { events: ["approve"] }, { events: ["approve"] }, undefined]);
      expect(outputOf(results[3]!)).toBe("done");
    }
  });

  it("drops a wait that timed out, and reports nothing for code that waits on no event", async () => {
    const timesOut = orchestration("TimesOut", async (ctx) => {
      await ctx.waitForExternalEvent("never", { timeout: "1h" }).catch(() => undefined);
      await ctx.sleep("1h");
    });
    const { cached, replay } = await runBothPaths(timesOut, [[started("TimesOut")], [timerFiredMsg(0)], [timerFiredMsg(1)]]);
    for (const { results } of [cached, replay]) {
      expect(results.map((result) => result.awaiting)).toEqual([{ events: ["never"] }, undefined, undefined]);
    }
  });

  it(`reports at most ${MAX_AWAITING_SHOWN} names`, async () => {
    const many = orchestration("Many", async (ctx) => {
      await Promise.all(Array.from({ length: MAX_AWAITING_SHOWN + 5 }, (_, i) => ctx.waitForExternalEvent(`e${i}`)));
    });
    const { cached } = await runBothPaths(many, [[started("Many")]]);
    expect(cached.results[0]!.awaiting!.events).toHaveLength(MAX_AWAITING_SHOWN);
    expect(cached.results[0]!.awaiting!.events![0]).toBe("e0");
  });
});

describe("retries the orchestration runs, in an episode's result", () => {
  it("names the call waiting on its backoff: the failed step, the attempt to come and why the last one failed", async () => {
    const retried = orchestration("Retried", async (ctx) =>
      ctx.callActivity<number>("Flaky", 1, { retry: { maxAttempts: 3, firstRetryInterval: "1m", retryIf: () => true } }),
    );
    const long = "x".repeat(2000);
    const { cached, replay } = await runBothPaths(retried, [[started("Retried")], [failedMsg(0, long)], [timerFiredMsg(1)], [completedMsg(2, 5)]]);
    for (const { results } of [cached, replay]) {
      expect(results[0]!.awaiting).toBeUndefined();
      const [backoff] = results[1]!.awaiting!.retries!;
      expect(backoff).toEqual({ timerSeq: 1, name: "Flaky", seq: 0, attempt: 2, lastFailure: { name: "Error", message: expect.any(String) } });
      // Stored with every episode of the wait: a long message is cut.
      expect(backoff!.lastFailure.message.length).toBeLessThanOrEqual(500);
      expect(scheduled(results[2]!)).toEqual([[2, "Flaky"]]);
      expect(results[2]!.awaiting).toBeUndefined();
      expect(outputOf(results[3]!)).toBe(5);
    }
  });
});

describe("attempts and lastFailure of a TaskCompleted", () => {
  const twoSteps = orchestration("TwoSteps", async (ctx) => {
    const first = await ctx.callActivity<number>("Step", 1);
    return ctx.callActivity<number>("Step", first + 1);
  });
  const historyWith = (completed: HistoryEvent): HistoryEvent[] => [
    episodeStarted(),
    executionStarted("TwoSteps"),
    taskScheduled(0, "Step", 1),
    episodeStarted(1000),
    completed,
    taskScheduled(1, "Step", 11),
  ];

  it("replay ignores them: a history with them and one without (older) lead to the same next step", async () => {
    const plain = taskCompleted(0, 10);
    const retried: HistoryEvent = { ...plain, type: "TaskCompleted", seq: 0, attempts: 3, lastFailure: { name: "Error", message: "flaky" } };
    const next = [];
    for (const history of [historyWith(plain), historyWith(retried)]) {
      const run = await replayed(twoSteps, history);
      const episode = await run.runEpisode([completedMsg(1, 12)], Date.UTC(2026, 0, 2));
      expect(outputOf(episode)).toBe(12);
      next.push(episode.newEvents.map((event) => event.type));
    }
    expect(next[1]).toEqual(next[0]);
    const fresh = await replayed(twoSteps, historyWith(retried));
    expect(scheduled(await fresh.runEpisode([], Date.UTC(2026, 0, 2)))).toEqual([]);
  });

  it("a live message carrying them is recorded with them, and resolves the call with its output alone", async () => {
    const run = await replayed(twoSteps, historyWith(taskCompleted(0, 10)).slice(0, 4));
    const episode = await run.runEpisode([{ type: "TaskCompleted", seq: 0, output: "10", attempts: 2, lastFailure: { name: "Error", message: "boom" } }], Date.UTC(2026, 0, 2));
    expect(episode.newEvents[1]).toMatchObject({ type: "TaskCompleted", seq: 0, attempts: 2, lastFailure: { name: "Error", message: "boom" } });
    expect(scheduled(episode)).toEqual([[1, "Step"]]);
    expect(episode.commands[0]).toMatchObject({ input: "11" });
  });
});
