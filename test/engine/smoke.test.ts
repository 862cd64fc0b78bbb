import { describe, expect, it } from "vitest";
import { activity } from "../../src/definitions/activity.js";
import { orchestration } from "../../src/definitions/orchestration.js";
import { EngineHarness } from "../helpers/engine-harness.js";
import { completedMsg, started } from "../helpers/history-factories.js";

const double = activity("Double", async (n: number) => n * 2);
const twice = orchestration("Twice", async (ctx, n: number) => {
  const a = await ctx.callActivity(double, n);
  return ctx.callActivity(double, a);
});

describe.each(["cached", "replay"] as const)("engine harness (%s)", (mode) => {
  it("schedules one activity per step and completes with the last result", async () => {
    const h = new EngineHarness(twice, mode);
    const first = await h.episode(started("Twice", 3));
    expect(first.commands).toMatchObject([{ type: "ScheduleTask", seq: 0, name: "Double", input: "3" }]);
    const second = await h.episode(completedMsg(0, 6));
    expect(second.commands).toMatchObject([{ type: "ScheduleTask", seq: 1, name: "Double", input: "6" }]);
    const third = await h.episode(completedMsg(1, 12));
    expect(third).toMatchObject({ runtimeStatus: "Completed", output: "12", commands: [] });
  });
});
