/**
 * `<Timeline>`: an instance's durable calls as bars on a time axis, one row each
 * (view-models/timeline.ts makes the rows). Only the rows in view are rendered, so a history
 * of 10,000 events scrolls like one of ten; when the view nears the end of what is loaded it
 * asks for the next page (loadMore).
 *
 * Keys, with a row focused: ↑/↓ (PageUp/PageDown, Home/End) move the selection, + and − zoom
 * around the middle, 0 fits the whole span, ←/→ pan, Enter shows the detail, Escape hides it.
 * Ctrl+wheel (a pinch) zooms around the pointer; Shift+wheel pans. One row is in the tab
 * order at a time (roving tabindex). Colours are CSS variables (timeline.css), dark mode too.
 *
 * A frame after its first rows are on screen it sets the performance mark TIMELINE_READY_MARK
 * (once per page), which bench/dashboard-browser.ts reads: navigation to a usable view.
 */
import { memo } from "preact/compat";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { JSX } from "preact";
import { axisTicks, fitView, formatDuration, panView, timeToPx, zoomView, type TimeView } from "../view-models/timeline-scale.js";
import { timelineRows, timelineSpan, type HistoryEntryJson, type TimelineRow } from "../view-models/timeline.js";
import { EntryDetail } from "./EntryDetail.js";
import { useRowSelection } from "./use-row-selection.js";
import { useVirtualRows } from "./use-virtual-rows.js";
import "./timeline.css";

export interface TimelineProps {
  /** The entries loaded so far, from the first. */
  history: readonly HistoryEntryJson[];
  /** How many entries the history has in all. */
  total: number;
  /** Asks for the next page; the parent appends it to `history`. */
  loadMore?: () => void;
  /** Where open rows end (ms since the epoch); default: now, read at each render. */
  nowMs?: number;
}

export const TIMELINE_ROW_PX = 24;
export const TIMELINE_READY_MARK = "baton:timeline-ready";
const LABEL_PX = 240;
const ZOOM_STEP = 1.5;
/** Ask for the next page this many rows before the end of what is loaded. */
const LOAD_AHEAD_ROWS = 40;

