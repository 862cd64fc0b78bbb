/**
 * Durations and times no clock can reach (1e300, Infinity, an invalid Date, a Date past the
 * largest valid one, more than 100 years ahead): the call that was given one throws
 * InvalidArgumentError where the code made it, nothing is recorded for it, and a replay
 * decides the same way as the first run.
 */
import { describe, expect, it } from "vitest";
import { MAX_DURATION_MS } from "../../src/definitions/duration.js";
import { orchestration } from "../../src/definitions/orchestration.js";
import type { OrchestrationContext } from "../../src/definitions/orchestration.js";
import type { HistoryEvent } from "../../src/engine/history-event.js";
import { EngineHarness } from "../helpers/engine-harness.js";
import { failedMsg, started, timerFiredMsg } from "../helpers/history-factories.js";
import { outputOf, runBothPaths } from "./engine-kit.js";

const HUNDRED_AND_ONE_YEARS_MS = 101 * 365.25 * 86_400_000;

const BAD_CALLS: [string, (ctx: OrchestrationContext) => unknown, string][] = [
  ["ctx.sleep(1e300)", (ctx) => ctx.sleep(1e300), "ctx.sleep duration must be a number of milliseconds from 0 to 3155760000000 ms (100 years), got 1e+300."],
  ["ctx.sleep(Infinity)", (ctx) => ctx.sleep(Infinity), "got Infinity"],
  ["ctx.sleep(NaN)", (ctx) => ctx.sleep(NaN), "got NaN"],
  ['ctx.sleep("99999999d")', (ctx) => ctx.sleep("99999999d"), '"99999999d" is longer than 100 years'],
  ["createTimer(new Date(NaN))", (ctx) => ctx.createTimer(new Date(NaN)), "ctx.createTimer(fireAt) must be a valid Date, got an invalid Date."],
  ["createTimer past the largest Date", (ctx) => ctx.createTimer(new Date(8.64e15 + 1)), "must be a valid Date"],
  ["createTimer at the largest Date", (ctx) => ctx.createTimer(new Date(8.64e15)), "+275760-09-13T00:00:00.000Z is more than 100 years ahead"],
  [
    "createTimer 101 years ahead",
    (ctx) => ctx.createTimer(new Date(ctx.currentUtcDateTime.getTime() + HUNDRED_AND_ONE_YEARS_MS)),
    "is more than 100 years ahead: the latest time allowed now is",
  ],
  ["waitForExternalEvent timeout 1e300", (ctx) => ctx.waitForExternalEvent("Go", { timeout: 1e300 }), "waitForExternalEvent timeout must be"],
  ["callActivity timeout Infinity", (ctx) => ctx.callActivity("A", 1, { timeout: Infinity }), 'timeout of the call to activity "A" must be'],
  ["callActivity retry.firstRetryInterval 1e300", (ctx) => ctx.callActivity("A", 1, { retry: { maxAttempts: 2, firstRetryInterval: 1e300 } }), "retry.firstRetryInterval"],
  ["callActivity retry.maxRetryInterval Infinity", (ctx) => ctx.callActivity("A", 1, { retry: { maxAttempts: 2, maxRetryInterval: Infinity } }), "retry.maxRetryInterval"],
  ["callActivity retry.backoffCoefficient Infinity", (ctx) => ctx.callActivity("A", 1, { retry: { maxAttempts: 2, backoffCoefficient: Infinity } }), "retry.backoffCoefficient"],
  ["callSubOrchestrator retry.retryTimeout 1e300", (ctx) => ctx.callSubOrchestrator("Child", 1, { retry: { maxAttempts: 2, retryTimeout: 1e300 } }), "retry.retryTimeout"],
];

/** No event of the history carries a time that is not a safe integer (as a null fireAt would be once stored). */
function expectStorableTimes(history: readonly HistoryEvent[]): void {
  for (const event of history) {
    for (const [key, value] of Object.entries(event)) {
      if (key === "timestamp" || key === "fireAt") expect(Number.isSafeInteger(value), `${event.type}.${key} = ${String(value)}`).toBe(true);
    }
  }
}

