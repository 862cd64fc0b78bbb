/**
 * An OpenTelemetry SDK for the trace tests, as an application would install one: a tracer
 * provider with an in-memory exporter, and the AsyncLocalStorage context manager. Registered
 * globally for the test file that calls `installTracing()`, and unregistered after it.
 */
import { context, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll } from "vitest";
import { waitUntil } from "../helpers/wait.js";

export const exporter = new InMemorySpanExporter();

export function installTracing(): void {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });
}

/** The finished spans of one trace, oldest first. */
export function spansOfTrace(traceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}

/** The finished spans about one instance (by its `baton.instance_id`). */
export function spansOfInstance(instanceId: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.attributes["baton.instance_id"] === instanceId);
}

/** Spans end after their commit lands, which may be after a waiter saw the status: wait for the last episode's span. */
export function waitForFinalEpisode(instanceId: string, status = "Completed"): Promise<ReadableSpan> {
  return waitUntil(
    () => spansOfInstance(instanceId).find((span) => span.name.startsWith("episode ") && span.attributes["baton.runtime_status"] === status),
    `the span of the episode that left ${instanceId} ${status}`,
  );
}

export const byKind = (spans: readonly ReadableSpan[], prefix: "startNew" | "restart" | "episode" | "activity"): ReadableSpan[] =>
  spans.filter((span) => span.name.startsWith(`${prefix} `) || span.name === prefix);

export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

export { SpanKind };
