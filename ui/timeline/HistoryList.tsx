/**
 * `<HistoryList>`: the history as a compact list, one line per entry (time since the start,
 * type, the call's name and seq), virtualized like the timeline and loading further pages the
 * same way. ↑/↓, PageUp/PageDown, Home/End move the selection; Enter shows the entry in full.
 */
import { memo } from "preact/compat";
import { useEffect } from "preact/hooks";
import type { JSX } from "preact";
import { formatDuration } from "../view-models/timeline-scale.js";
import { entryTimeMs, type HistoryEntryJson } from "../view-models/timeline.js";
import { EntryDetail } from "./EntryDetail.js";
import { useRowSelection } from "./use-row-selection.js";
import { useVirtualRows } from "./use-virtual-rows.js";
import "./timeline.css";

export interface HistoryListProps {
  history: readonly HistoryEntryJson[];
  total: number;
  loadMore?: () => void;
}

export const HISTORY_ROW_PX = 22;
const LOAD_AHEAD_ROWS = 40;

export function HistoryList({ history, total, loadMore }: HistoryListProps): JSX.Element {
  const virtual = useVirtualRows(history.length, HISTORY_ROW_PX);
  const { selected, tabbable, detailOpen, setDetailOpen, focused, select, openDetail } = useRowSelection(history.length, virtual);
  const originMs = history[0] ? entryTimeMs(history[0]) : 0;
  const more = history.length < total;

  useEffect(() => {
    if (more && virtual.end >= history.length - LOAD_AHEAD_ROWS) loadMore?.();
  }, [more, virtual.end, history.length, loadMore]);

  const onKeyDown = (event: KeyboardEvent): void => {
    const at = selected ?? virtual.first;
    const page = Math.max(1, Math.floor((virtual.end - virtual.first) / 2));
    const actions: Record<string, () => void> = {
      ArrowDown: () => select(at + 1),
      ArrowUp: () => select(at - 1),
      PageDown: () => select(at + page),
      PageUp: () => select(at - page),
      Home: () => select(0),
      End: () => select(history.length - 1),
      Enter: () => setDetailOpen(true),
      Escape: () => setDetailOpen(false),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  const selectedEntry = selected === undefined ? undefined : history[selected];

  return (
    <div class="baton-history-list" data-history-loaded={history.length} data-history-total={total}>
      <div class="tl-scroll" ref={virtual.ref} onScroll={virtual.onScroll} onKeyDown={onKeyDown} role="listbox" aria-label="History">
        <div class="tl-spacer" style={{ height: `${(history.length + (more ? 1 : 0)) * HISTORY_ROW_PX}px` }}>
          <div class="tl-window" style={{ transform: `translateY(${virtual.first * HISTORY_ROW_PX}px)` }}>
            {history.slice(virtual.first, virtual.end).map((entry, i) => {
              const index = virtual.first + i;
              return (
                <HistoryRow key={index} entry={entry} index={index} originMs={originMs} selected={index === selected} tabbable={index === tabbable} onFocus={focused} onSelect={openDetail} />
              );
            })}
            {more && virtual.end >= history.length ? <div class="tl-loading">Loading further events…</div> : null}
          </div>
        </div>
      </div>
      {detailOpen && selectedEntry ? (
        <aside class="tl-detail" aria-label={`Entry ${selected}`}>
          <header>
            <button type="button" onClick={() => setDetailOpen(false)} aria-label="Close the detail">
              ×
            </button>
          </header>
          <EntryDetail index={selected!} entry={selectedEntry} />
        </aside>
      ) : null}
    </div>
  );
}

interface HistoryRowProps {
  entry: HistoryEntryJson;
  index: number;
  originMs: number;
  selected: boolean;
  tabbable: boolean;
  onFocus: (index: number) => void;
  onSelect: (index: number) => void;
}

/** Memoized: while scrolling, only the lines coming into view are drawn. */
const HistoryRow = memo(function HistoryRow({ entry, index, originMs, selected, tabbable, onFocus, onSelect }: HistoryRowProps): JSX.Element {
  return (
    <div
      class={`hl-row${index % 2 ? " tl-odd" : ""}${selected ? " tl-selected" : ""}`}
      role="option"
      aria-selected={selected}
      tabIndex={tabbable ? 0 : -1}
      data-row={index}
      onFocus={() => onFocus(index)}
      onClick={() => onSelect(index)}
    >
      <span class="hl-index">{index}</span>
      <span class="hl-time">{formatDuration(entryTimeMs(entry) - originMs)}</span>
      <span class={`hl-type hl-${entry.type}`}>{entry.type}</span>
      <span class="hl-subject">{subject(entry)}</span>
    </div>
  );
});

/** What the entry is about, in a few words: the call's name and seq, the event's name. */
function subject(entry: HistoryEntryJson): string {
  const parts: string[] = [];
  if (typeof entry.name === "string") parts.push(entry.name);
  if (typeof entry.seq === "number") parts.push(`seq ${entry.seq}`);
  if (typeof entry.attempts === "number" && entry.attempts > 1) parts.push(`${entry.attempts} attempts`);
  const error = entry.error as { message?: unknown } | undefined;
  if (error && typeof error.message === "string") parts.push(error.message.slice(0, 120));
  return parts.join(" · ");
}