describe("a duration or time no clock can reach, inside an orchestration", () => {
  it.each(BAD_CALLS)("%s throws InvalidArgumentError at the call, and nothing is scheduled for it", async (_what, call, message) => {
    const o = orchestration("Unreachable", async (ctx) => {
      try {
        call(ctx);
        return "no error";
      } catch (error) {
        const e = error as { name: string; code: string; message: string };
        return { name: e.name, code: e.code, message: e.message };
      }
    });
    const { cached, replay } = await runBothPaths(o, [[started("Unreachable")]]);
    for (const run of [cached, replay]) {
      const [result] = run.results;
      expect(outputOf(result!)).toMatchObject({ name: "InvalidArgumentError", code: "INVALID_ARGUMENT" });
      expect((outputOf(result!) as { message: string }).message).toContain(message);
      expect(result!.commands).toEqual([]);
      expect(run.history.map((e) => e.type)).toEqual(["EpisodeStarted", "ExecutionStarted", "ExecutionCompleted"]);
    }
  });

  it.each(BAD_CALLS)("%s left uncaught fails the orchestration with INVALID_ARGUMENT and records no timer", async (_what, call) => {
    const o = orchestration("UnreachableUncaught", async (ctx) => {
      await ctx.callActivity("Before");
      await call(ctx);
    });
    const h = new EngineHarness(o);
    await h.episode(started("UnreachableUncaught"));
    const { newEvents, ...result } = await h.episode({ type: "TaskCompleted", seq: 0 });
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.failure).toMatchObject({ code: "INVALID_ARGUMENT", name: "InvalidArgumentError" });
    expect(result.commands).toEqual([]);
    expect(newEvents.map((e) => e.type)).toEqual(["EpisodeStarted", "TaskCompleted", "ExecutionFailed"]);
    expectStorableTimes(h.history);
  });

  it("accepts the longest duration and the latest time: their timers fire at exact, valid times", async () => {
    const o = orchestration("Longest", async (ctx) => {
      const now = ctx.currentUtcDateTime.getTime();
      ctx.sleep(MAX_DURATION_MS);
      ctx.sleep("36525d");
      ctx.createTimer(new Date(now + MAX_DURATION_MS));
      await ctx.waitForExternalEvent("Go", { timeout: MAX_DURATION_MS });
    });
    const h = new EngineHarness(o);
    const first = await h.episode(started("Longest"));
    const latest = first.newEvents[0]!.timestamp + MAX_DURATION_MS;
    expect(first.commands).toEqual([0, 1, 2, 3].map((seq) => ({ type: "CreateTimer", seq, fireAt: latest })));
    expectStorableTimes(h.history);
  });

  it("an orchestration-driven retry whose backoff outgrows every clock waits 100 years, not forever", async () => {
    const o = orchestration("HugeBackoff", async (ctx) => {
      await ctx.callActivity("Flaky", null, {
        retry: { maxAttempts: 3, firstRetryInterval: "36525d", backoffCoefficient: 1e300, retryIf: () => true },
      });
    });
    const h = new EngineHarness(o);
    await h.episode(started("HugeBackoff"));
    const second = await h.episode(failedMsg(0, "x"));
    expect(second.commands).toEqual([{ type: "CreateTimer", seq: 1, fireAt: second.newEvents[0]!.timestamp + MAX_DURATION_MS }]);
    await h.episode(timerFiredMsg(1));
    // The second wait would be 100 years times 1e300 (Infinity): it is 100 years.
    const fourth = await h.episode(failedMsg(2, "x"));
    expect(fourth.commands).toEqual([{ type: "CreateTimer", seq: 3, fireAt: fourth.newEvents[0]!.timestamp + MAX_DURATION_MS }]);
    expectStorableTimes(h.history);
  });
});
