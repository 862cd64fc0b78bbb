import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/definitions/orchestration.js";
import type { InboxMessage } from "../../src/engine/history-event.js";
import { ActivityFailedError } from "../../src/errors.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import { completedMsg, failedMsg, started, timerFiredMsg } from "../helpers/history-factories.js";
import { outputOf, runBothPaths, scheduleTasks, scheduled } from "./engine-kit.js";

/** The winner decides the next call, so a different winner on replay would not match history. */
const raceWithPromise = orchestration("RaceNative", async (ctx) => {
  const work = ctx.callActivity<string>("Work");
  const deadline = ctx.sleep("1m");
  const winner = await Promise.race([work.then((v) => ({ by: "activity", v })), deadline.then(() => ({ by: "timer", v: null }))]);
  const next = await ctx.callActivity(winner.by === "activity" ? "UseResult" : "Fallback", winner.v);
  return { winner: winner.by, next };
});

const raceWithAny = orchestration("RaceAny", async (ctx) => {
  const { index, value } = await ctx.any<unknown>([ctx.callActivity("Work"), ctx.sleep("1m")]);
  const next = await ctx.callActivity(index === 0 ? "UseResult" : "Fallback", value ?? null);
  return { index, next };
});

describe.each([
  ["Promise.race", raceWithPromise, "RaceNative"],
  ["ctx.any", raceWithAny, "RaceAny"],
] as const)("%s between an activity and a timer", (_label, definition, name) => {
  const cases: [string, InboxMessage[], string][] = [
    ["activity first", [completedMsg(0, "r"), timerFiredMsg(1)], "UseResult"],
    ["timer first", [timerFiredMsg(1), completedMsg(0, "r")], "Fallback"],
  ];

  it.each(cases)("both settle in one episode, %s: the first in message order wins", async (_case, messages, nextName) => {
    const h = new EngineHarness(definition);
    await h.episode(started(name));
    const second = await h.episode(...messages);
    expect(scheduled(second)).toEqual([[2, nextName]]);
  });

  it.each(cases)("%s: replay picks the same winner and finishes the same way", async (_case, messages, nextName) => {
    const { cached, replay } = await runBothPaths(definition, [[started(name)], messages, [completedMsg(2, "n")]]);
    expect(replay.history).toEqual(cached.history);
    expect(replay.results).toEqual(cached.results);
    expect(scheduled(cached.results[1]!)).toEqual([[2, nextName]]);

    // A fresh replay of the whole history (without its final event) needs the same winner to match step 2.
    const run = await replayed(definition, cached.history.slice(0, -1));
    expect(run.finished).toBe("Completed");
  });

  it("settled in separate episodes, the earlier episode's task wins", async () => {
    const h = new EngineHarness(definition);
    await h.episode(started(name));
    expect(scheduled(await h.episode(timerFiredMsg(1)))).toEqual([[2, "Fallback"]]);
    const late = await h.episode(completedMsg(0, "late"));
    expect(late.commands).toEqual([]);
    expect(late.runtimeStatus).toBe("Running");
  });
});

describe("ctx.any", () => {
  const anyOfTwo = orchestration("AnyOfTwo", async (ctx) => {
    try {
      const r = await ctx.any([ctx.callActivity("A"), ctx.callActivity("B")]);
      return { ok: r };
    } catch (error) {
      const e = error as ActivityFailedError;
      return { failed: e instanceof ActivityFailedError, activity: e.activityName, message: e.cause.message };
    }
  });

  it("rejects with the error of the first task to finish when it failed", async () => {
    const h = new EngineHarness(anyOfTwo);
    await h.episode(started("AnyOfTwo"));
    expect(outputOf(await h.episode(failedMsg(1, "B broke"), completedMsg(0, "a")))).toEqual({
      failed: true,
      activity: "B",
      message: "B broke",
    });
  });

  it("resolves to { index, value } of the first success even if a later task fails", async () => {
    const h = new EngineHarness(anyOfTwo);
    await h.episode(started("AnyOfTwo"));
    expect(outputOf(await h.episode(completedMsg(1, "b"), failedMsg(0, "A broke")))).toEqual({ ok: { index: 1, value: "b" } });
  });

  it("rejects an empty list with INVALID_ARGUMENT", async () => {
    const o = orchestration("AnyEmpty", async (ctx) => ctx.any([]));
    const result = await new EngineHarness(o).episode(started("AnyEmpty"));
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.failure?.code).toBe("INVALID_ARGUMENT");
  });
});

