/**
 * The dev timeline's ordering, as a unit: log lines written before their episode commits are
 * held and placed after the events they follow (the real process is tested in dev-timeline.test.ts).
 */
import { describe, expect, it } from "vitest";
import { Timeline } from "../../src/cli/timeline.js";
import type { HistoryEntry } from "../../src/engine/history-entry.js";
import type { TimedLogger } from "../../src/observability/console-logger.js";

// Colours off, so lines compare as text.
process.env.NO_COLOR = "1";

const at = new Date("2030-01-01T00:00:00Z");
const entry = (fields: Record<string, unknown>): HistoryEntry => ({ timestamp: at, ...fields }) as unknown as HistoryEntry;

function recorder(): { lines: string[]; times: number[]; base: TimedLogger } {
  const lines: string[] = [];
  const times: number[] = [];
  const push = (time: Date, message: string, ...args: unknown[]): void => {
    times.push(time.getTime());
    lines.push(`log ${message} ${JSON.stringify(args)}`);
  };
  return { lines, times, base: { debug: push, info: push, warn: push, error: push } };
}

describe("the dev timeline", () => {
  for (const instanceId of ["order-7", "order-7/item-3"]) {
    it(`places an instance's log lines after the events they follow (id ${instanceId})`, () => {
      const { lines, base } = recorder();
      const timeline = new Timeline((line) => lines.push(line));
      const log = timeline.logger(base);
      // The episode's code and its inline activity log before the episode commits.
      log.info("charging", { instanceId, name: "Order", executionId: "e1", workerId: "w1" });
      log.info("card accepted", { instanceId, name: "Charge", executionId: "e1", seq: 0, attempt: 1, workerId: "w1" });
      timeline.history(instanceId, [
        entry({ type: "ExecutionStarted", name: "Order", input: "1" }),
        entry({ type: "TaskScheduled", seq: 0, name: "Charge", input: "1" }),
        entry({ type: "TaskCompleted", seq: 0, result: "true" }),
      ]);
      timeline.flush();
      const order = lines.map((line) => (line.startsWith("log ") ? line : line.replace(/^.*?\s{2}\S+ \S*\s{2}/, "event ")));
      expect(order).toEqual([
        expect.stringMatching(/^event started Order/),
        `log charging [{"instanceId":"${instanceId}","name":"Order"}]`,
        expect.stringMatching(/^event call #0 Charge/),
        `log card accepted [{"instanceId":"${instanceId}","name":"Charge","seq":0,"attempt":1}]`,
        expect.stringMatching(/^event done #0/),
      ]);
    });
  }

  it("prints a line held back with the time it was logged, not the time it is printed", () => {
    const { lines, times, base } = recorder();
    let now = 1_000;
    const timeline = new Timeline((line) => lines.push(line), () => now);
    const log = timeline.logger(base);
    log.info("charging", { instanceId: "o-2", name: "Order" });
    now = 1_250;
    timeline.history("o-2", [entry({ type: "ExecutionStarted", name: "Order", input: "1" })]);
    log.info("charged", { instanceId: "o-2", name: "Order" });
    timeline.flush();
    expect(lines.filter((line) => line.startsWith("log "))).toHaveLength(2);
    expect(times).toEqual([1_000, 1_250]);
  });

  it("places a worker's line about an attempt by its seq, prints a line about no instance at once, and drops workerId and executionId", () => {
    const { lines, base } = recorder();
    const timeline = new Timeline((line) => lines.push(line));
    const log = timeline.logger(base);
    log.warn("activity attempt failed, will retry", { instanceId: "o-1", name: "Charge", executionId: "e1", seq: 1, attempt: 1, workerId: "w1" });
    log.warn("heartbeat failed", { workerId: "w1" });
    timeline.history("o-1", [
      entry({ type: "ExecutionStarted", name: "Order", input: "1" }),
      entry({ type: "TaskScheduled", seq: 0, name: "Charge", input: "1" }),
      entry({ type: "TaskScheduled", seq: 1, name: "Charge", input: "2" }),
    ]);
    timeline.flush();
    const order = lines.map((line) => (line.startsWith("log ") ? line : line.replace(/^.*?\s{2}\S+ \S*\s{2}/, "event ")));
    expect(order).toEqual([
      "log heartbeat failed [{}]",
      expect.stringMatching(/^event started Order/),
      expect.stringMatching(/^event call #0 Charge/),
      expect.stringMatching(/^event call #1 Charge/),
      'log activity attempt failed, will retry [{"instanceId":"o-1","name":"Charge","seq":1,"attempt":1}]',
    ]);
  });
});
