/**
 * The trace context an instance keeps in the store, written when the instance starts and read
 * by every worker that runs it, so that its spans join one trace across processes and restarts.
 * It is W3C Trace Context in its headers' own format: the `traceparent` value
 * (`00-<trace id>-<span id>-<flags>`), then, when the trace carries one, a newline and the
 * `tracestate` value (vendors' entries, which must travel with the trace). Neither header can
 * hold a newline, and a trace without `tracestate` — the usual case — is stored as the
 * `traceparent` alone. What an HTTP caller sends is stored as it came (once checked), and what
 * is stored can be sent on as it is.
 */
import { createTraceState, isSpanContextValid, ROOT_CONTEXT, trace, type Context, type SpanContext } from "@opentelemetry/api";

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const INVALID_TRACE_ID = "0".repeat(32);
const INVALID_SPAN_ID = "0".repeat(16);
/** The two forms of the flags byte every SDK writes, formatted once. */
const FLAGS = ["00", "01"];

/** The traceparent of a span context, or undefined when it is not valid (no trace: nothing to join). */
export function toTraceparent(spanContext: SpanContext): string | undefined {
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = spanContext.traceFlags & 0xff;
  return `00-${spanContext.traceId}-${spanContext.spanId}-${FLAGS[flags] ?? flags.toString(16).padStart(2, "0")}`;
}

/** The span context a traceparent names (remote: it was made elsewhere), or undefined when the text is not one. */
export function parseTraceparent(text: string | undefined): SpanContext | undefined {
  if (text === undefined) return undefined;
  // What Baton stored is already in this form; only text from outside may need trimming or lowering.
  let canonical = text;
  if (!TRACEPARENT.test(canonical)) {
    canonical = text.trim().toLowerCase();
    if (!TRACEPARENT.test(canonical)) return undefined;
  }
  const traceId = canonical.slice(3, 35);
  const spanId = canonical.slice(36, 52);
  if (traceId === INVALID_TRACE_ID || spanId === INVALID_SPAN_ID) return undefined;
  return { traceId, spanId, traceFlags: parseInt(canonical.slice(53), 16), isRemote: true };
}

/**
 * Whether a span Baton started carries a trace to pass on. Its ids came from an SDK or from
 * parseTraceparent, both well-formed, so comparing with the invalid ids is enough (the API's
 * isSpanContextValid also checks their form, which costs more on every activity attempt).
 */
export function carriesTrace(spanContext: SpanContext): boolean {
  return spanContext.traceId !== INVALID_TRACE_ID && spanContext.spanId !== INVALID_SPAN_ID;
}

/** The stored form of a span context (see above), or undefined when it is not valid. */
export function formatTraceContext(spanContext: SpanContext): string | undefined {
  const traceparent = toTraceparent(spanContext);
  const tracestate = traceparent === undefined ? undefined : spanContext.traceState?.serialize();
  return tracestate ? `${traceparent}\n${tracestate}` : traceparent;
}

/**
 * The span context a stored trace context names (remote), or undefined when it is not one.
 * `tracestate` is read as W3C asks: entries that are not well-formed are dropped, and a value
 * over 512 characters is dropped whole.
 */
export function parseTraceContext(text: string | undefined): SpanContext | undefined {
  const newline = text === undefined ? -1 : text.indexOf("\n");
  if (newline === -1) return parseTraceparent(text);
  const spanContext = parseTraceparent(text!.slice(0, newline));
  return spanContext && withTraceState(spanContext, text!.slice(newline + 1));
}

/** A span context with a `tracestate` header's value, when anything of it is valid. */
export function withTraceState(spanContext: SpanContext, tracestate: string | undefined): SpanContext {
  const traceState = tracestate === undefined ? undefined : createTraceState(tracestate);
  return traceState?.serialize() ? { ...spanContext, traceState } : spanContext;
}

/** The context whose parent span is the one a stored trace context names; the root context when there is none. */
export function storedTraceContext(text: string | undefined): Context {
  const spanContext = parseTraceContext(text);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}
