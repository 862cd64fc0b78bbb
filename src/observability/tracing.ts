/**
 * Baton's spans, through `@opentelemetry/api` only: a no-op until the application installs an
 * SDK. Every span of an instance descends from the trace context stored with it
 * (trace-context.ts), never from whatever context happens to be active in a worker.
 *
 * Spans (names are `<kind> <function name>`):
 * - `startNew X` / `restart X` (client, PRODUCER): child of the caller's active span; its own
 *   context is what the instance stores.
 * - `episode X` (worker, CONSUMER): one per episode that ran (a replay of history makes none),
 *   child of the stored context, from claim to commit; timers and events it saw are span events.
 * - `activity Y` (worker, INTERNAL): one per attempt, child of the episode that scheduled it;
 *   the activity's function runs inside it, so the user's own spans nest under it.
 *
 * Without an SDK each call returns a non-recording span: attributes are only built for a
 * recording one.
 */
import { readFileSync } from "node:fs";
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Exception, type Span, type Tracer } from "@opentelemetry/api";
import type { LogFields } from "../definitions/logger.js";
import { carriesTrace, formatTraceContext } from "./trace-context.js";

/** The attribute names, under `baton.`. */
export const ATTR = {
  instanceId: "baton.instance_id",
  orchestration: "baton.orchestration",
  activity: "baton.activity",
  attempt: "baton.attempt",
  seq: "baton.seq",
  executionId: "baton.execution_id",
  workerId: "baton.worker_id",
  eventsApplied: "baton.events_applied",
  commandsProduced: "baton.commands_produced",
  runtimeStatus: "baton.runtime_status",
  outcome: "baton.outcome",
  eventName: "baton.event_name",
  fireAt: "baton.fire_at",
} as const;

let cached: Tracer | undefined;

/** Baton's tracer, asked of the API once (the API's proxy follows a provider registered later). */
export function batonTracer(): Tracer {
  return (cached ??= trace.getTracer("batonjs", packageVersion()));
}

/** package.json sits two levels up from src/observability/ and from dist/observability/ alike. */
function packageVersion(): string | undefined {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** A span started under `parent`, its attributes asked for only if it records. */
export function startSpan(name: string, kind: SpanKind, parent: Context, attributes: () => Attributes): Span {
  const span = batonTracer().startSpan(name, { kind }, parent);
  if (span.isRecording()) span.setAttributes(attributes());
  return span;
}

/** The client's span around a start (or restart), and the trace context the instance is to store. */
export function startSpanOfClient(
  verb: "startNew" | "restart",
  orchestration: string,
  instanceId: string,
  parent: Context = context.active(),
): { span: Span; traceContext: string | undefined } {
  const span = startSpan(orchestration ? `${verb} ${orchestration}` : verb, SpanKind.PRODUCER, parent, () => ({
    [ATTR.instanceId]: instanceId,
    ...(orchestration ? { [ATTR.orchestration]: orchestration } : {}),
  }));
  // Without an SDK the span is the parent's context passed through: the instance joins the caller's trace even so.
  return { span, traceContext: formatTraceContext(span.spanContext()) };
}

/**
 * The fields that tie a log line to a recording span: `trace_id` and `span_id`, the names
 * OpenTelemetry gives them outside OTLP (and its pino and winston instrumentations write), so
 * log stores link lines to traces without configuration. None for a span that does not record.
 */
export function traceLogFields(span: Span): LogFields {
  if (!span.isRecording()) return NO_FIELDS;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

const NO_FIELDS: LogFields = Object.freeze({});

/** Ends a span; with an error, recorded as its exception and its status. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) failSpan(span, error);
  span.end();
}

/**
 * Marks a span failed: an error (or the details of one, as a failed orchestration keeps them)
 * is recorded as its exception; a string is only the status's message (a failure that is no
 * exception, such as an episode whose lease was lost).
 */
export function failSpan(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  if (typeof error === "string") {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    return;
  }
  const exception: Exception = error instanceof Error || isErrorDetails(error) ? error : new Error(String(error));
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message ?? "" });
}

function isErrorDetails(value: unknown): value is { name: string; message: string; stack?: string } {
  return typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string";
}

/** Runs `fn` with `span` as the active span, so that spans started inside it are its children. */
export function runInSpan<T>(span: Span, parent: Context, fn: () => T): T {
  // No SDK and no stored trace: there is no context to pass on.
  if (!carriesTrace(span.spanContext())) return fn();
  return context.with(trace.setSpan(parent, span), fn);
}
