import { describe, expect, it } from "vitest";
import type { EpisodeResult } from "../../../src/engine/command.js";
import { childOutcome, parentTerminated, startMessage, timerFired } from "../../../src/store/plan/messages.js";

const ended = (result: Partial<EpisodeResult>): EpisodeResult => ({ newEvents: [], commands: [], runtimeStatus: "Completed", ...result });

describe("the messages a store writes", () => {
  it("starts an execution with its name, execution id and input (none when absent)", () => {
    expect(startMessage({ name: "Orch", executionId: "e1", input: '"x"' })).toEqual({ type: "ExecutionStarted", name: "Orch", executionId: "e1", input: '"x"' });
    expect(startMessage({ name: "Orch", executionId: "e1", input: undefined })).toEqual({ type: "ExecutionStarted", name: "Orch", executionId: "e1" });
  });

  it("tells a parent's call that its child completed, with the child's output", () => {
    expect(childOutcome(4, ended({ output: '"done"' }))).toEqual({ type: "SubOrchestrationCompleted", seq: 4, output: '"done"' });
    expect(childOutcome(4, ended({}))).toEqual({ type: "SubOrchestrationCompleted", seq: 4 });
  });

  it("tells a parent's call that its child failed, with the child's error without its code", () => {
    const failure = { name: "Error", message: "boom", code: "ActivityFailed" };
    expect(childOutcome(2, ended({ runtimeStatus: "Failed", failure }))).toEqual({ type: "SubOrchestrationFailed", seq: 2, error: { name: "Error", message: "boom" } });
  });

  it("tells a parent's call that its child was terminated, with the reason when there is one", () => {
    expect(childOutcome(1, ended({ runtimeStatus: "Terminated", output: "stop" }))).toEqual({
      type: "SubOrchestrationFailed",
      seq: 1,
      error: { name: "Terminated", message: "The sub-orchestration was terminated: stop" },
    });
    expect(childOutcome(1, ended({ runtimeStatus: "Terminated" }))).toMatchObject({ error: { message: "The sub-orchestration was terminated" } });
  });

  it("passes a parent's termination on to its children, naming the parent", () => {
    expect(parentTerminated("p1")).toEqual({ type: "Terminate", reason: 'Parent instance "p1" was terminated.' });
  });

  it("fires a timer by its sequence number", () => {
    expect(timerFired(3)).toEqual({ type: "TimerFired", seq: 3 });
  });
});