describe("Promise.all and ctx.all", () => {
  const withAll = orchestration("WithAll", async (ctx) => {
    const viaCtx = await ctx.all([ctx.callActivity<string>("A"), ctx.callActivity<string>("B"), ctx.callActivity<string>("C")]);
    const viaNative = await Promise.all([ctx.callActivity<string>("D"), ctx.callActivity<string>("E")]);
    return { viaCtx, viaNative };
  });

  it("resolve to results in input order whatever the completion order", async () => {
    const h = new EngineHarness(withAll);
    const first = await h.episode(started("WithAll"));
    expect(scheduled(first)).toEqual([
      [0, "A"],
      [1, "B"],
      [2, "C"],
    ]);
    expect((await h.episode(completedMsg(2, "c"))).commands).toEqual([]);
    const second = await h.episode(completedMsg(1, "b"), completedMsg(0, "a"));
    expect(scheduled(second)).toEqual([
      [3, "D"],
      [4, "E"],
    ]);
    expect(outputOf(await h.episode(completedMsg(4, "e"), completedMsg(3, "d")))).toEqual({
      viaCtx: ["a", "b", "c"],
      viaNative: ["d", "e"],
    });
  });

  it("ctx.all rejects with the first failure", async () => {
    const o = orchestration("AllFails", async (ctx) => {
      try {
        await ctx.all([ctx.callActivity("A"), ctx.callActivity("B")]);
        return "no error";
      } catch (error) {
        return (error as ActivityFailedError).activityName;
      }
    });
    const h = new EngineHarness(o);
    await h.episode(started("AllFails"));
    expect(outputOf(await h.episode(completedMsg(0), failedMsg(1, "no")))).toBe("B");
  });
});

describe("try/catch around a failed activity", () => {
  const saga = orchestration("Saga", async (ctx, order: { id: string }) => {
    await ctx.callActivity("Reserve", order.id);
    try {
      await ctx.callActivity("Charge", order.id);
      return { status: "charged" };
    } catch (error) {
      if (!(error instanceof ActivityFailedError)) throw error;
      await ctx.callActivity("Release", { id: order.id, reason: error.cause.message });
      return { status: "compensated", activity: error.activityName, attempts: error.attempts, cause: error.cause };
    }
  });

  it("catches ActivityFailedError with its name, attempts and cause, and runs a compensation", async () => {
    const h = new EngineHarness(saga);
    await h.episode(started("Saga", { id: "o-7" }));
    expect(scheduled(await h.episode(completedMsg(0)))).toEqual([[1, "Charge"]]);

    const failed = await h.episode(failedMsg(1, "card declined", 3));
    expect(scheduleTasks(failed).map((t) => [t.seq, t.name, t.input])).toEqual([
      [2, "Release", '{"id":"o-7","reason":"card declined"}'],
    ]);
    expect(failed.newEvents[1]).toMatchObject({ type: "TaskFailed", seq: 1, attempts: 3, error: { message: "card declined" } });

    expect(outputOf(await h.episode(completedMsg(2)))).toEqual({
      status: "compensated",
      activity: "Charge",
      attempts: 3,
      cause: { name: "Error", message: "card declined" },
    });
  });

  it("behaves the same on replay", async () => {
    const { cached, replay } = await runBothPaths(saga, [
      [started("Saga", { id: "o-8" })],
      [completedMsg(0)],
      [failedMsg(1, "card declined", 2)],
      [completedMsg(2)],
    ]);
    expect(replay.history).toEqual(cached.history);
    expect(replay.results).toEqual(cached.results);
    expect(outputOf(cached.results[3]!)).toMatchObject({ status: "compensated", attempts: 2 });
  });
});

