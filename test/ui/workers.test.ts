/** The Workers page's per-activity failure rates and per-worker slots, read out of Prometheus text. */
import { describe, expect, it } from "vitest";
import { parsePrometheusText } from "../../ui/view-models/metrics.js";
import { attemptFigures, slotFigures } from "../../ui/view-models/ready-work.js";

const TEXT = [
  "# TYPE baton_activity_attempts_total counter",
  'baton_activity_attempts_total{activity="Charge",outcome="completed"} 6',
  'baton_activity_attempts_total{activity="Charge",outcome="retry"} 3',
  'baton_activity_attempts_total{activity="Charge",outcome="failed"} 1',
  'baton_activity_attempts_total{activity="Ship",outcome="completed"} 4',
  "# TYPE baton_worker_slots_used gauge",
  'baton_worker_slots_used{worker_id="h:1:a",kind="episode"} 2',
  'baton_worker_slots_used{worker_id="h:1:a",kind="attempt"} 5',
  "# TYPE baton_worker_slots_capacity gauge",
  'baton_worker_slots_capacity{worker_id="h:1:a",kind="episode"} 100',
  'baton_worker_slots_capacity{worker_id="h:1:a",kind="attempt"} 100',
].join("\n");

describe("the Workers page's figures", () => {
  it("gives each activity's failure rate, retries and final failures alike, most failing first", () => {
    expect(attemptFigures(parsePrometheusText(TEXT))).toEqual([
      { activity: "Charge", attempts: 10, failed: 4, failureRate: 0.4 },
      { activity: "Ship", attempts: 4, failed: 0, failureRate: 0 },
    ]);
  });

  it("gives each worker's slots in use and in all, by kind", () => {
    expect(slotFigures(parsePrometheusText(TEXT)).get("h:1:a")).toEqual({ episode: { used: 2, capacity: 100 }, attempt: { used: 5, capacity: 100 } });
    expect(slotFigures(parsePrometheusText(TEXT)).size).toBe(1);
  });
});
