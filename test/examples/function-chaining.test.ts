import { describe, expect, it } from "vitest";
import { functions, helloCities } from "../../examples/function-chaining/functions.js";
import { historyOf, startBaton } from "./kit.js";

describe("example: function chaining", () => {
  it("greets Tokyo, Seattle and London, one call after the other", async () => {
    const baton = await startBaton(functions);
    const id = await baton.client.startNew(helloCities);

    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });
    expect(done.runtimeStatus).toBe("Completed");
    expect(done.output).toEqual(["Hello Tokyo!", "Hello Seattle!", "Hello London!"]);

    const history = await historyOf(baton, id);
    const scheduled = history.filter((e) => e.type === "TaskScheduled");
    expect(scheduled.map((e) => [e.name, e.input])).toEqual([
      ["SayHello", "Tokyo"],
      ["SayHello", "Seattle"],
      ["SayHello", "London"],
    ]);
    // In sequence: each call is scheduled only after the previous one completed.
    const tasks = history.filter((e) => e.type === "TaskScheduled" || e.type === "TaskCompleted").map((e) => e.type);
    expect(tasks).toEqual(["TaskScheduled", "TaskCompleted", "TaskScheduled", "TaskCompleted", "TaskScheduled", "TaskCompleted"]);
  });
});
