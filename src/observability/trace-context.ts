/**
 * The trace context an instance keeps in the store: a W3C `traceparent` string
 * (`00-<trace id>-<span id>-<flags>`), written when the instance starts and read by every
 * worker that runs it, so that its spans join one trace across processes and restarts. The
 * string is the header's own format, so what an HTTP caller sends is stored as it came
 * (once checked), and what is stored can be sent on as it is. `tracestate` is not kept.
 */
import { isSpanContextValid, ROOT_CONTEXT, trace, type Context, type SpanContext } from "@opentelemetry/api";

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

/** The context whose parent span is the one a stored traceparent names; the root context when there is none. */
export function traceparentContext(traceparent: string | undefined): Context {
  const spanContext = parseTraceparent(traceparent);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}
