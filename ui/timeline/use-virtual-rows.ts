/**
 * A virtualized list's state, shared by the timeline and the history list: the scroll
 * position and the viewport's size, read on scroll and resize, give the rows to render
 * (timeline-scale.ts's visibleRows). Rows have a fixed height, so no row is measured.
 */
import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import { visibleRows } from "../view-models/timeline-scale.js";

export interface VirtualRows {
  /** For the scrolling element. */
  ref: { current: HTMLDivElement | null };
  onScroll: () => void;
  first: number;
  end: number;
  widthPx: number;
  /** Scrolls the least needed for row `index` to be fully in view. */
  reveal: (index: number) => void;
}

export function useVirtualRows(rowCount: number, rowPx: number): VirtualRows {
  const ref = useRef<HTMLDivElement | null>(null);
  const [box, setBox] = useState({ scrollTop: 0, height: 600, width: 800 });

  const measure = useCallback(() => {
    const element = ref.current;
    if (!element) return;
    const next = { scrollTop: element.scrollTop, height: element.clientHeight, width: element.clientWidth };
    setBox((last) => (last.scrollTop === next.scrollTop && last.height === next.height && last.width === next.width ? last : next));
  }, []);

  useLayoutEffect(() => {
    measure();
    const element = ref.current;
    if (!element || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [measure]);

  const reveal = useCallback(
    (index: number) => {
      const element = ref.current;
      if (!element) return;
      const top = index * rowPx;
      if (top < element.scrollTop) element.scrollTop = top;
      else if (top + rowPx > element.scrollTop + element.clientHeight) element.scrollTop = top + rowPx - element.clientHeight;
      measure();
    },
    [rowPx, measure],
  );

  const { first, end } = visibleRows(box.scrollTop, box.height, rowPx, rowCount);
  return { ref, onScroll: measure, first, end, widthPx: box.width, reveal };
}
