/**
 * The stored trace context: a W3C traceparent, checked when it comes in, turned back into a
 * parent context by every worker that runs the instance.
 */
import { createTraceState, INVALID_SPAN_CONTEXT, trace, TraceFlags, type SpanContext } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { carriesTrace, formatTraceContext, parseTraceContext, parseTraceparent, storedTraceContext, toTraceparent } from "../../src/observability/trace-context.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";
const TEXT = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe("traceparent", () => {
  it("formats a valid span context and parses it back as a remote parent", () => {
    const spanContext: SpanContext = { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED };
    expect(toTraceparent(spanContext)).toBe(TEXT);
    expect(parseTraceparent(TEXT)).toEqual({ ...spanContext, isRemote: true });
    expect(parseTraceparent(` ${TEXT.toUpperCase()} `)).toEqual({ ...spanContext, isRemote: true });
  });

  it("writes the flags byte as two hex digits, whichever flags are set", () => {
    for (const [traceFlags, flags] of [[TraceFlags.NONE, "00"], [TraceFlags.SAMPLED, "01"], [0x03, "03"], [0xff, "ff"]] as const) {
      const text = toTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags });
      expect(text).toBe(`00-${TRACE_ID}-${SPAN_ID}-${flags}`);
      expect(parseTraceparent(text)?.traceFlags).toBe(traceFlags);
    }
  });

  it("tells a span context that carries a trace from the no-op's", () => {
    expect(carriesTrace(parseTraceparent(TEXT)!)).toBe(true);
    expect(carriesTrace(INVALID_SPAN_CONTEXT)).toBe(false);
    expect(carriesTrace({ traceId: TRACE_ID, spanId: "0".repeat(16), traceFlags: 1 })).toBe(false);
  });

  it("refuses what is not a traceparent, and the all-zero ids", () => {
    for (const text of [undefined, "", "00-abc-def-01", ` 00-${TRACE_ID}-${SPAN_ID}-1 `, `00-${TRACE_ID}-${SPAN_ID}-01-extra`, `01-${TRACE_ID}-${SPAN_ID}-01`, `00-${"0".repeat(32)}-${SPAN_ID}-01`, `00-${TRACE_ID}-${"0".repeat(16)}-01`]) {
      expect(parseTraceparent(text), String(text)).toBeUndefined();
    }
    expect(toTraceparent({ traceId: "0".repeat(32), spanId: SPAN_ID, traceFlags: 1 })).toBeUndefined();
  });

  it("gives the root context, with no span in it, for no text or a bad one", () => {
    expect(trace.getSpanContext(storedTraceContext(undefined))).toBeUndefined();
    expect(trace.getSpanContext(storedTraceContext("not a traceparent"))).toBeUndefined();
  });

  it("names the stored span as the parent: a remote one, made in another process", () => {
    const parent = storedTraceContext(TEXT);
    expect(trace.getSpanContext(parent)).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  });

  it("stores a tracestate on a second line, and reads it back; a trace without one is the traceparent alone", () => {
    const traceState = createTraceState("acme=t61rcWkgMzE,other=1");
    const stored = formatTraceContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, traceState });
    expect(stored).toBe(`${TEXT}\nacme=t61rcWkgMzE,other=1`);
    expect(parseTraceContext(stored)?.traceState?.serialize()).toBe("acme=t61rcWkgMzE,other=1");
    expect(trace.getSpanContext(storedTraceContext(stored))).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, isRemote: true });
    expect(formatTraceContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, traceState: createTraceState("") })).toBe(TEXT);
    expect(parseTraceContext(TEXT)).toEqual(parseTraceparent(TEXT));
  });

  it("reads a stored tracestate as W3C asks: malformed entries dropped, and nothing kept of one over 512 characters", () => {
    expect(parseTraceContext(`${TEXT}\nacme=1,Bad Key=2`)?.traceState?.serialize()).toBe("acme=1");
    expect(parseTraceContext(`${TEXT}\nk=${"v".repeat(600)}`)?.traceState).toBeUndefined();
    expect(parseTraceContext(`not a traceparent\nacme=1`)).toBeUndefined();
  });
});
