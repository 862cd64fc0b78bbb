import { describe, expect, it } from "vitest";
import { childIdTaken, childInstance } from "../../../src/store/plan/child-start.js";
import { episodeOp } from "./episode-op.js";

const start = { type: "StartSubOrchestration" as const, seq: 2, name: "Child", instanceId: "c1", input: '"i"' };

describe("starting a child", () => {
  it("creates the child linked to its parent's call, with its start message", () => {
    expect(childInstance(episodeOp([start]), start, "child-exec", 500)).toEqual({
      instanceId: "c1",
      name: "Child",
      executionId: "child-exec",
      input: '"i"',
      now: 500,
      parentInstanceId: "parent",
      parentExecutionId: "exec-1",
      parentSeq: 2,
      started: { type: "ExecutionStarted", name: "Child", executionId: "child-exec", input: '"i"' },
    });
  });

  it("fails the parent's call when the child's id is taken", () => {
    expect(childIdTaken(episodeOp([start]), start)).toMatchObject({
      type: "SubOrchestrationFailed",
      seq: 2,
      error: { name: "InstanceAlreadyExistsError" },
    });
  });

  it("writes nothing for a taken id when the parent's execution ends in the same episode", () => {
    expect(childIdTaken(episodeOp([start], { runtimeStatus: "Completed" }), start)).toBeUndefined();
  });
});
