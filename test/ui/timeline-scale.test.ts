import { describe, expect, it } from "vitest";
import { axisTicks, fitView, formatDuration, OVERSCAN_ROWS, timeToPx, visibleRows, zoomView } from "../../ui/view-models/timeline-scale.js";

describe("the timeline's geometry", () => {
  it("renders only the rows in view, with a few more on each side", () => {
    expect(visibleRows(0, 240, 24, 10_000)).toEqual({ first: 0, end: 10 + OVERSCAN_ROWS });
    expect(visibleRows(24 * 5000, 240, 24, 10_000)).toEqual({ first: 5000 - OVERSCAN_ROWS, end: 5010 + OVERSCAN_ROWS });
    expect(visibleRows(24 * 9995, 240, 24, 10_000)).toEqual({ first: 9995 - OVERSCAN_ROWS, end: 10_000 });
    expect(visibleRows(0, 240, 24, 0)).toEqual({ first: 0, end: 0 });
  });

  it("fits a span into the width and zooms around the pointer", () => {
    const view = fitView(1000, 2000, 1020);
    expect(timeToPx(view, 1000)).toBe(0);
    expect(timeToPx(view, 2000)).toBeCloseTo(1000);
    const zoomed = zoomView(view, 0.5, 500);
    expect(timeToPx(zoomed, 1000 + 500)).toBeCloseTo(500); // the instant under the pointer stays
    expect(zoomed.msPerPx).toBeCloseTo(0.5);
  });

  it("labels ticks at a 1-2-5 step at least the gap apart, as offsets from the start", () => {
    const ticks = axisTicks(fitView(0, 1000, 1000), 1000, 0, 80);
    expect(ticks.slice(0, 3).map((tick) => tick.label)).toEqual(["0 ms", "100 ms", "200 ms"]);
    expect(ticks[1]!.px - ticks[0]!.px).toBeGreaterThanOrEqual(80);
    const micro = axisTicks(fitView(0, 2, 1000), 1000, 0, 80);
    expect(micro[1]!.label).toBe("200 µs");
  });

  it("writes durations at a readable scale", () => {
    expect([0, 0.25, 3, 12.5, 999, 1250, 59_999, 200_000, 7_500_000, 3 * 86_400_000 + 4 * 3_600_000].map(formatDuration)).toEqual([
      "0 ms", "250 µs", "3 ms", "12.5 ms", "999 ms", "1.25 s", "60 s", "3 min 20 s", "2 h 5 min", "3 d 4 h",
    ]);
  });
});
