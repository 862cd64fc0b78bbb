import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/definitions/orchestration.js";
import type { TimerTask } from "../../src/definitions/task.js";
import { TimeoutError, TimerCancelledError } from "../../src/errors.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import { completedMsg, eventMsg, started, timerFiredMsg } from "../helpers/history-factories.js";
import { eventTypes, outputOf, runBothPaths, scheduled } from "./engine-kit.js";

const FIXED = Date.UTC(2026, 6, 4, 12, 0, 0);

describe("durable timers", () => {
  it("createTimer issues CreateTimer at the given time and resolves to undefined when it fires", async () => {
    const o = orchestration("At", async (ctx) => {
      const value = await ctx.createTimer(new Date(FIXED));
      return { resolvedTo: value === undefined ? "undefined" : typeof value };
    });
    const h = new EngineHarness(o);
    const first = await h.episode(started("At"));
    expect(first.commands).toEqual([{ type: "CreateTimer", seq: 0, fireAt: FIXED }]);
    expect(first.newEvents[2]).toEqual({ type: "TimerCreated", timestamp: first.newEvents[0]!.timestamp, seq: 0, fireAt: FIXED });
    expect(first.runtimeStatus).toBe("Running");

    const second = await h.episode(timerFiredMsg(0));
    expect(second.commands).toEqual([]);
    expect(outputOf(second)).toEqual({ resolvedTo: "undefined" });
  });

  it("sleep fires at the current episode's time plus the duration, in ms or as a string", async () => {
    const o = orchestration("Sleeps", async (ctx) => {
      await ctx.sleep("5m");
      await ctx.sleep(1500);
      await ctx.sleep("2h");
    });
    const h = new EngineHarness(o);
    const first = await h.episode(started("Sleeps"));
    const t1 = first.newEvents[0]!.timestamp;
    expect(first.commands).toEqual([{ type: "CreateTimer", seq: 0, fireAt: t1 + 300_000 }]);

    const second = await h.episode(timerFiredMsg(0));
    const t2 = second.newEvents[0]!.timestamp;
    expect(t2).not.toBe(t1);
    expect(second.commands).toEqual([{ type: "CreateTimer", seq: 1, fireAt: t2 + 1500 }]);

    const third = await h.episode(timerFiredMsg(1));
    expect(third.commands).toEqual([{ type: "CreateTimer", seq: 2, fireAt: third.newEvents[0]!.timestamp + 7_200_000 }]);
    expect((await h.episode(timerFiredMsg(2))).runtimeStatus).toBe("Completed");
  });

  it("rejects an invalid Date or duration with INVALID_ARGUMENT", async () => {
    const o = orchestration("BadTimers", async (ctx) => {
      const codes: string[] = [];
      for (const bad of [() => ctx.createTimer(new Date("not a date")), () => ctx.sleep("soon" as never), () => ctx.sleep(-5)]) {
        try {
          bad();
          codes.push("no error");
        } catch (error) {
          codes.push((error as { code: string }).code);
        }
      }
      return codes;
    });
    const result = await new EngineHarness(o).episode(started("BadTimers"));
    expect(result.commands).toEqual([]);
    expect(outputOf(result)).toEqual(["INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT"]);
  });
});

