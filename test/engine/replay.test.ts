/**
 * The cached path (one live run fed each episode's messages) and the replay path (a fresh
 * run replaying the whole history before each episode) must produce identical histories and
 * identical episode results. Each scenario runs on both and compares them deeply.
 */
import { describe, expect, it } from "vitest";
import { orchestration, type OrchestrationDefinition } from "../../src/definitions/orchestration.js";
import type { InboxMessage } from "../../src/engine/history-event.js";
import { ActivityFailedError, TimeoutError } from "../../src/errors.js";
import { completedMsg, eventMsg, failedMsg, started, terminateMsg, timerFiredMsg } from "../helpers/history-factories.js";
import { outputOf, runBothPaths, runScenario } from "./engine-kit.js";

const workflow = orchestration("Workflow", async (ctx, start: number) => {
  ctx.setCustomStatus({ phase: "chain" });
  let n = start;
  for (let i = 0; i < 2; i++) n = await ctx.callActivity<number>("AddOne", n); // seq 0, 1
  const fanned = await ctx.map([1, 2, 3], (x) => ctx.callActivity<number>("Square", x), { concurrency: 2 }); // seq 2, 3, 4
  const raced = await ctx.any<unknown>([ctx.callActivity("Slow"), ctx.sleep("10s")]); // seq 5, 6
  let compensated = "no";
  try {
    await ctx.callActivity("Charge", n); // seq 7
  } catch (error) {
    compensated = await ctx.callActivity<string>("Refund", (error as ActivityFailedError).cause.message); // seq 8
  }
  ctx.setCustomStatus({ phase: "waiting" });
  const approval = await ctx.waitForExternalEvent<string>("Approval", { timeout: "1h" }); // timer seq 9
  ctx.log.info("approved");
  return { n, fanned, raced, compensated, approval, guid: ctx.newGuid(), random: ctx.random(), at: ctx.currentUtcDateTime.getTime() };
});

const workflowEpisodes: InboxMessage[][] = [
  [started("Workflow", 1), eventMsg("Approval", "early yes")],
  [completedMsg(0, 2)],
  [completedMsg(1, 3)],
  [completedMsg(3, 4), eventMsg("Noise", 1)],
  [completedMsg(2, 1), completedMsg(4, 9)],
  [timerFiredMsg(6), completedMsg(5, "slow")],
  [failedMsg(7, "declined", 3)],
  [completedMsg(8, "refunded")],
];

const eventsAndTimeouts = orchestration("EventsAndTimeouts", async (ctx) => {
  const results: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    try {
      results.push(await ctx.waitForExternalEvent("Tick", { timeout: "1m" }));
    } catch (error) {
      results.push(error instanceof TimeoutError ? "timeout" : "other");
    }
  }
  results.push(await ctx.waitForExternalEvent("Tick"));
  return results;
});

const cancelling = orchestration("Cancelling", async (ctx) => {
  const reminder = ctx.sleep("1d"); // seq 0
  const answer = await ctx.callActivity<string>("Ask"); // seq 1
  reminder.cancel();
  const winner = await ctx.any<unknown>([reminder, ctx.callActivity("Follow", answer)]); // seq 2
  return { winner: winner.index, cancelled: reminder.isCancelled };
});

const retryInOrchestration = orchestration("RetryIn", async (ctx) => {
  try {
    return await ctx.callActivity<string>("Flaky", 1, {
      retry: { maxAttempts: 3, firstRetryInterval: "2s", backoffCoefficient: 2, retryIf: (e) => e.message === "again" },
    });
  } catch (error) {
    return `gave up after ${(error as ActivityFailedError).attempts}`;
  }
});

const failing = orchestration("Failing", async (ctx) => {
  await ctx.callActivity("One");
  ctx.setCustomStatus("about to fail");
  throw new Error("broken");
});

const scenarios: [string, OrchestrationDefinition<any, any>, InboxMessage[][]][] = [
  ["a long workflow: chain, map, race, compensation, buffered event, custom status", workflow, workflowEpisodes],
  [
    "events with timeouts, both ways, and a late event kept for a later wait",
    eventsAndTimeouts,
    [[started("EventsAndTimeouts")], [eventMsg("Tick", 1)], [timerFiredMsg(0)], [timerFiredMsg(1)], [timerFiredMsg(2), eventMsg("Tick", 3)]],
  ],
  [
    "a recorded timer cancelled, then its TimerFired arriving",
    cancelling,
    [[started("Cancelling")], [completedMsg(1, "yes")], [timerFiredMsg(0)], [completedMsg(2)]],
  ],
  [
    "orchestration-driven retries with durable backoff timers",
    retryInOrchestration,
    [[started("RetryIn")], [failedMsg(0, "again")], [timerFiredMsg(1)], [failedMsg(2, "again")], [timerFiredMsg(3)], [failedMsg(4, "again")]],
  ],
  ["an orchestration that fails after setting a custom status", failing, [[started("Failing")], [completedMsg(0)]]],
  [
    "a termination while work is in flight",
    workflow,
    [[started("Workflow", 5)], [completedMsg(0, 6)], [completedMsg(1, 7), terminateMsg("enough")], [completedMsg(2, 1)]],
  ],
];

