import { describe, expect, it } from "vitest";
import { orchestration, type OrchestrationFunction } from "../../src/definitions/orchestration.js";
import { terminationEpisode } from "../../src/engine/termination.js";
import { ActivityFailedError } from "../../src/errors.js";
import { EngineHarness, replayed } from "../helpers/engine-harness.js";
import { completedMsg, eventMsg, failedMsg, started, terminateMsg, timerFiredMsg } from "../helpers/history-factories.js";
import { eventTypes, recordingLogger, runWith } from "./engine-kit.js";

describe("completion", () => {
  it("records ExecutionCompleted with the serialized output", async () => {
    const o = orchestration("Done", async (ctx, n: number) => ({ doubled: (await ctx.callActivity<number>("Get")) * n }));
    const h = new EngineHarness(o);
    await h.episode(started("Done", 2));
    const result = await h.episode(completedMsg(0, 21));
    expect(result).toMatchObject({ runtimeStatus: "Completed", output: '{"doubled":42}', commands: [] });
    expect(result.newEvents.at(-1)).toEqual({ type: "ExecutionCompleted", timestamp: result.newEvents[0]!.timestamp, output: '{"doubled":42}' });
    expect(result.failure).toBeUndefined();
  });

  it("an undefined output completes with no output at all", async () => {
    const o = orchestration("Void", async () => undefined);
    const result = await new EngineHarness(o).episode(started("Void"));
    expect(result.runtimeStatus).toBe("Completed");
    expect(result.output).toBeUndefined();
    expect("output" in result.newEvents.at(-1)!).toBe(false);
  });

  it("a replayed finished history reports the same outcome", async () => {
    const o = orchestration("Again", async (ctx) => ctx.callActivity("X"));
    const h = new EngineHarness(o);
    await h.episode(started("Again"));
    await h.episode(completedMsg(0, 1));
    const run = await replayed(o, h.history);
    expect(run.finished).toBe("Completed");
  });

  it("drops messages after the orchestration finished within the episode", async () => {
    const o = orchestration("Early", async (ctx) => ctx.callActivity("X"));
    const h = new EngineHarness(o);
    await h.episode(started("Early"));
    const result = await h.episode(completedMsg(0, 1), eventMsg("Late", 2));
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "TaskCompleted", "ExecutionCompleted"]);
  });
});