describe("timer cancel()", () => {
  it("a cancelled timer rejects with TimerCancelledError (its fire time included) and ignores its TimerFired", async () => {
    let timer: TimerTask | undefined;
    const o = orchestration("CancelRecorded", async (ctx) => {
      timer = ctx.sleep("1h");
      await ctx.callActivity("First");
      timer.cancel();
      const second = ctx.callActivity("Second");
      const awaited = await timer.then(
        () => "resolved",
        (error: unknown) => (error instanceof TimerCancelledError ? { code: error.code, fireAt: error.fireAt.getTime() } : "other"),
      );
      return { awaited, cancelled: timer.isCancelled, second: await second };
    });
    const h = new EngineHarness(o);
    const first = await h.episode(started("CancelRecorded"));
    expect(first.commands.map((c) => [c.type, c.seq])).toEqual([
      ["CreateTimer", 0],
      ["ScheduleTask", 1],
    ]);
    const fireAt = (first.commands[0] as { fireAt: number }).fireAt;

    const second = await h.episode(completedMsg(1));
    expect(scheduled(second)).toEqual([[2, "Second"]]);
    expect(second.commands).toContainEqual({ type: "CancelTimer", seq: 0 });
    expect(timer!.isCancelled).toBe(true);

    const third = await h.episode(timerFiredMsg(0));
    expect(third.runtimeStatus).toBe("Running");
    expect(third.commands).toEqual([]);
    expect(eventTypes(third)).toEqual(["EpisodeStarted", "TimerFired"]);

    const fourth = await h.episode(completedMsg(2, "s"));
    expect(outputOf(fourth)).toEqual({ awaited: { code: "TIMER_CANCELLED", fireAt }, cancelled: true, second: "s" });
  });

  it("awaiting a timer cancelled earlier settles in the same episode, on both paths", async () => {
    const o = orchestration("AwaitCancelled", async (ctx) => {
      const timer = ctx.sleep("1d"); // seq 0
      await ctx.waitForExternalEvent("Stop");
      timer.cancel();
      await ctx.callActivity("Between"); // seq 1
      try {
        await timer;
        return "fired";
      } catch (error) {
        return (error as TimerCancelledError).code;
      }
    });
    const episodes = [[started("AwaitCancelled")], [eventMsg("Stop")], [completedMsg(1)]];
    const { cached, replay } = await runBothPaths(o, episodes);
    expect(replay.results).toEqual(cached.results);
    expect(cached.results[1]!.commands).toEqual([
      { type: "ScheduleTask", seq: 1, name: "Between", attempt: 1, idempotencyKey: expect.any(String), retry: null },
      { type: "CancelTimer", seq: 0 },
    ]);
    expect(outputOf(cached.results[2]!)).toBe("TIMER_CANCELLED");
    expect((await replayed(o, cached.history)).finished).toBe("Completed");
  });

  it("after ctx.any([timer, event]) won by the event, cancelling and then awaiting the timer rejects", async () => {
    const o = orchestration("AnyThenAwait", async (ctx) => {
      const timer = ctx.sleep("1h"); // seq 0
      const winner = await ctx.any<unknown>([timer, ctx.waitForExternalEvent("Done")]);
      timer.cancel();
      const later = await ctx.callActivity<string>("Later"); // seq 1
      const awaited = await timer.then(
        () => "fired",
        (error: unknown) => (error as TimerCancelledError).code,
      );
      return { winner: winner.index, later, awaited };
    });
    const episodes = [[started("AnyThenAwait")], [eventMsg("Done", 1)], [timerFiredMsg(0)], [completedMsg(1, "l")]];
    const { cached, replay } = await runBothPaths(o, episodes);
    expect(replay.results).toEqual(cached.results);
    expect(replay.history).toEqual(cached.history);
    expect(cached.results[1]!.commands).toContainEqual({ type: "CancelTimer", seq: 0 });
    expect(outputOf(cached.results[3]!)).toEqual({ winner: 1, later: "l", awaited: "TIMER_CANCELLED" });
  });

  it("an uncaught TimerCancelledError fails the orchestration with code TIMER_CANCELLED", async () => {
    const o = orchestration("UncaughtCancel", async (ctx) => {
      const timer = ctx.sleep("1h");
      timer.cancel();
      await timer;
      return "never";
    });
    const result = await new EngineHarness(o).episode(started("UncaughtCancel"));
    expect(result).toMatchObject({ runtimeStatus: "Failed", failure: { code: "TIMER_CANCELLED", name: "TimerCancelledError" } });
    expect(result.commands).toEqual([]);
  });

  it("a timer cancelled in the episode that created it is never created, and its step stays used", async () => {
    const o = orchestration("CancelNew", async (ctx) => {
      const timer = ctx.sleep("1d");
      timer.cancel();
      return ctx.callActivity("After");
    });
    const h = new EngineHarness(o);
    const first = await h.episode(started("CancelNew"));
    expect(first.commands.map((c) => [c.type, c.seq])).toEqual([["ScheduleTask", 1]]);
    expect(first.newEvents.some((e) => e.type === "TimerCreated")).toBe(false);
    expect(outputOf(await h.episode(completedMsg(1, "done")))).toBe("done");
  });

  it("cancel() after the timer fired does nothing", async () => {
    const o = orchestration("CancelFired", async (ctx) => {
      const timer = ctx.sleep(10);
      await timer;
      timer.cancel();
      return { cancelled: timer.isCancelled, again: await timer, next: await ctx.callActivity("Next") };
    });
    const h = new EngineHarness(o);
    await h.episode(started("CancelFired"));
    const second = await h.episode(timerFiredMsg(0));
    expect(second.commands.map((c) => [c.type, c.seq])).toEqual([["ScheduleTask", 1]]);
    expect(outputOf(await h.episode(completedMsg(1, 7)))).toEqual({ cancelled: false, next: 7 });
    expect((await replayed(o, h.history)).finished).toBe("Completed");
  });
});

