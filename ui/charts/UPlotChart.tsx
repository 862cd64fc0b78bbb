/**
 * A uPlot chart as a Preact component: made once per mount (and again when the colour scheme
 * changes, since a canvas cannot read CSS variables itself), fed new data with setData, sized
 * to its container. A range the user dragged to zoom on stays through later polls, until a
 * double-click fits the data again. Series colours are CSS variable names, read when the chart is made.
 */
import { useEffect, useRef } from "preact/hooks";
import type { JSX } from "preact";
import uPlot from "uplot";
import { chartTimeRange, isZoom } from "../view-models/metrics.js";
import "uplot/dist/uPlot.min.css";
import "./charts.css";

export interface ChartSeries {
  label: string;
  /** A CSS custom property holding the colour, e.g. "--chart-finished". */
  colorVar: string;
}

export interface UPlotChartProps {
  title: string;
  /** Unit of the y axis, shown after values. */
  unit: string;
  series: readonly ChartSeries[];
  /** x (seconds since the epoch), then one column per series; null where there is no figure. */
  data: uPlot.AlignedData;
  heightPx?: number;
}

export function UPlotChart({ title, unit, series, data, heightPx = 180 }: UPlotChartProps): JSX.Element {
  const box = useRef<HTMLDivElement | null>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  // Whether the x axis shows a range the user chose; kept up to date by the x scale's range function.
  const zoomed = useRef(false);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const make = (): void => {
      chart.current?.destroy();
      const style = getComputedStyle(element);
      const colour = (name: string): string => style.getPropertyValue(name).trim() || "#888";
      const axis = { stroke: colour("--chart-axis"), grid: { stroke: colour("--chart-grid"), width: 1 }, ticks: { stroke: colour("--chart-grid"), width: 1 } };
      chart.current = new uPlot(
        {
          title,
          width: Math.max(element.clientWidth, 200),
          height: heightPx,
          series: [{}, ...series.map((s) => ({ label: s.label, stroke: colour(s.colorVar), width: 2, spanGaps: false, value: (_: uPlot, v: number | null) => (v === null ? "–" : `${round(v)} ${unit}`) }))],
          // Ticks at least 90 px apart on x: a tick's second line (the date, the hour) fits beside the next one's.
          axes: [{ ...axis, space: 90 }, { ...axis, size: 56 }],
          scales: {
            x: {
              time: true,
              range: (u: uPlot, min: number | null, max: number | null) => {
                zoomed.current = isZoom(u.data[0], min, max);
                return chartTimeRange(u.data[0], min, max, Date.now() / 1000);
              },
            },
          },
          legend: { live: true },
          cursor: { drag: { x: true, y: false } },
          // The x axis's span in seconds, on the element: what a test (or a curious reader) can check.
          hooks: { setScale: [(u: uPlot, key: string) => key === "x" && element.setAttribute("data-x-span-s", String(Math.round((u.scales.x!.max ?? 0) - (u.scales.x!.min ?? 0))))] },
        },
        latest.current,
        element,
      );
    };
    make();
    const scheme = matchMedia("(prefers-color-scheme: dark)");
    scheme.addEventListener("change", make);
    const resize = new ResizeObserver(() => chart.current?.setSize({ width: Math.max(element.clientWidth, 200), height: heightPx }));
    resize.observe(element);
    return () => {
      scheme.removeEventListener("change", make);
      resize.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [title, unit, series, heightPx]);

  useEffect(() => {
    const u = chart.current;
    if (!u) return;
    // setData fits the x axis to the data again; a zoom is put back in the same draw.
    const zoom = zoomed.current ? { min: u.scales.x!.min!, max: u.scales.x!.max! } : undefined;
    u.batch(() => {
      u.setData(data);
      if (zoom) u.setScale("x", zoom);
    });
  }, [data]);

  return <div class="baton-chart" ref={box} role="img" aria-label={title} />;
}

function round(value: number): string {
  return value >= 100 ? value.toFixed(0) : String(Number(value.toPrecision(3)));
}
