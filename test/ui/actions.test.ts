import { describe, expect, it } from "vitest";
import { actionsFor, confirmationText } from "../../ui/view-models/actions.js";
import { parseJsonInput } from "../../ui/view-models/json-input.js";
import { readyWork } from "../../ui/view-models/ready-work.js";
import { parsePrometheusText } from "../../ui/view-models/metrics.js";

describe("the actions an instance's status allows", () => {
  it("offers live instances events, pausing and termination, and finished ones rewind, restart and purge", () => {
    expect(actionsFor("Running")).toEqual(["raiseEvent", "suspend", "terminate"]);
    expect(actionsFor("Pending")).toEqual(["raiseEvent", "suspend", "terminate"]);
    expect(actionsFor("Suspended")).toEqual(["raiseEvent", "resume", "terminate"]);
    expect(actionsFor("Failed")).toEqual(["rewind", "restart", "purge"]);
    expect(actionsFor("Completed")).toEqual(["restart", "purge"]);
    expect(actionsFor("Terminated")).toEqual(["restart", "purge"]);
    expect(actionsFor("ContinuedAsNew")).toEqual(["purge"]);
  });

  it("states the subject and the effect before anything is done", () => {
    expect(confirmationText("purge", { instanceId: "order-1" })).toBe("Purge instance order-1: deletes it and its whole history from the store. This cannot be undone.");
    expect(confirmationText("terminate", { count: 3 })).toMatch(/^Terminate 3 instances: ends each now as Terminated/);
    expect(confirmationText("raiseEvent", { instanceId: "w" }, "Go")).toMatch(/^Raise event "Go" on instance w: delivers the event/);
  });
});

describe("the JSON editor's check", () => {
  it("takes empty text as no value, valid JSON as its value, and says where invalid JSON breaks", () => {
    expect(parseJsonInput("  ")).toEqual({ ok: true, value: undefined });
    expect(parseJsonInput('{"a": [1, 2]}')).toEqual({ ok: true, value: { a: [1, 2] } });
    const broken = parseJsonInput('{\n  "a": 1,\n}');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.message).toMatch(/^Not valid JSON: .*(line 3|position)/);
  });
});

describe("ready work per function, from GET /api/metrics", () => {
  it("pairs the ready count and the oldest age of each queue and function, longest waiting first", () => {
    const text = [
      "# HELP baton_work_ready Work claimable now.",
      "# TYPE baton_work_ready gauge",
      'baton_work_ready{queue="activity",function="Greet"} 3',
      'baton_work_ready{queue="orchestration",function="Hello"} 1',
      "# TYPE baton_work_ready_oldest_age_seconds gauge",
      'baton_work_ready_oldest_age_seconds{queue="activity",function="Greet"} 0.5',
      'baton_work_ready_oldest_age_seconds{queue="orchestration",function="Hello"} 12',
      'baton_instances{status="Running"} 4',
    ].join("\n");
    expect(readyWork(parsePrometheusText(text))).toEqual([
      { queue: "orchestration", function: "Hello", ready: 1, oldestAgeSeconds: 12 },
      { queue: "activity", function: "Greet", ready: 3, oldestAgeSeconds: 0.5 },
    ]);
  });
});
