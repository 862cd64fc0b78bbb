/**
 * Replay compatibility: every history in this directory was recorded from a real run of an
 * example orchestration (record.ts) and is what a deployed instance would hold in its store.
 * Each must still replay on the current engine and example code:
 * - the whole history replays without error, to the recorded runtime status;
 * - at every episode boundary, a fresh run replays the events before it and re-runs the
 *   episode from its recorded messages (at its recorded time), and must produce exactly the
 *   recorded events: same types, seqs, names, inputs, outputs, timers — all but timestamps.
 *   This is an in-flight instance picked up by the new code after a restart; it also catches
 *   what plain replay does not check, such as a changed activity input;
 * - the final episode ends with the recorded status and output.
 * Negative controls show the checks can fail.
 */
import { describe, expect, it } from "vitest";
import { orchestration } from "../../src/definitions/orchestration.js";
import type { OrchestrationDefinition } from "../../src/definitions/orchestration.js";
import type { EpisodeResult } from "../../src/engine/command.js";
import type { HistoryEvent } from "../../src/engine/history-event.js";
import { NonDeterminismError } from "../../src/errors.js";
import { sayHello } from "../../examples/function-chaining/functions.js";
import { newRun, replayed } from "../helpers/engine-harness.js";
import { comparable, loadFixtures, messagesOf, orchestrationNamed, splitEpisodes, type HistoryFixture } from "./history-fixtures.js";

const fixtures = loadFixtures();

/** Replays the history before episode `index`, then re-runs that episode; returns what it produced and what was recorded. */
async function rerunEpisode(definition: OrchestrationDefinition<any, any>, fixture: HistoryFixture, index: number) {
  const episodes = splitEpisodes(fixture.history);
  const episode = episodes[index]!;
  const run = await replayed(definition, fixture.history.slice(0, episode.start), fixture.instanceId);
  const result = await run.runEpisode(messagesOf(episode.events), episode.events[0]!.timestamp);
  return { run, result, produced: result.newEvents.map(comparable), recorded: episode.events.map(comparable) };
}

function parsedOutput(result: EpisodeResult): unknown {
  return result.output === undefined ? undefined : JSON.parse(result.output);
}

describe("replay compatibility of recorded histories", () => {
  it("has the recorded histories", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(fixtures)("$file", ({ fixture }) => {
    const definition = orchestrationNamed(fixture.orchestration);
    const episodes = splitEpisodes(fixture.history);

    it("is a well-formed recording of its orchestration", () => {
      const started = fixture.history[1];
      expect(started?.type).toBe("ExecutionStarted");
      expect((started as Extract<HistoryEvent, { type: "ExecutionStarted" }>).name).toBe(fixture.orchestration);
      const input = (started as Extract<HistoryEvent, { type: "ExecutionStarted" }>).input;
      expect(input === undefined ? null : JSON.parse(input)).toEqual(fixture.input);
      expect(episodes.length).toBeGreaterThanOrEqual(2);
    });

    it("replays in full without error, to the recorded status", async () => {
      const run = newRun(definition, fixture.instanceId);
      await run.replay(fixture.history);
      expect(run.finished).toBe(fixture.expected.runtimeStatus);
      expect(run.historyLength).toBe(fixture.history.length);
    });

    it.each(episodes.map((_, index) => index))("re-runs episode %i from the replayed prefix to the recorded events", async (index) => {
      const { result, produced, recorded } = await rerunEpisode(definition, fixture, index);
      expect(produced).toEqual(recorded);
      if (index < episodes.length - 1) expect(result.runtimeStatus).toBe("Running");
    });

    it("re-runs the final episode to the recorded status and output", async () => {
      const { run, result } = await rerunEpisode(definition, fixture, episodes.length - 1);
      expect(result.runtimeStatus).toBe(fixture.expected.runtimeStatus);
      expect(run.finished).toBe(fixture.expected.runtimeStatus);
      if (fixture.expected.runtimeStatus === "Completed") {
        expect(parsedOutput(result)).toEqual(fixture.expected.output);
        const last = fixture.history.at(-1);
        expect(last?.type).toBe("ExecutionCompleted");
        expect(result.output).toBe((last as Extract<HistoryEvent, { type: "ExecutionCompleted" }>).output);
      } else {
        expect(result.output).toBeUndefined();
        const { stack: _, ...failure } = result.failure ?? { code: "", name: "", message: "" };
        expect(failure).toEqual(fixture.expected.failure);
      }
    });
  });
});

describe("negative controls: the checks above can fail", () => {
  const withTasks = fixtures.filter(({ fixture }) => fixture.history.some((e) => e.type === "TaskScheduled"));

  it.each(withTasks)("$file: renaming its last TaskScheduled makes replay throw NonDeterminismError", async ({ fixture }) => {
    const history: HistoryEvent[] = structuredClone(fixture.history);
    const last = history.filter((e) => e.type === "TaskScheduled").at(-1)!;
    last.name = `${last.name}Renamed`;
    const run = newRun(orchestrationNamed(fixture.orchestration), fixture.instanceId);
    await expect(run.replay(history)).rejects.toBeInstanceOf(NonDeterminismError);
  });

  it("a code change that keeps activity names but changes their inputs replays, yet fails the episode check", async () => {
    const { fixture } = fixtures.find(({ fixture }) => fixture.orchestration === "HelloCities")!;
    // HelloCities with its cities in another order: same calls by name, different inputs.
    const reordered = orchestration("HelloCities", async (ctx) => {
      const greetings: string[] = [];
      for (const city of ["London", "Seattle", "Tokyo"]) greetings.push(await ctx.callActivity(sayHello, city));
      return greetings;
    });
    // The engine matches recorded calls by name and position only, so plain replay passes...
    const run = newRun(reordered, fixture.instanceId);
    await run.replay(fixture.history);
    expect(run.finished).toBe("Completed");
    // ...but re-running an episode schedules SayHello("London") where history has SayHello("Tokyo").
    const { produced, recorded } = await rerunEpisode(reordered, fixture, 0);
    expect(produced).not.toEqual(recorded);
  });
});