describe("cached path equals replay path", () => {
  it.each(scenarios)("%s", async (_label, definition, episodes) => {
    const { cached, replay } = await runBothPaths(definition, episodes);
    expect(replay.history).toEqual(cached.history);
    expect(replay.results).toEqual(cached.results);
    expect(cached.results).toHaveLength(episodes.length);
  });

  it("the long workflow reaches the expected output", async () => {
    const { cached } = await runBothPaths(workflow, workflowEpisodes);
    const last = cached.results.at(-1)!;
    expect(outputOf(last)).toMatchObject({
      n: 3,
      fanned: [1, 4, 9],
      raced: { index: 1 },
      compensated: "refunded",
      approval: "early yes",
      at: last.newEvents[0]!.timestamp,
    });
    expect(cached.results.map((r) => r.runtimeStatus)).toEqual([...Array(7).fill("Running"), "Completed"]);
  });

  it("the other scenarios reach their expected outcomes", async () => {
    const events = await runBothPaths(eventsAndTimeouts, scenarios[1]![2]);
    expect(outputOf(events.replay.results.at(-1)!)).toEqual([1, "timeout", "timeout", 3]);
    // Episode 3 delivers the TimerFired of the timeout cancelled when Tick 1 won: nothing happens.
    expect(events.replay.results[2]).toMatchObject({ runtimeStatus: "Running", commands: [] });
    expect(events.replay.results[1]!.commands).toEqual([
      { type: "CreateTimer", seq: 1, fireAt: events.replay.results[1]!.newEvents[0]!.timestamp + 60_000 },
      { type: "CancelTimer", seq: 0 },
    ]);
    const cancel = await runBothPaths(cancelling, scenarios[2]![2]);
    expect(outputOf(cancel.replay.results.at(-1)!)).toEqual({ winner: 1, cancelled: true });
    const retry = await runBothPaths(retryInOrchestration, scenarios[3]![2]);
    expect(outputOf(retry.replay.results.at(-1)!)).toBe("gave up after 3");
    const fail = await runBothPaths(failing, scenarios[4]![2]);
    expect(fail.replay.results.at(-1)).toMatchObject({ runtimeStatus: "Failed", failure: { message: "broken" }, customStatus: { value: '"about to fail"' } });
    const terminated = await runBothPaths(workflow, scenarios[5]![2]);
    expect(terminated.replay.results.slice(2).map((r) => r.runtimeStatus)).toEqual(["Terminated", "Terminated"]);
  });

  // Activities run at least once, so a result can be delivered twice. The live run ignores the
  // second copy (the call is no longer pending) but records it in history; a replay of that
  // history must accept it the same way.
  it("a completion delivered twice is handled the same on both paths", async () => {
    const chain = orchestration("Chain", async (ctx) => {
      const a = await ctx.callActivity<number>("A");
      const b = await ctx.callActivity<number>("B");
      return a + b;
    });
    const episodes = [[started("Chain")], [completedMsg(0, 1)], [completedMsg(0, 1)], [completedMsg(1, 2)]];
    const live = await runScenario(chain, "cached", episodes);
    expect(live.results[2]!.runtimeStatus).toBe("Running");
    expect(outputOf(live.results.at(-1)!)).toBe(3);

    const replay = await runScenario(chain, "replay", episodes);
    expect(replay.history).toEqual(live.history);
    expect(replay.results).toEqual(live.results);
  });

  it("a start delivered again to a running execution is dropped: the code does not start over", async () => {
    const chain = orchestration("Chain", async (ctx) => {
      const a = await ctx.callActivity<number>("A");
      const b = await ctx.callActivity<number>("B");
      return a + b;
    });
    const episodes = [[started("Chain")], [started("Chain")], [completedMsg(0, 1), started("Chain")], [completedMsg(1, 2)]];
    const { cached, replay } = await runBothPaths(chain, episodes);
    for (const run of [cached, replay]) {
      expect(run.history.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
      expect(run.history.filter((e) => e.type === "TaskScheduled").map((e) => "seq" in e && e.seq)).toEqual([0, 1]);
      expect(run.results[1]).toMatchObject({ newEvents: [{ type: "EpisodeStarted" }], commands: [] });
      expect(outputOf(run.results.at(-1)!)).toBe(3);
    }
    expect(replay.history).toEqual(cached.history);
  });
});
