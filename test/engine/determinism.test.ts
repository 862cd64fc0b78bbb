/**
 * Everything nondeterministic reaches orchestration code through ctx, and gives the same
 * answers on every replay: newGuid, random, currentUtcDateTime, isReplaying, and a log that
 * writes each line once.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/definitions/logger.js";
import { orchestration, type OrchestrationDefinition } from "../../src/definitions/orchestration.js";
import type { HistoryEvent, InboxMessage } from "../../src/engine/history-event.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import { completedMsg, episodeStarted, executionStarted, started, taskCompleted, taskScheduled, at } from "../helpers/history-factories.js";
import { outputOf, recordingLogger, runBothPaths, runWith, scheduleTasks } from "./engine-kit.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let observed: unknown[] = [];
beforeEach(() => {
  observed = [];
});

const randomness = orchestration("Randomness", async (ctx) => {
  const before = { guid: ctx.newGuid(), random: ctx.random() };
  observed.push(before);
  await ctx.callActivity("Step");
  const after = { guid: ctx.newGuid(), random: ctx.random() };
  observed.push(after);
  return [before, after];
});

/** Runs the episodes on a run built directly (custom instance id), returning the last result. */
async function runEpisodes(definition: OrchestrationDefinition<any, any>, instanceId: string, episodes: InboxMessage[][], logger?: Logger) {
  const run = runWith(definition, { instanceId, logger: logger ?? recordingLogger().logger });
  const history: HistoryEvent[] = [];
  let last;
  for (const [i, messages] of episodes.entries()) {
    last = await run.runEpisode(messages, at((i + 1) * 1000));
    history.push(...last.newEvents);
  }
  return { last: last!, history };
}

describe("newGuid() and random()", () => {
  it("give v4 UUIDs and numbers in [0, 1), different on each call", async () => {
    const { cached } = await runBothPaths(randomness, [[started("Randomness")], [completedMsg(0)]]);
    const [before, after] = outputOf(cached.results[1]!) as { guid: string; random: number }[];
    for (const v of [before!, after!]) {
      expect(v.guid).toMatch(UUID_V4);
      expect(v.random).toBeGreaterThanOrEqual(0);
      expect(v.random).toBeLessThan(1);
    }
    expect(before!.guid).not.toBe(after!.guid);
    expect(before!.random).not.toBe(after!.random);
  });

  it("are identical on the cached path and on replay", async () => {
    const { cached, replay } = await runBothPaths(randomness, [[started("Randomness")], [completedMsg(0)]]);
    expect(replay.results).toEqual(cached.results);
    expect(replay.history).toEqual(cached.history);
  });

  it("give the same values when the code is replayed from history", async () => {
    const h = new EngineHarness(randomness);
    await h.episode(started("Randomness"));
    await h.episode(completedMsg(0));
    const live = [...observed];
    observed = [];
    await replayed(randomness, h.history);
    expect(observed).toEqual(live);
    expect(observed).toHaveLength(2);
  });

  it("differ between instances and between executions", async () => {
    const a = await runEpisodes(randomness, "instance-a", [[started("Randomness")], [completedMsg(0)]]);
    const b = await runEpisodes(randomness, "instance-b", [[started("Randomness")], [completedMsg(0)]]);
    const a2 = await runEpisodes(randomness, "instance-a", [[started("Randomness", undefined, "exec-2")], [completedMsg(0)]]);
    const again = await runEpisodes(randomness, "instance-a", [[started("Randomness")], [completedMsg(0)]]);
    const guids = (r: typeof a) => (outputOf(r.last) as { guid: string }[]).map((v) => v.guid);
    expect(guids(again)).toEqual(guids(a));
    expect(guids(b)).not.toEqual(guids(a));
    expect(guids(a2)).not.toEqual(guids(a));
    expect(new Set([...guids(a), ...guids(b), ...guids(a2)]).size).toBe(6);
  });
});

