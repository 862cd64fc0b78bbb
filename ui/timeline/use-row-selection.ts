/**
 * The selected row of a virtualized list (the timeline, the history list) and its detail:
 * moving the selection scrolls the row into view and focuses it once it is rendered (a row
 * out of view does not exist in the page yet), and one row at a time is tabbable.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { VirtualRows } from "./use-virtual-rows.js";

export interface RowSelection {
  selected: number | undefined;
  /** The row that takes Tab: the selected one while in view, else the first in view. */
  tabbable: number;
  detailOpen: boolean;
  setDetailOpen: (open: boolean | ((open: boolean) => boolean)) => void;
  /** Selects a row by focus (no scroll: it is in view). */
  focused: (index: number) => void;
  /** Selects row `index` (clamped), scrolls it into view and focuses it. */
  select: (index: number) => void;
  /** Selects a row and opens its detail (a click). */
  openDetail: (index: number) => void;
}

export function useRowSelection(rowCount: number, virtual: VirtualRows): RowSelection {
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const [detailOpen, setDetailOpen] = useState(false);
  /** The row to focus once rendered: the last one asked for wins. */
  const focusWanted = useRef<number | undefined>(undefined);

  useEffect(() => {
    const wanted = focusWanted.current;
    if (wanted === undefined) return;
    const element = virtual.ref.current?.querySelector<HTMLElement>(`[data-row="${wanted}"]`);
    if (!element) return; // not rendered yet: the next render's effect focuses it
    focusWanted.current = undefined;
    element.focus({ preventScroll: true });
  });

  const select = (index: number): void => {
    const clamped = Math.max(0, Math.min(rowCount - 1, index));
    focusWanted.current = clamped;
    setSelected(clamped);
    virtual.reveal(clamped);
  };
  const openDetail = useCallback((index: number) => {
    setSelected(index);
    setDetailOpen(true);
  }, []);
  const tabbable = selected !== undefined && selected >= virtual.first && selected < virtual.end ? selected : virtual.first;
  return { selected, tabbable, detailOpen, setDetailOpen, focused: setSelected, select, openDetail };
}
