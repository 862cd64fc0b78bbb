/** `baton status` prints why an instance waits, and `baton history` a success after retries. */
import { describe, expect, it } from "vitest";
import type { StatusJson } from "../../src/cli/admin.js";
import { describeEvent, statusCard } from "../../src/cli/format.js";

// Colours off, so lines compare as text.
process.env.NO_COLOR = "1";

const running: StatusJson = {
  instanceId: "order-7",
  name: "Order",
  runtimeStatus: "Running",
  createdAt: "2030-01-01T00:00:00.000Z",
  lastUpdatedAt: "2030-01-01T00:00:01.000Z",
};

describe("the status card's pending work", () => {
  it("has one line per activity, timer, awaited event and child", () => {
    const card = statusCard({
      ...running,
      pending: {
        activities: [
          { name: "Charge", seq: 0, attempt: 3, state: "waiting", nextAttemptAt: "2030-01-01T00:05:00.000Z", lastFailure: { name: "Error", message: "card declined" } },
          { name: "Ship", seq: 1, attempt: 1, state: "running" },
        ],
        timers: [{ seq: 2, fireAt: "2030-01-08T00:00:00.000Z" }],
        events: ["approve"],
        children: [{ instanceId: "order-7:3", name: "Invoice", runtimeStatus: "Running" }],
      },
    });
    expect(card.split("\n").slice(3)).toEqual([
      "pending   activity #0 Charge attempt 3, waiting until 2030-01-01 00:05:00Z (last failure Error: card declined)",
      "          activity #1 Ship attempt 1, running",
      "          timer #2 fires 2030-01-08 00:00:00Z",
      '          event "approve"',
      "          child order-7:3 Invoice Running",
    ]);
  });

  it("prints nothing for an instance that waits on nothing listed", () => {
    const card = statusCard({ ...running, pending: { activities: [], timers: [], events: [], children: [] } });
    expect(card).not.toContain("pending");
  });
});

describe("a history's TaskCompleted", () => {
  it("tells how many attempts a success took and the last failure", () => {
    const line = describeEvent({ type: "TaskCompleted", seq: 0, output: 42, attempts: 2, lastFailure: { name: "TypeError", message: "flaky" } });
    expect(line).toBe('done #0 → 42 after 2 attempts (last failure TypeError: flaky)');
    expect(describeEvent({ type: "TaskCompleted", seq: 0, output: 42 })).toBe("done #0 → 42");
  });
});