describe("currentUtcDateTime", () => {
  const clock = orchestration("Clock", async (ctx) => {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const now = ctx.currentUtcDateTime;
      observed.push(now instanceof Date ? now.getTime() : "not a Date");
      times.push(now.getTime());
      await ctx.callActivity("Tick", now.getTime());
    }
    return times;
  });

  it("is the EpisodeStarted timestamp of the current episode", async () => {
    const h = new EngineHarness(clock);
    const results = [await h.episode(started("Clock"))];
    for (let seq = 0; seq < 3; seq++) results.push(await h.episode(completedMsg(seq)));
    const episodeTimes = results.map((r) => r.newEvents[0]!.timestamp);
    expect(new Set(episodeTimes).size).toBe(4);
    for (let i = 0; i < 3; i++) {
      expect(scheduleTasks(results[i]!)).toMatchObject([{ seq: i, input: String(episodeTimes[i]) }]);
    }
    expect(outputOf(results[3]!)).toEqual(episodeTimes.slice(0, 3));
    expect(observed).toEqual(episodeTimes.slice(0, 3));
  });

  it("is the same on replay: each step sees the time of the episode it ran in", async () => {
    const history: HistoryEvent[] = [
      episodeStarted(0),
      executionStarted("Clock"),
      taskScheduled(0, "Tick", at(0)),
      episodeStarted(5_000),
      taskCompleted(0),
      taskScheduled(1, "Tick", at(5_000)),
      episodeStarted(60_000),
      taskCompleted(1),
      taskScheduled(2, "Tick", at(60_000)),
    ];
    await replayed(clock, history);
    expect(observed).toEqual([at(0), at(5_000), at(60_000)]);

    const { cached, replay } = await runBothPaths(clock, [[started("Clock")], [completedMsg(0)], [completedMsg(1)], [completedMsg(2)]]);
    expect(replay.results).toEqual(cached.results);
    expect(replay.history).toEqual(cached.history);
  });
});

describe("isReplaying", () => {
  const phases = orchestration("Phases", async (ctx) => {
    observed.push(["start", ctx.isReplaying]);
    await ctx.callActivity("One");
    observed.push(["after one", ctx.isReplaying]);
    await ctx.callActivity("Two");
    observed.push(["after two", ctx.isReplaying]);
  });

  it("is false in every new episode of a cached run", async () => {
    const h = new EngineHarness(phases);
    await h.episode(started("Phases"));
    await h.episode(completedMsg(0));
    await h.episode(completedMsg(1));
    expect(observed).toEqual([
      ["start", false],
      ["after one", false],
      ["after two", false],
    ]);
  });

  it("is true while history replays and false once the new episode's messages apply", async () => {
    const h = new EngineHarness(phases);
    await h.episode(started("Phases"));
    await h.episode(completedMsg(0));
    observed = [];

    const run = await replayed(phases, h.history);
    expect(run.isReplaying).toBe(true);
    const result = await run.runEpisode([completedMsg(1)], at(10_000));
    expect(result.runtimeStatus).toBe("Completed");
    expect(observed).toEqual([
      ["start", true],
      ["after one", true],
      ["after two", false],
    ]);
  });
});

describe("ctx.log", () => {
  const chatty = orchestration("Chatty", async (ctx, n: number) => {
    ctx.log.info("starting", n);
    const a = await ctx.callActivity<number>("A");
    ctx.log.warn(`got ${a}`);
    const b = await ctx.callActivity<number>("B");
    ctx.log.debug("got b", { b });
    ctx.log.error("finishing");
    return a + b;
  });
  const episodes: InboxMessage[][] = [[started("Chatty", 1)], [completedMsg(0, 10)], [completedMsg(1, 20)]];
  // The run's context comes as fields; the orchestration's own object is merged into them.
  const context = { instanceId: "test-instance", name: "Chatty", executionId: expect.any(String) };
  const expected = [
    { level: "info", message: "starting", args: [context, 1] },
    { level: "warn", message: "got 10", args: [context] },
    { level: "debug", message: "got b", args: [{ ...context, b: 20 }] },
    { level: "error", message: "finishing", args: [context] },
  ];

  it("writes each line once on a cached run", async () => {
    const { logger, lines } = recordingLogger();
    const { last } = await runEpisodes(chatty, "test-instance", episodes, logger);
    expect(outputOf(last)).toBe(30);
    expect(lines).toEqual(expected);
  });

  it("is silent while replaying, so replay per episode writes each line once too", async () => {
    const { logger, lines } = recordingLogger();
    const history: HistoryEvent[] = [];
    for (const [i, messages] of episodes.entries()) {
      const run = runWith(chatty, { logger });
      const before = lines.length;
      await run.replay(history);
      expect(lines.length).toBe(before); // nothing written during replay
      const result = await run.runEpisode(messages, at((i + 1) * 1000));
      history.push(...result.newEvents);
    }
    expect(lines).toEqual(expected);
  });
});
