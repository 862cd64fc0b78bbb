/**
 * The worker's spans (see observability/tracing.ts for the whole set): one per episode that
 * ran and one per activity attempt. Each descends from a trace context read from the store —
 * the instance's for an episode, the scheduling episode's for an attempt — so spans of one
 * instance join one trace whichever worker or process runs them, and however long after.
 * A replay of history makes no span: only an episode's new messages are what it saw.
 */
import type { EpisodeResult } from "../engine/command.js";
import type { InboxMessage } from "../engine/history-event.js";
import { ROOT_CONTEXT, SpanKind, trace, type Context, type Span } from "@opentelemetry/api";
import { formatTraceContext, storedTraceContext } from "../observability/trace-context.js";
import type { LogFields } from "../definitions/logger.js";
import { ATTR, endSpan, failSpan, runInSpan, startSpan, traceLogFields } from "../observability/tracing.js";
import type { ActivityWorkItem, CommitOp, OrchestrationWorkItem } from "../store/store.js";

export class EpisodeSpan {
  private readonly span: Span;
  /** This span's context as stored: the parent of the tasks and children the episode starts. */
  readonly traceContext: string | undefined;

  constructor(item: OrchestrationWorkItem, workerId: string) {
    this.span = startSpan(`episode ${item.name}`, SpanKind.CONSUMER, storedTraceContext(item.traceContext), () => ({
      [ATTR.instanceId]: item.instanceId,
      [ATTR.orchestration]: item.name,
      [ATTR.executionId]: item.executionId,
      [ATTR.workerId]: workerId,
      [ATTR.eventsApplied]: item.messages.length,
    }));
    this.traceContext = formatTraceContext(this.span.spanContext());
    this.logFields = traceLogFields(this.span);
  }

  /** What ties the episode's log lines (the worker's and `ctx.log`'s) to this span. */
  readonly logFields: LogFields;

  /**
   * The parent of the attempts this episode runs inline, as a context: handed to them in
   * process, it spares each the parsing of `traceContext` (what a queued attempt reads back from
   * the store). None when there is no trace to join.
   */
  get attemptsParent(): Context | undefined {
    if (this.traceContext === undefined) return undefined;
    return (this.childParent ??= trace.setSpan(ROOT_CONTEXT, this.span));
  }

  private childParent: Context | undefined;

  /** What the episode saw and did: timers and events as span events, its commands counted. */
  ran(messages: readonly InboxMessage[], result: EpisodeResult): void {
    const { span } = this;
    if (!span.isRecording()) return;
    for (const message of messages) {
      if (message.type === "TimerFired") span.addEvent("timer fired", { [ATTR.seq]: message.seq });
      else if (message.type === "EventRaised") span.addEvent("event raised", { [ATTR.eventName]: message.name });
    }
    for (const command of result.commands) {
      if (command.type === "CreateTimer") span.addEvent("timer created", { [ATTR.seq]: command.seq, [ATTR.fireAt]: new Date(command.fireAt).toISOString() });
    }
    span.setAttributes({ [ATTR.commandsProduced]: result.commands.length, [ATTR.runtimeStatus]: result.runtimeStatus });
    if (result.runtimeStatus === "Failed") failSpan(span, result.failure ?? "The orchestration failed.");
  }

  /** Ends the span: with why, when the episode stalled or did not commit. */
  end(error?: unknown): void {
    endSpan(this.span, error);
  }
}

/** An activity attempt's span, and the context its function runs in. */
export class AttemptSpan {
  private readonly span: Span;
  private readonly parent: Context;

  /** `parent`: the episode's span when it runs inline (see EpisodeSpan.attemptsParent); else read from the task. */
  constructor(task: ActivityWorkItem, workerId: string, parent?: Context) {
    this.parent = parent ?? storedTraceContext(task.traceContext);
    this.span = startSpan(`activity ${task.name}`, SpanKind.INTERNAL, this.parent, () => ({
      [ATTR.instanceId]: task.instanceId,
      [ATTR.activity]: task.name,
      [ATTR.attempt]: task.attempt,
      [ATTR.seq]: task.seq,
      [ATTR.executionId]: task.executionId,
      [ATTR.workerId]: workerId,
    }));
    this.logFields = traceLogFields(this.span);
  }

  /** What ties the attempt's log lines (the worker's and `actx.log`'s) to this span. */
  readonly logFields: LogFields;

  /** Runs the activity's function with this span active: the user's own spans nest under it. */
  run<T>(fn: () => T): T {
    return runInSpan(this.span, this.parent, fn);
  }

  /** Ends the span with the attempt's outcome: a failure (retried or final) is recorded as one. */
  end(outcome: CommitOp, error: unknown): void {
    if (this.span.isRecording()) this.span.setAttribute(ATTR.outcome, outcomeName(outcome));
    endSpan(this.span, outcome.type === "activityCompleted" ? undefined : error);
  }
}

function outcomeName(op: CommitOp): string {
  if (op.type === "activityCompleted") return "completed";
  if (op.type === "activityRetry") return "retry";
  return "failed";
}
