/** The Prometheus text of this process's aggregates: families, escaping, cumulative buckets. */
import { describe, expect, it } from "vitest";
import { LocalCounter, LocalHistogram } from "../../src/observability/local-metrics.js";
import { prometheusText } from "../../src/observability/prometheus-text.js";

describe("prometheusText", () => {
  it("prints HELP and TYPE once per family, then one line per series", () => {
    const counter = new LocalCounter();
    counter.add({ activity: "A", outcome: "completed" });
    counter.add({ activity: "A", outcome: "completed" }, 2);
    counter.add({ activity: "B", outcome: "retry" });
    expect(prometheusText([{ name: "x_total", help: "Things.", type: "counter", samples: counter.samples() }])).toBe(
      [
        "# HELP x_total Things.",
        "# TYPE x_total counter",
        'x_total{activity="A",outcome="completed"} 3',
        'x_total{activity="B",outcome="retry"} 1',
        "",
      ].join("\n"),
    );
  });

  it("escapes backslashes, quotes and newlines in label values, and prints a family with no series", () => {
    const text = prometheusText([
      { name: "g", help: "a\\b\nc", type: "gauge", samples: [{ labels: { function: 'say "hi"\\\n' }, value: 1.5 }] },
      { name: "empty", help: "None yet.", type: "gauge", samples: [] },
    ]);
    expect(text).toBe(['# HELP g a\\\\b\\nc', "# TYPE g gauge", 'g{function="say \\"hi\\"\\\\\\n"} 1.5', "# HELP empty None yet.", "# TYPE empty gauge", ""].join("\n"));
  });

  it("prints histograms with cumulative buckets, +Inf, sum and count; a value on a bound counts in its bucket", () => {
    const histogram = new LocalHistogram([0.1, 1]);
    for (const value of [0.05, 0.1, 0.5, 3]) histogram.record({}, value);
    expect(prometheusText([{ name: "d_seconds", help: "D.", type: "histogram", bounds: histogram.bounds, samples: histogram.samples() }])).toBe(
      [
        "# HELP d_seconds D.",
        "# TYPE d_seconds histogram",
        'd_seconds_bucket{le="0.1"} 2',
        'd_seconds_bucket{le="1"} 3',
        'd_seconds_bucket{le="+Inf"} 4',
        "d_seconds_sum 3.65",
        "d_seconds_count 4",
        "",
      ].join("\n"),
    );
  });
});