describe("ctx.map", () => {
  const mapN = (concurrency: number | undefined) =>
    orchestration(`Map${concurrency ?? "All"}`, async (ctx, items: number[]) =>
      ctx.map(items, (n, i) => ctx.callActivity<number>("Square", { n, i }), concurrency === undefined ? undefined : { concurrency }),
    );

  it("with concurrency 2 keeps at most 2 calls in flight and issues the next only as one completes", async () => {
    const o = mapN(2);
    const h = new EngineHarness(o);
    const inFlight = new Set<number>();
    const issuedInputs: unknown[] = [];
    const step = async (...messages: InboxMessage[]) => {
      const result = await h.episode(...messages);
      for (const m of messages) if (m.type === "TaskCompleted") inFlight.delete(m.seq);
      for (const t of scheduleTasks(result)) {
        inFlight.add(t.seq);
        issuedInputs.push(JSON.parse(t.input!));
      }
      expect(inFlight.size).toBeLessThanOrEqual(2);
      return result;
    };

    expect(scheduled(await step(started(o.name, [0, 1, 2, 3, 4, 5])))).toEqual([
      [0, "Square"],
      [1, "Square"],
    ]);
    expect(scheduled(await step())).toEqual([]); // nothing new without a completion
    expect(scheduled(await step(completedMsg(1, 1)))).toEqual([[2, "Square"]]);
    expect(scheduled(await step(completedMsg(0, 0)))).toEqual([[3, "Square"]]);
    expect(scheduled(await step(completedMsg(3, 9), completedMsg(2, 4)))).toEqual([
      [4, "Square"],
      [5, "Square"],
    ]);
    expect((await step(completedMsg(5, 25))).runtimeStatus).toBe("Running");
    const last = await step(completedMsg(4, 16));

    expect(inFlight.size).toBe(0);
    expect(issuedInputs).toEqual([0, 1, 2, 3, 4, 5].map((n) => ({ n, i: n })));
    expect(outputOf(last)).toEqual([0, 1, 4, 9, 16, 25]);
  });

  it("with concurrency 1 runs the items one after another", async () => {
    const o = mapN(1);
    const h = new EngineHarness(o);
    expect(scheduled(await h.episode(started(o.name, [5, 6, 7])))).toEqual([[0, "Square"]]);
    expect(scheduled(await h.episode(completedMsg(0, 25)))).toEqual([[1, "Square"]]);
    expect(scheduled(await h.episode(completedMsg(1, 36)))).toEqual([[2, "Square"]]);
    expect(outputOf(await h.episode(completedMsg(2, 49)))).toEqual([25, 36, 49]);
  });

  it("without a limit starts every call at once and resolves in input order", async () => {
    const o = mapN(undefined);
    const h = new EngineHarness(o);
    expect(scheduled(await h.episode(started(o.name, [1, 2, 3, 4])))).toHaveLength(4);
    expect(outputOf(await h.episode(completedMsg(3, "d"), completedMsg(1, "b"), completedMsg(2, "c"), completedMsg(0, "a")))).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("resolves an empty list to [] with no calls", async () => {
    const o = mapN(3);
    const result = await new EngineHarness(o).episode(started(o.name, []));
    expect(result.commands).toEqual([]);
    expect(outputOf(result)).toEqual([]);
  });

  it("rejects with the first failure and starts no further items", async () => {
    const o = orchestration("MapFails", async (ctx) => {
      try {
        await ctx.map(["a", "b", "c", "d"], (x) => ctx.callActivity("Step", x), { concurrency: 2 });
        return "no error";
      } catch (error) {
        return (error as ActivityFailedError).cause.message;
      }
    });
    const h = new EngineHarness(o);
    await h.episode(started("MapFails"));
    const result = await h.episode(failedMsg(0, "item a failed"), completedMsg(1));
    expect(result.commands).toEqual([]);
    expect(outputOf(result)).toBe("item a failed");
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects concurrency %s with INVALID_ARGUMENT", async (concurrency) => {
    const o = orchestration("MapBadConcurrency", async (ctx) => ctx.map([1, 2], (n) => ctx.callActivity("X", n), { concurrency }));
    const result = await new EngineHarness(o).episode(started("MapBadConcurrency"));
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.failure?.code).toBe("INVALID_ARGUMENT");
    expect(result.commands).toEqual([]);
  });
});
