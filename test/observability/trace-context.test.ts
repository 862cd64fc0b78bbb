/**
 * The stored trace context: a W3C traceparent, checked when it comes in, turned back into a
 * parent context by every worker — and remembered by text, so that the spans of one instance
 * do not parse the same text again.
 */
import { trace, TraceFlags, type SpanContext } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { parseTraceparent, storedTraceparent, toTraceparent, traceparentContext } from "../../src/observability/trace-context.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TEXT = `00-${TRACE_ID}-${SPAN_ID}-01`;

/** A traceparent no other test in this file uses: the memo starts empty for it. */
let next = 0;
function freshText(): string {
  next++;
  return `00-${TRACE_ID}-${next.toString(16).padStart(16, "a")}-01`;
}

describe("traceparent", () => {
  it("formats a valid span context and parses it back as a remote parent", () => {
    const spanContext: SpanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };
    expect(toTraceparent(spanContext)).toBe(TEXT);
    expect(parseTraceparent(TEXT)).toEqual({ ...spanContext, isRemote: true });
    expect(parseTraceparent(` ${TEXT.toUpperCase()} `)).toEqual({ ...spanContext, isRemote: true });
  });

  it("refuses what is not a traceparent, and the all-zero ids", () => {
    for (const text of [undefined, "", "00-abc-def-01", `01-${TRACE_ID}-${SPAN_ID}-01`, `00-${"0".repeat(32)}-${SPAN_ID}-01`, `00-${TRACE_ID}-${"0".repeat(16)}-01`]) {
      expect(parseTraceparent(text), String(text)).toBeUndefined();
    }
    expect(toTraceparent({ traceId: "0".repeat(32), spanId: SPAN_ID, traceFlags: 1 })).toBeUndefined();
  });

  it("gives the root context, with no span in it, for no text or a bad one", () => {
    expect(trace.getSpanContext(traceparentContext(undefined))).toBeUndefined();
    expect(trace.getSpanContext(traceparentContext("not a traceparent"))).toBeUndefined();
  });

  it("names the stored span as the parent, and gives the same context for the same text", () => {
    const text = freshText();
    const parent = traceparentContext(text);
    expect(trace.getSpanContext(parent)).toEqual(parseTraceparent(text));
    expect(traceparentContext(text)).toBe(parent);
  });

  it("remembers the context of a traceparent formatted for storage as the one parsed from the store", () => {
    const text = freshText();
    const spanId = text.split("-")[2]!;
    // What an SDK's span carries beyond the header (a trace state, a local parent) is not stored, so not remembered either.
    const local: SpanContext = { traceId: TRACE_ID, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false, traceState: undefined };
    expect(storedTraceparent(local)).toBe(text);
    const remembered = traceparentContext(text);
    expect(trace.getSpanContext(remembered)).toEqual(parseTraceparent(text));
    expect(traceparentContext(text)).toBe(remembered);
    expect(storedTraceparent({ ...local, traceId: "0".repeat(32) })).toBeUndefined();
  });

  it("keeps a bounded number of contexts: the oldest is parsed again once many others came after it", () => {
    const text = freshText();
    const first = traceparentContext(text);
    for (let i = 0; i < 2_000; i++) traceparentContext(freshText());
    const again = traceparentContext(text);
    expect(again).not.toBe(first);
    expect(trace.getSpanContext(again)).toEqual(trace.getSpanContext(first));
  });
});