describe("failure", () => {
  it("an orchestration that throws fails with the error's name and message", async () => {
    const o = orchestration("Throws", async (ctx) => {
      await ctx.callActivity("First");
      throw new RangeError("quantity out of range");
    });
    const h = new EngineHarness(o);
    await h.episode(started("Throws"));
    const result = await h.episode(completedMsg(0));
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.commands).toEqual([]);
    expect(result.output).toBeUndefined();
    expect(result.failure).toMatchObject({ code: "ORCHESTRATION_FAILED", name: "RangeError", message: "quantity out of range" });
    expect(result.failure!.stack).toContain("quantity out of range");
    expect(result.newEvents.at(-1)).toMatchObject({ type: "ExecutionFailed", error: { name: "RangeError", message: "quantity out of range" } });
  });

  it("a synchronous throw at the start of an async body fails the orchestration", async () => {
    const o = orchestration("SyncThrowAsync", async (_ctx, input: { n: number }) => {
      if (input.n > 0) throw new Error("rejected at once");
      return "never";
    });
    const result = await new EngineHarness(o).episode(started("SyncThrowAsync", { n: 1 }));
    expect(result).toMatchObject({ runtimeStatus: "Failed", commands: [], failure: { message: "rejected at once" } });
  });

  it("a non-async function that throws synchronously fails the orchestration", async () => {
    const body = (() => {
      throw new TypeError("not even a promise");
    }) as unknown as OrchestrationFunction<unknown, unknown>;
    const o = orchestration("SyncThrow", body);
    const result = await new EngineHarness(o).episode(started("SyncThrow"));
    expect(result).toMatchObject({ runtimeStatus: "Failed", failure: { code: "ORCHESTRATION_FAILED", name: "TypeError", message: "not even a promise" } });
  });

  it("a non-async function returning a plain value completes", async () => {
    const body = (() => 7) as unknown as OrchestrationFunction<unknown, unknown>;
    const result = await new EngineHarness(orchestration("Plain", body)).episode(started("Plain"));
    expect(result).toMatchObject({ runtimeStatus: "Completed", output: "7" });
  });

  it("a thrown non-Error value becomes the message", async () => {
    const o = orchestration("ThrowsString", async () => {
      throw "plain string";
    });
    const result = await new EngineHarness(o).episode(started("ThrowsString"));
    expect(result.failure).toMatchObject({ code: "ORCHESTRATION_FAILED", name: "Error", message: "plain string" });
  });

  it("an uncaught ActivityFailedError keeps its code and message", async () => {
    const o = orchestration("Uncaught", async (ctx) => ctx.callActivity("Pay"));
    const h = new EngineHarness(o);
    await h.episode(started("Uncaught"));
    const result = await h.episode(failedMsg(0, "declined", 2));
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.failure).toMatchObject({ code: "ACTIVITY_FAILED", name: "ActivityFailedError" });
    expect(result.failure!.message).toBe(new ActivityFailedError("Pay", 2, { name: "Error", message: "declined" }).message);
  });

  it.each([
    ["a function", () => ({ ok: true, callback: () => 1 }), "function"],
    ["a BigInt", () => ({ big: 10n }), "bigint"],
    [
      "a cycle",
      () => {
        const node: { self?: unknown } = {};
        node.self = node;
        return node;
      },
      "cannot be serialized",
    ],
  ] as const)("an output with %s fails with SERIALIZATION_FAILED", async (_label, makeOutput, hint) => {
    const o = orchestration("BadOutput", async (ctx) => {
      await ctx.callActivity("Work");
      return makeOutput();
    });
    const h = new EngineHarness(o);
    await h.episode(started("BadOutput"));
    const result = await h.episode(completedMsg(0));
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.output).toBeUndefined();
    expect(result.failure).toMatchObject({ code: "SERIALIZATION_FAILED", name: "SerializationError" });
    expect(result.failure!.message).toContain('Output of orchestration "BadOutput"');
    expect(result.failure!.message).toContain(hint);
    expect(eventTypes(result).at(-1)).toBe("ExecutionFailed");
  });

  it("an output over the payload limit fails with PAYLOAD_TOO_LARGE", async () => {
    const o = orchestration("Big", async () => "x".repeat(200));
    const run = runWith(o, { logger: recordingLogger().logger, maxPayloadBytes: 100 });
    const result = await run.runEpisode([started("Big")], Date.UTC(2026, 0, 1));
    expect(result.runtimeStatus).toBe("Failed");
    expect(result.failure?.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("termination", () => {
  const waiting = orchestration("Waiting", async (ctx) => {
    await ctx.callActivity("A");
    await ctx.callActivity("B");
    return "finished";
  });

  it("a Terminate message ends the instance as Terminated with no further commands", async () => {
    const h = new EngineHarness(waiting);
    await h.episode(started("Waiting"));
    const result = await h.episode(terminateMsg("operator said so"));
    expect(result.runtimeStatus).toBe("Terminated");
    expect(result.commands).toEqual([]);
    const ts = result.newEvents[0]!.timestamp;
    expect(result.newEvents).toEqual([
      { type: "EpisodeStarted", timestamp: ts },
      { type: "ExecutionTerminated", timestamp: ts, reason: "operator said so" },
    ]);
    expect(result.output).toBe(JSON.stringify("operator said so"));

    const later = await h.episode(completedMsg(0), timerFiredMsg(9));
    expect(later.runtimeStatus).toBe("Terminated");
    expect(later.commands).toEqual([]);
    expect(eventTypes(later)).toEqual(["EpisodeStarted"]);
  });

  it("drops the commands of messages applied before the Terminate in the same episode", async () => {
    const h = new EngineHarness(waiting);
    await h.episode(started("Waiting"));
    const result = await h.episode(completedMsg(0), terminateMsg());
    expect(result.runtimeStatus).toBe("Terminated");
    expect(result.commands).toEqual([]);
    expect(eventTypes(result)).toEqual(["EpisodeStarted", "TaskCompleted", "ExecutionTerminated"]);
    expect(result.output).toBeUndefined();
  });

  it("a replayed terminated history stays terminated", async () => {
    const h = new EngineHarness(waiting);
    await h.episode(started("Waiting"));
    await h.episode(terminateMsg("stop"));
    const run = await replayed(waiting, h.history);
    expect(run.finished).toBe("Terminated");
  });

  it("terminationEpisode ends an instance without running its code", () => {
    expect(terminationEpisode("bye", 1234)).toEqual({
      newEvents: [
        { type: "EpisodeStarted", timestamp: 1234 },
        { type: "ExecutionTerminated", timestamp: 1234, reason: "bye" },
      ],
      commands: [],
      runtimeStatus: "Terminated",
      output: '"bye"',
    });
    const noReason = terminationEpisode(undefined, 5);
    expect(noReason.newEvents[1]).toEqual({ type: "ExecutionTerminated", timestamp: 5 });
    expect("output" in noReason).toBe(false);
  });
});

describe("custom status", () => {
  const statuses = orchestration("Statuses", async (ctx) => {
    ctx.setCustomStatus({ phase: 1 });
    await ctx.callActivity("A");
    ctx.setCustomStatus({ phase: 1 }); // unchanged
    await ctx.callActivity("B");
    ctx.setCustomStatus("temporary");
    ctx.setCustomStatus({ phase: 1 }); // back to the recorded value: no change
    await ctx.callActivity("C");
    ctx.setCustomStatus("x");
    ctx.setCustomStatus("y");
    ctx.setCustomStatus("final");
    await ctx.callActivity("D");
    ctx.setCustomStatus(undefined);
    return "ok";
  });

  it("records one CustomStatusSet per episode in which the value changed", async () => {
    const h = new EngineHarness(statuses);
    const results = [await h.episode(started("Statuses"))];
    for (let seq = 0; seq < 4; seq++) results.push(await h.episode(completedMsg(seq)));
    const setEvents = results.map((r) => r.newEvents.filter((e) => e.type === "CustomStatusSet"));

    expect(setEvents[0]).toEqual([{ type: "CustomStatusSet", timestamp: results[0]!.newEvents[0]!.timestamp, value: '{"phase":1}' }]);
    expect(results[0]!.customStatus).toEqual({ value: '{"phase":1}' });
    expect(setEvents[1]).toEqual([]);
    expect(results[1]!.customStatus).toBeUndefined();
    expect(setEvents[2]).toEqual([]);
    expect(setEvents[3]).toMatchObject([{ value: '"final"' }]);
    expect(results[3]!.customStatus).toEqual({ value: '"final"' });
    // Cleared: an event without a value, before the completion.
    expect(setEvents[4]).toHaveLength(1);
    expect("value" in setEvents[4]![0]!).toBe(false);
    expect(results[4]!.customStatus).toEqual({ value: undefined });
    expect(eventTypes(results[4]!).slice(-2)).toEqual(["CustomStatusSet", "ExecutionCompleted"]);
  });

  it("is not recorded again when the history is replayed", async () => {
    const h = new EngineHarness(statuses, "replay");
    const results = [await h.episode(started("Statuses"))];
    for (let seq = 0; seq < 4; seq++) results.push(await h.episode(completedMsg(seq)));
    expect(results.map((r) => r.newEvents.filter((e) => e.type === "CustomStatusSet").length)).toEqual([1, 0, 0, 1, 1]);
  });

  it("rejects a value JSON cannot carry at the call", async () => {
    const o = orchestration("BadStatus", async (ctx) => {
      try {
        ctx.setCustomStatus({ n: 1n });
        return "accepted";
      } catch (error) {
        return (error as { code: string }).code;
      }
    });
    const result = await new EngineHarness(o).episode(started("BadStatus"));
    expect(result.output).toBe('"SERIALIZATION_FAILED"');
    expect(result.customStatus).toBeUndefined();
  });
});
