/**
 * The geometry of the timeline, pure: which rows are in view (the component renders only
 * those), where a time falls on the axis at a zoom, the axis's ticks, and durations written at
 * a readable scale (a 3 ms activity reads "3 ms", not "0.003 s").
 */

/** Rows drawn above and below the viewport, so a fast scroll shows no blank band. */
export const OVERSCAN_ROWS = 8;

/** The half-open range [first, end) of rows to render for a scroll position. */
export function visibleRows(scrollTopPx: number, viewportPx: number, rowPx: number, rowCount: number): { first: number; end: number } {
  const first = Math.max(0, Math.floor(scrollTopPx / rowPx) - OVERSCAN_ROWS);
  const end = Math.min(rowCount, Math.ceil((scrollTopPx + viewportPx) / rowPx) + OVERSCAN_ROWS);
  return { first, end: Math.max(first, end) };
}

/** A view of the time axis: the instant at its left edge and how many ms one pixel is. */
export interface TimeView {
  startMs: number;
  msPerPx: number;
}

/** The smallest and largest zoom: a microsecond per pixel to a day per pixel. */
const MIN_MS_PER_PX = 0.001;
const MAX_MS_PER_PX = 86_400_000;

/** The view that fits [startMs, endMs] into widthPx, with a little room on the right. */
export function fitView(startMs: number, endMs: number, widthPx: number): TimeView {
  const spanMs = Math.max(endMs - startMs, 1);
  return { startMs, msPerPx: clamp((spanMs * 1.02) / Math.max(widthPx, 1), MIN_MS_PER_PX, MAX_MS_PER_PX) };
}

/** Zooms by `factor` (< 1 zooms in) keeping the instant under `anchorPx` where it is. */
export function zoomView(view: TimeView, factor: number, anchorPx: number): TimeView {
  const anchorMs = view.startMs + anchorPx * view.msPerPx;
  const msPerPx = clamp(view.msPerPx * factor, MIN_MS_PER_PX, MAX_MS_PER_PX);
  return { startMs: anchorMs - anchorPx * msPerPx, msPerPx };
}

export function panView(view: TimeView, byPx: number): TimeView {
  return { startMs: view.startMs + byPx * view.msPerPx, msPerPx: view.msPerPx };
}

export function timeToPx(view: TimeView, timeMs: number): number {
  return (timeMs - view.startMs) / view.msPerPx;
}

/** Tick steps, in ms, from a microsecond to a week: 1-2-5 within each unit. */
const STEPS_MS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500,
  1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000, 604_800_000,
];

export interface Tick {
  px: number;
  /** Time since `originMs` (the instance's start), written at the step's scale. */
  label: string;
}

/** Ticks at least `minGapPx` apart across widthPx, labelled as offsets from originMs. */
export function axisTicks(view: TimeView, widthPx: number, originMs: number, minGapPx = 80): Tick[] {
  const stepMs = STEPS_MS.find((step) => step / view.msPerPx >= minGapPx) ?? STEPS_MS[STEPS_MS.length - 1]!;
  const ticks: Tick[] = [];
  const firstOffset = Math.ceil((view.startMs - originMs) / stepMs) * stepMs;
  for (let i = 0; ; i++) {
    const offset = firstOffset + i * stepMs;
    const px = timeToPx(view, originMs + offset);
    if (px > widthPx || ticks.length > 200) break;
    ticks.push({ px, label: formatDuration(offset) });
  }
  return ticks;
}

/** A duration at a readable scale: "0 ms", "850 µs", "12.5 ms", "1.25 s", "3 min 20 s", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "−" : "";
  const abs = Math.abs(ms);
  if (abs === 0) return "0 ms";
  if (abs < 1) return `${sign}${round(abs * 1000)} µs`;
  if (abs < 1000) return `${sign}${round(abs)} ms`;
  if (abs < 60_000) return `${sign}${round(abs / 1000)} s`;
  const units: [string, number][] = [["d", 86_400_000], ["h", 3_600_000], ["min", 60_000], ["s", 1000]];
  const index = units.findIndex(([, size]) => abs >= size);
  const [bigName, bigSize] = units[index]!;
  const [smallName, smallSize] = units[index + 1]!;
  const big = Math.floor(abs / bigSize);
  const small = Math.floor((abs - big * bigSize) / smallSize);
  return small === 0 ? `${sign}${big} ${bigName}` : `${sign}${big} ${bigName} ${small} ${smallName}`;
}

/** Three significant digits at most, no trailing zeros. */
function round(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
