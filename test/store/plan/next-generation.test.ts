import { describe, expect, it } from "vitest";
import { nextGeneration } from "../../../src/store/plan/next-generation.js";
import { RESULT_MESSAGE_TYPES } from "../../../src/store/store.js";
import { episodeOp, task } from "./episode-op.js";

const carried = [{ type: "EventRaised" as const, name: "go" }];

describe("nextGeneration", () => {
  it("queues the start of the new execution first, then the events it inherits", () => {
    const op = episodeOp([], { runtimeStatus: "ContinuedAsNew", continuedAsNew: { input: '"n"', preserveEvents: false, carried } }, { newExecutionId: "exec-2" });
    const next = nextGeneration(op, "Orch", 1000, () => 1000);
    expect(next.executionId).toBe("exec-2");
    expect(next.input).toBe('"n"');
    expect(next.messages).toEqual([{ type: "ExecutionStarted", name: "Orch", executionId: "exec-2", input: '"n"' }, ...carried]);
  });

  it("drops the results of the ending generation's calls, and its events unless they are preserved", () => {
    const op = (preserveEvents: boolean) =>
      episodeOp([], { runtimeStatus: "ContinuedAsNew", continuedAsNew: { preserveEvents, carried: [] } }, { newExecutionId: "exec-2" });
    expect(nextGeneration(op(true), "Orch", 1000, () => 1000).droppedTypes).toEqual([...RESULT_MESSAGE_TYPES]);
    expect(nextGeneration(op(false), "Orch", 1000, () => 1000).droppedTypes).toEqual([...RESULT_MESSAGE_TYPES, "EventRaised"]);
  });

  it("still starts the children of the ending generation, and nothing else it asked for", () => {
    const child = { type: "StartSubOrchestration" as const, seq: 1, name: "Child", instanceId: "c1" };
    const op = episodeOp([task(0), child], { runtimeStatus: "ContinuedAsNew", continuedAsNew: { preserveEvents: true, carried: [] } }, { newExecutionId: "e2" });
    expect(nextGeneration(op, "Orch", 1000, () => 1000).children).toEqual([child]);
  });
});