describe("external events", () => {
  it("waiting issues no command; the event's data resolves the wait", async () => {
    const o = orchestration("Wait", async (ctx) => ctx.waitForExternalEvent<{ ok: boolean }>("Approval"));
    const h = new EngineHarness(o);
    const first = await h.episode(started("Wait"));
    expect(first.commands).toEqual([]);
    expect(first.runtimeStatus).toBe("Running");
    expect(eventTypes(first)).toEqual(["EpisodeStarted", "ExecutionStarted"]);

    const other = await h.episode(eventMsg("SomethingElse", 1));
    expect(other.runtimeStatus).toBe("Running");

    const second = await h.episode(eventMsg("Approval", { ok: true }));
    expect(outputOf(second)).toEqual({ ok: true });
  });

  it("a wait with a timeout creates a timer at now + timeout", async () => {
    const o = orchestration("WaitTimeout", async (ctx) => ctx.waitForExternalEvent("Go", { timeout: "30s" }));
    const first = await new EngineHarness(o).episode(started("WaitTimeout"));
    expect(first.commands).toEqual([{ type: "CreateTimer", seq: 0, fireAt: first.newEvents[0]!.timestamp + 30_000 }]);
  });

  it("buffers an event raised before the wait and delivers it to the wait", async () => {
    const o = orchestration("Early", async (ctx) => {
      await ctx.callActivity("Prepare");
      return ctx.waitForExternalEvent("Go", { timeout: "1h" });
    });
    const h = new EngineHarness(o);
    await h.episode(started("Early"));
    const early = await h.episode(eventMsg("Go", "early bird"));
    expect(early.runtimeStatus).toBe("Running");
    expect(early.commands).toEqual([]);

    const last = await h.episode(completedMsg(0));
    // The buffered event resolves the wait at once: no timeout timer is created.
    expect(last.commands).toEqual([]);
    expect(outputOf(last)).toBe("early bird");
  });

  it("delivers an event raised before the orchestration started", async () => {
    const o = orchestration("BeforeStart", async (ctx) => ctx.waitForExternalEvent("Go"));
    const result = await new EngineHarness(o).episode(eventMsg("Go", 1), started("BeforeStart"));
    expect(outputOf(result)).toBe(1);
  });

  it("delivers two events of one name in order to two sequential waits", async () => {
    const o = orchestration("TwoSequential", async (ctx) => {
      const a = await ctx.waitForExternalEvent("Item");
      const b = await ctx.waitForExternalEvent("Item");
      return [a, b];
    });
    const h = new EngineHarness(o);
    await h.episode(started("TwoSequential"));
    expect(outputOf(await h.episode(eventMsg("Item", "first"), eventMsg("Item", "second")))).toEqual(["first", "second"]);
  });

  it("delivers two events of one name in order to two concurrent waits, in separate episodes", async () => {
    const o = orchestration("TwoConcurrent", async (ctx) =>
      ctx.all([ctx.waitForExternalEvent("Item"), ctx.waitForExternalEvent("Item"), ctx.waitForExternalEvent("Other")]),
    );
    const h = new EngineHarness(o);
    await h.episode(started("TwoConcurrent"));
    expect((await h.episode(eventMsg("Item", 1))).runtimeStatus).toBe("Running");
    expect((await h.episode(eventMsg("Other", "o"))).runtimeStatus).toBe("Running");
    expect(outputOf(await h.episode(eventMsg("Item", 2)))).toEqual([1, 2, "o"]);
  });

  it("rejects with TimeoutError when the timer fires first, and keeps a later event for a later wait", async () => {
    const o = orchestration("TimesOut", async (ctx) => {
      let first: unknown;
      try {
        first = await ctx.waitForExternalEvent("Go", { timeout: "1m" });
      } catch (error) {
        const e = error as TimeoutError;
        first = { timeout: e instanceof TimeoutError, code: e.code, message: e.message };
      }
      const late = await ctx.waitForExternalEvent("Go");
      return { first, late };
    });
    const h = new EngineHarness(o);
    await h.episode(started("TimesOut"));
    const fired = await h.episode(timerFiredMsg(0));
    expect(fired.runtimeStatus).toBe("Running");
    expect(fired.commands).toEqual([]);

    const output = outputOf(await h.episode(eventMsg("Go", "late"))) as { first: { message: string }; late: unknown };
    expect(output).toMatchObject({ first: { timeout: true, code: "TIMEOUT" }, late: "late" });
    expect(output.first.message).toContain('"Go"');
    expect(output.first.message).toContain("60000 ms");
  });

  it("when the event wins, cancels the timeout timer and ignores its later TimerFired", async () => {
    const o = orchestration("EventWins", async (ctx) => {
      const data = await ctx.waitForExternalEvent("Go", { timeout: "10m" });
      const after = await ctx.callActivity("After", data);
      return { data, after };
    });
    const h = new EngineHarness(o);
    await h.episode(started("EventWins"));
    const second = await h.episode(eventMsg("Go", "payload"));
    expect(second.commands).toEqual([
      expect.objectContaining({ type: "ScheduleTask", seq: 1, name: "After", input: '"payload"' }),
      { type: "CancelTimer", seq: 0 },
    ]);

    const late = await h.episode(timerFiredMsg(0));
    expect(late.runtimeStatus).toBe("Running");
    expect(late.commands).toEqual([]);

    expect(outputOf(await h.episode(completedMsg(1, "ok")))).toEqual({ data: "payload", after: "ok" });
  });

  it("when the event arrives in the episode that set up the wait, no timer is created at all", async () => {
    const o = orchestration("SameEpisode", async (ctx) => {
      await ctx.callActivity("Prepare");
      return ctx.waitForExternalEvent("Go", { timeout: "10m" });
    });
    const h = new EngineHarness(o);
    await h.episode(started("SameEpisode"));
    const result = await h.episode(completedMsg(0), eventMsg("Go", 42));
    expect(result.commands).toEqual([]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "TaskCompleted", "EventRaised", "ExecutionCompleted"]);
    expect(outputOf(result)).toBe(42);
  });

  it("an event and its timeout in one episode: the first message wins", async () => {
    const o = orchestration("Tie", async (ctx) => {
      try {
        return await ctx.waitForExternalEvent("Go", { timeout: "1s" });
      } catch (error) {
        return (error as Error).name;
      }
    });
    const eventFirst = new EngineHarness(o);
    await eventFirst.episode(started("Tie"));
    expect(outputOf(await eventFirst.episode(eventMsg("Go", "event"), timerFiredMsg(0)))).toBe("event");

    const timerFirst = new EngineHarness(o);
    await timerFirst.episode(started("Tie"));
    expect(outputOf(await timerFirst.episode(timerFiredMsg(0), eventMsg("Go", "event")))).toBe("TimeoutError");
  });
});