export function Timeline({ history, total, loadMore, nowMs }: TimelineProps): JSX.Element {
  const rows = useMemo(() => timelineRows(history), [history]);
  const now = nowMs ?? Date.now();
  const span = useMemo(() => timelineSpan(rows, now), [rows, now]);
  const virtual = useVirtualRows(rows.length, TIMELINE_ROW_PX);
  const trackPx = Math.max(virtual.widthPx - LABEL_PX, 100);
  const [zoomed, setZoomed] = useState<TimeView | undefined>(undefined);
  // Kept the same object while nothing changes, so rows already on screen are not drawn again.
  const fitted = useMemo(() => fitView(span.startMs, span.endMs, trackPx), [span.startMs, span.endMs, trackPx]);
  const view = zoomed ?? fitted;
  const { selected, tabbable, detailOpen, setDetailOpen, focused, select, openDetail } = useRowSelection(rows.length, virtual);

  const more = history.length < total;
  const shown = rows.length > 0;
  useEffect(() => {
    if (!shown || performance.getEntriesByName(TIMELINE_READY_MARK).length > 0) return;
    requestAnimationFrame(() => performance.mark(TIMELINE_READY_MARK));
  }, [shown]);
  useEffect(() => {
    if (more && virtual.end >= rows.length - LOAD_AHEAD_ROWS) loadMore?.();
  }, [more, virtual.end, rows.length, loadMore]);

  const zoom = (factor: number, anchorPx = trackPx / 2): void => setZoomed(zoomView(view, factor, anchorPx));

  const onKeyDown = (event: KeyboardEvent): void => {
    const at = selected ?? virtual.first;
    const page = Math.max(1, Math.floor((virtual.end - virtual.first) / 2));
    const actions: Record<string, () => void> = {
      ArrowDown: () => select(at + 1),
      ArrowUp: () => select(at - 1),
      PageDown: () => select(at + page),
      PageUp: () => select(at - page),
      Home: () => select(0),
      End: () => select(rows.length - 1),
      "+": () => zoom(1 / ZOOM_STEP),
      "=": () => zoom(1 / ZOOM_STEP),
      "-": () => zoom(ZOOM_STEP),
      "0": () => setZoomed(undefined),
      ArrowLeft: () => setZoomed(panView(view, -trackPx / 4)),
      ArrowRight: () => setZoomed(panView(view, trackPx / 4)),
      Enter: () => setDetailOpen(true),
      " ": () => setDetailOpen((open) => !open),
      Escape: () => setDetailOpen(false),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  const onWheel = (event: WheelEvent): void => {
    if (event.ctrlKey) {
      event.preventDefault();
      const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
      zoom(Math.pow(1.002, event.deltaY), event.clientX - box.left - LABEL_PX);
    } else if (event.shiftKey) {
      event.preventDefault();
      setZoomed(panView(view, event.deltaY || event.deltaX));
    }
  };

  const visible = rows.slice(virtual.first, virtual.end);
  const selectedRow = selected === undefined ? undefined : rows[selected];

  return (
    <div class="baton-timeline" data-history-loaded={history.length} data-history-total={total}>
      <div class="tl-toolbar" role="toolbar" aria-label="Timeline zoom">
        <button type="button" onClick={() => zoom(1 / ZOOM_STEP)} aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoom(ZOOM_STEP)} aria-label="Zoom out">−</button>
        <button type="button" onClick={() => setZoomed(undefined)}>Fit</button>
        <span class="tl-count">
          {rows.length} rows · {history.length} of {total} events{more ? " loaded" : ""}
        </span>
      </div>
      <Axis view={view} trackPx={trackPx} originMs={span.startMs} />
      <div class="tl-scroll" ref={virtual.ref} onScroll={virtual.onScroll} onKeyDown={onKeyDown} onWheel={onWheel} role="grid" aria-label="Timeline" aria-rowcount={rows.length}>
        <div class="tl-spacer" style={{ height: `${rows.length * TIMELINE_ROW_PX + (more ? TIMELINE_ROW_PX : 0)}px` }}>
          <div class="tl-window" style={{ transform: `translateY(${virtual.first * TIMELINE_ROW_PX}px)` }}>
            {visible.map((row, i) => {
              const index = virtual.first + i;
              return (
                <TimelineRowView
                  key={row.key}
                  row={row}
                  index={index}
                  view={view}
                  trackPx={trackPx}
                  nowMs={row.endMs === undefined ? now : 0}
                  originMs={span.startMs}
                  selected={index === selected}
                  tabbable={index === tabbable}
                  onFocus={focused}
                  onSelect={openDetail}
                />
              );
            })}
            {more && virtual.end >= rows.length ? <div class="tl-loading">Loading further events…</div> : null}
          </div>
        </div>
      </div>
      {detailOpen && selectedRow ? <RowDetail row={selectedRow} history={history} originMs={span.startMs} onClose={() => setDetailOpen(false)} /> : null}
    </div>
  );
}

function Axis({ view, trackPx, originMs }: { view: TimeView; trackPx: number; originMs: number }): JSX.Element {
  const ticks = axisTicks(view, trackPx, originMs);
  return (
    <div class="tl-axis" aria-hidden="true">
      <svg class="tl-axis-track" width={trackPx} height={20}>
        {ticks.map((tick) => (
          <g key={tick.label} transform={`translate(${tick.px},0)`}>
            <line class="tl-tick" y1={14} y2={20} />
            <text class="tl-tick-label" x={3} y={12}>
              {tick.label}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}

interface RowViewProps {
  row: TimelineRow;
  index: number;
  view: TimeView;
  trackPx: number;
  nowMs: number;
  originMs: number;
  selected: boolean;
  tabbable: boolean;
  onFocus: (index: number) => void;
  onSelect: (index: number) => void;
}

/** Memoized: while scrolling, only the rows coming into view are drawn. */
const TimelineRowView = memo(function TimelineRowView({ row, index, view, trackPx, nowMs, originMs, selected, tabbable, onFocus, onSelect }: RowViewProps): JSX.Element {
  const endMs = row.endMs ?? Math.max(nowMs, row.startMs);
  const x = timeToPx(view, row.startMs);
  const width = Math.max(timeToPx(view, endMs) - x, 2);
  const point = row.state === "point";
  const summary = rowSummary(row, originMs);
  return (
    <div
      class={`tl-row tl-${row.kind} tl-${row.state}${row.endMs === undefined ? " tl-open" : ""}${index % 2 ? " tl-odd" : ""}${selected ? " tl-selected" : ""}`}
      role="row"
      aria-rowindex={index + 1}
      aria-selected={selected}
      tabIndex={tabbable ? 0 : -1}
      data-row={index}
      onClick={() => onSelect(index)}
      onFocus={() => onFocus(index)}
    >
      <span class="tl-label" role="rowheader" title={row.label}>
        {row.label}
      </span>
      <svg class="tl-track" width={trackPx} height={TIMELINE_ROW_PX} role="gridcell" aria-label={summary}>
        <title>{summary}</title>
        {point ? (
          <rect class="tl-point" x={x - 4} y={8} width={8} height={8} transform={`rotate(45 ${x} 12)`} />
        ) : (
          <rect class="tl-bar" x={x} y={5} width={width} height={14} rx={2} />
        )}
        {row.attempts !== undefined ? (
          <text class="tl-attempts" x={x + width + 4} y={16}>
            ×{row.attempts}
          </text>
        ) : null}
      </svg>
    </div>
  );
});

function rowSummary(row: TimelineRow, originMs: number): string {
  const at = `at ${formatDuration(row.startMs - originMs)}`;
  const took = row.endMs === undefined ? "not finished" : row.state === "point" ? "" : `took ${formatDuration(row.endMs - row.startMs)}`;
  const attempts = row.attempts === undefined ? "" : `${row.attempts} attempts`;
  const error = row.error ? `${row.state === "completed" ? "last failure" : "error"}: ${row.error.name}: ${row.error.message}` : "";
  return [row.label, row.state, at, took, attempts, error].filter(Boolean).join(", ");
}

function RowDetail({ row, history, originMs, onClose }: { row: TimelineRow; history: readonly HistoryEntryJson[]; originMs: number; onClose: () => void }): JSX.Element {
  return (
    <aside class="tl-detail" aria-label={`Detail of ${row.label}`}>
      <header>
        <strong>{row.label}</strong> <span class={`tl-state tl-${row.state}`}>{row.state}</span>
        <button type="button" onClick={onClose} aria-label="Close the detail">
          ×
        </button>
      </header>
      <p>{rowSummary(row, originMs)}</p>
      {row.entryIndexes.map((index) => (history[index] ? <EntryDetail key={index} index={index} entry={history[index]!} /> : null))}
    </aside>
  );
}
