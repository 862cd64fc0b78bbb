import { describe, expect, it } from "vitest";
import { delivery, restartRequest } from "../../../src/store/plan/instance-changes.js";

const row = (runtime_status: string, start_at = 0) => ({ runtime_status, start_at });

describe("restartRequest", () => {
  it("creates the finished instance again as a new execution with its name and input, starting now", () => {
    expect(restartRequest("i1", { runtime_status: "Failed", name: "Orch", input: '"x"', trace_context: null }, "e2", 100, undefined)).toEqual({
      instanceId: "i1",
      name: "Orch",
      executionId: "e2",
      input: '"x"',
      startAt: 100,
      reuseFinished: false,
    });
  });

  it("refuses a missing instance and one not finished", () => {
    expect(() => restartRequest("i1", undefined, "e2", 100, undefined)).toThrow(expect.objectContaining({ code: "INSTANCE_NOT_FOUND" }));
    expect(() => restartRequest("i1", { runtime_status: "Running", name: "Orch", input: null, trace_context: null }, "e2", 100, undefined)).toThrow(/restarting/);
  });

  it("joins the trace of the restart's caller, else keeps the trace the instance had", () => {
    const finished = { runtime_status: "Completed", name: "Orch", input: null, trace_context: "00-old-01" };
    expect(restartRequest("i1", finished, "e2", 100, "00-new-01").traceContext).toBe("00-new-01");
    expect(restartRequest("i1", finished, "e2", 100, undefined).traceContext).toBe("00-old-01");
    expect(restartRequest("i1", { ...finished, trace_context: null }, "e2", 100, undefined)).not.toHaveProperty("traceContext");
  });
});

describe("delivery of a client's message", () => {
  const event = { type: "EventRaised" as const, name: "go" };

  it("refuses a missing or finished instance", () => {
    expect(() => delivery("i1", undefined, event, 10)).toThrow(expect.objectContaining({ code: "INSTANCE_NOT_FOUND" }));
    expect(() => delivery("i1", row("Completed"), event, 10)).toThrow(expect.objectContaining({ code: "INSTANCE_NOT_RUNNING" }));
  });

  it("queues a message now, or at the start of a scheduled instance so that it follows the start", () => {
    expect(delivery("i1", row("Running", 50), event, 10)).toEqual({ kind: "queue", visibleAt: 10, wakes: false });
    expect(delivery("i1", row("Pending", 50), event, 10)).toEqual({ kind: "queue", visibleAt: 50, wakes: false });
  });

  it("queues a termination now and wakes the instance", () => {
    expect(delivery("i1", row("Pending", 50), { type: "Terminate" }, 10)).toEqual({ kind: "queue", visibleAt: 10, wakes: true });
  });

  it("suspends a running instance at once, its message a millisecond early; suspending twice writes nothing", () => {
    expect(delivery("i1", row("Running"), { type: "Suspend" }, 10)).toEqual({
      kind: "status",
      suspension: { change: "suspend", status: "Suspended", messageAt: 9 },
    });
    expect(delivery("i1", row("Suspended"), { type: "Suspend" }, 10)).toEqual({ kind: "status", suspension: { change: "none" } });
  });

  it("refuses to suspend an instance that has not started, and to resume one not suspended", () => {
    expect(() => delivery("i1", row("Pending"), { type: "Suspend" }, 10)).toThrow(/has not started yet/);
    expect(() => delivery("i1", row("Running"), { type: "Resume" }, 10)).toThrow(expect.objectContaining({ code: "INSTANCE_NOT_SUSPENDED" }));
  });

  it("resumes a suspended instance, its message right behind the suspension's", () => {
    expect(delivery("i1", row("Suspended"), { type: "Resume" }, 10)).toEqual({
      kind: "status",
      suspension: { change: "resume", status: "Running", messageAt: "suspension" },
    });
  });
});
