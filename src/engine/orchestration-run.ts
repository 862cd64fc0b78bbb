/**
 * One live execution of an orchestration function, driven by history events.
 *
 * A run is created, fed its stored history with `replay()` (isReplaying = true), then fed
 * each episode's new inbox messages with `runEpisode()`, which returns the new events and
 * commands to commit. A worker may keep a run in memory between episodes and feed it only
 * new messages; replaying the same history into a fresh run reaches the same state.
 *
 * Determinism: events are applied strictly in history order, and after each event that can
 * resume user code the run yields to the event loop so the code reaches quiescence before
 * the next event. Each durable call takes the next sequence number; when history records a
 * call at a sequence number (TaskScheduled, TimerCreated, SubOrchestrationScheduled), the
 * code must have made the same call there, else NonDeterminismError.
 *
 * An episode that ends the execution (the code returns, throws or calls continueAsNew) keeps
 * only the children it started: they are recorded (SubOrchestrationScheduled) and created by
 * its commit, and outlive the parent. Activities and timers it started would never be awaited:
 * neither recorded nor scheduled. A replay re-issues them and finds nothing to match, which is
 * what the history says. A terminated execution keeps nothing (see isCarriedOut).
 *
 * The run applies each event (one case per kind, below) to its parts: the calls the code
 * waits on (completions.ts), the commands it issued and history does not record yet
 * (issued-commands.ts), patches, external events and the custom status; episode.ts builds
 * what an episode returns. The code reaches all of this through ctx (orchestration-context.ts).
 */
import { withFields, type LogFields, type Logger } from "../definitions/logger.js";
import type { OrchestrationDefinition } from "../definitions/orchestration.js";
import { deserialize, serialize } from "../definitions/payload.js";
import { resolveRetryPolicy } from "../definitions/retry-policy.js";
import { ActivityFailedError, SubOrchestrationFailedError } from "../errors.js";
import { approximateBytes } from "./approximate-size.js";
import { callKey, type Awaiting, type Command, type EpisodeResult, type FinishedStatus } from "./command.js";
import { Completions, type PendingBackoff } from "./completions.js";
import { CustomStatus } from "./custom-status.js";
import { DeterministicRandom } from "./deterministic-random.js";
import { DurableTask, DurableTimerTask } from "./durable-task.js";
import { carriedMessages, episodeResult, failed, terminated, type Outcome } from "./episode.js";
import { ExternalEvents } from "./external-events.js";
import { messageToEvent, type HistoryEvent, type InboxMessage } from "./history-event.js";
import { IssuedCommands } from "./issued-commands.js";
import { optional } from "./optional-field.js";
import { createOrchestrationContext } from "./orchestration-context.js";
import { Patches } from "./patches.js";
import type { RunHooks, TaskCall } from "./run-hooks.js";

/** How many awaited events, and retries waiting, an episode reports (for getStatus): a bound on what each commit stores. */
export const MAX_AWAITING_SHOWN = 100;

export interface RunEnvironment {
  /** Resolves after all pending microtasks have run (the worker passes afterMicrotasks). */
  afterMicrotasks(): Promise<void>;
  logger: Logger;
  maxPayloadBytes: number;
}

export class OrchestrationRun implements RunHooks {
  readonly maxPayloadBytes: number;
  /** Number of history events this run has applied or produced. */
  historyLength = 0;
  /** A rough size of what the run holds, for the worker's run cache (see approximate-size.ts). */
  approxBytes = 0;
  isReplaying = true;
  nowMs = 0;
  executionId = "";

  private nextSeq = 0;
  private randomSource: DeterministicRandom | undefined;
  private outcome: Outcome | undefined;
  private readonly completions = new Completions(this);
  private readonly issued = new IssuedCommands(this);
  private readonly patches = new Patches(this);
  private readonly events = new ExternalEvents();
  private readonly customStatus = new CustomStatus();

  constructor(
    readonly instanceId: string,
    private readonly definition: OrchestrationDefinition<any, any>,
    private readonly env: RunEnvironment,
  ) {
    this.maxPayloadBytes = env.maxPayloadBytes;
  }

  /** Fields of the episode now running, set by whoever runs it (the worker: its trace), for `ctx.log`. */
  episodeFields: LogFields = {};

  /** The environment's logger, with this run's context and the episode's fields. */
  get logger(): Logger {
    return withFields(this.env.logger, { instanceId: this.instanceId, name: this.definition.name, executionId: this.executionId, ...this.episodeFields });
  }

  get finished(): FinishedStatus | "ContinuedAsNew" | undefined {
    return this.outcome?.status;
  }

  /** When this run expects to wake next (see Completions.expectedWakeAt). */
  expectedWakeAt(nowMs: number): number {
    return this.completions.expectedWakeAt(nowMs);
  }

  /** When the timer the code waits on at step `seq` is due; undefined when it waits on none there. */
  pendingTimerFireAt(seq: number): number | undefined {
    return this.completions.pendingTimerFireAt(seq);
  }

  /** Applies stored history. Throws NonDeterminismError when the code does not match it. */
  async replay(history: readonly HistoryEvent[]): Promise<void> {
    this.expectHistory(history);
    for (const event of history) {
      const resumed = this.replayEvent(event);
      if (resumed) await resumed;
    }
  }

  /** Before replaying `history` event by event: what the code must know of it in advance. */
  expectHistory(history: readonly HistoryEvent[]): void {
    this.isReplaying = true;
    // A patch is recorded at the end of the episode that first asked; the code asks earlier.
    for (const event of history) if (event.type === "PatchApplied") this.patches.recorded(event.changeId);
  }

  /**
   * Applies one stored event. Throws NonDeterminismError when the code does not match it.
   * A promise only when the event may have resumed the code: it settles once the code has run
   * as far as it can (see apply).
   */
  replayEvent(event: HistoryEvent): Promise<void> | undefined {
    this.isReplaying = true;
    const resumed = this.apply(event);
    if (!resumed) {
      this.historyLength++;
      return undefined;
    }
    return resumed.then(() => void this.historyLength++);
  }

  /** The commands issued that history does not record yet and an episode would carry out (see isCarriedOut). */
  unrecordedCommands(): Command[] {
    return this.issued.peek(this.outcome?.status ?? "Running");
  }

  /** The command the code issued at step `seq` that history does not record yet. */
  unrecordedAt(seq: number): Command | undefined {
    return this.issued.at(seq);
  }

  /** Whether the code asked ctx.patched(changeId) or ctx.deprecatePatch(changeId) so far. */
  askedPatch(changeId: string): boolean {
    return this.patches.asked(changeId);
  }

  /** Consumes new inbox messages at time `nowMs` and returns what to commit. */
  async runEpisode(messages: readonly InboxMessage[], nowMs: number): Promise<EpisodeResult> {
    this.isReplaying = false;
    const newEvents: HistoryEvent[] = [];
    const record = (event: HistoryEvent): Promise<void> | undefined => {
      newEvents.push(event);
      return this.apply(event);
    };
    const started = record({ type: "EpisodeStarted", timestamp: nowMs });
    if (started) await started;
    let applied = 0;
    for (const message of messages) {
      if (this.outcome) break;
      applied++;
      // A result for a call this code is not waiting on (delivered twice, or for a call of
      // an earlier generation under the same number) is dropped, not recorded: replay would
      // find it completing a call that was never started.
      if (!this.completions.awaits(message)) continue;
      // Likewise a start for an execution that has started: running the code again would
      // schedule every call a second time, under new sequence numbers and keys.
      if (message.type === "ExecutionStarted" && this.executionId !== "") {
        this.logger.warn("a second start of the execution was dropped", { droppedExecutionId: message.executionId });
        continue;
      }
      const resumed = record(messageToEvent(message, nowMs));
      if (resumed) await resumed;
    }
    const result = episodeResult({
      nowMs,
      newEvents,
      commands: this.issued.take(this.outcome?.status ?? "Running", nowMs, newEvents),
      patches: this.patches.takeUnrecorded(),
      customStatus: this.customStatus.takeChange(),
      outcome: this.outcome,
      carried: () => carriedMessages(this.events.unprocessed(), messages.slice(applied)),
    });
    if (result.runtimeStatus === "Running") {
      const awaiting = this.awaiting();
      if (awaiting) result.awaiting = awaiting;
    }
    this.historyLength += newEvents.length;
    return result;
  }

  /** What the code waits on that only the engine knows (see Awaiting), each list bounded; undefined for nothing. */
  private awaiting(): Awaiting | undefined {
    const events = this.events.awaitedNames().slice(0, MAX_AWAITING_SHOWN);
    const retries = this.completions.backoffs().slice(0, MAX_AWAITING_SHOWN);
    if (events.length === 0 && retries.length === 0) return undefined;
    return { ...(events.length > 0 ? { events } : {}), ...(retries.length > 0 ? { retries } : {}) };
  }

  /**
   * Applies an event. When it may have resumed the code, answers a promise that settles once
   * the code has run as far as it can; otherwise nothing, so that the many events that resume
   * nothing cost no promise (each one is tracked by an AsyncLocalStorage, where one is on).
   */
  private apply(event: HistoryEvent): Promise<void> | undefined {
    this.approxBytes += approximateBytes(event);
    return this.applyEvent(event) ? this.env.afterMicrotasks() : undefined;
  }

  /** Applies one event to the run's parts; true when it may have resumed the code. */
  private applyEvent(event: HistoryEvent): boolean {
    switch (event.type) {
      case "EpisodeStarted":
        this.nowMs = event.timestamp;
        return false;
      case "ExecutionStarted":
        this.start(event);
        return true;
      case "TaskScheduled":
      case "TimerCreated":
      case "SubOrchestrationScheduled":
        this.issued.matchRecorded(event);
        return false;
      case "TaskCompleted":
        return resume(this.completions.take("activity", event.seq), (call) => call.task.resolve(deserialize(event.output)));
      case "TaskFailed":
        return resume(this.completions.take("activity", event.seq), (call) => call.task.reject(new ActivityFailedError(call.name, event.attempts, event.error)));
      case "TimerFired": {
        const timer = this.completions.take("timer", event.seq);
        // A cancelled timer was settled when cancelled: its firing resumes nothing.
        return resume(timer?.task.isCancelled ? undefined : timer, (call) => call.task.resolve(undefined));
      }
      case "SubOrchestrationCompleted":
        return resume(this.completions.take("subOrchestration", event.seq), (call) => call.task.resolve(deserialize(event.output)));
      case "SubOrchestrationFailed":
        return resume(this.completions.take("subOrchestration", event.seq), (call) =>
          call.task.reject(new SubOrchestrationFailedError(call.name, call.instanceId, event.error)),
        );
      case "EventRaised":
        return this.events.deliver(event.name, event.data);
      case "CustomStatusSet":
        this.customStatus.recordedAs(event.value);
        return false;
      case "ExecutionTerminated":
        this.outcome = terminated(event.reason);
        return false;
      case "PatchApplied":
        this.patches.recorded(event.changeId);
        return false;
      case "ExecutionCompleted":
      case "ExecutionFailed":
        return false; // the code itself reaches its outcome on replay
      case "ExecutionRewound": // the store already queued the failed episode's messages again
      case "ExecutionContinuedAsNew": // the last event of a generation: its history is not kept after it
      case "ExecutionSuspended":
      case "ExecutionResumed":
        return false; // the store held the instance's messages meanwhile; the code sees nothing
    }
  }

  /** Runs the code from the start; its return or throw becomes the outcome, unless one came first. */
  private start(event: Extract<HistoryEvent, { type: "ExecutionStarted" }>): void {
    this.executionId = event.executionId;
    this.randomSource = new DeterministicRandom(`${this.instanceId}/${event.executionId}`);
    const ctx = createOrchestrationContext(this);
    let promise: Promise<unknown>;
    try {
      promise = Promise.resolve(this.definition.fn(ctx, deserialize(event.input)));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (output) => {
        if (this.outcome) return;
        try {
          const text = serialize(output, `Output of orchestration "${this.definition.name}"`, this.maxPayloadBytes);
          this.outcome = { status: "Completed", output: text };
        } catch (error) {
          this.outcome = failed(error);
        }
      },
      (error) => {
        if (!this.outcome) this.outcome = failed(error);
      },
    );
  }

  // ---- RunHooks: called by the context during user code ----

  random(): number {
    return this.randomSource!.next();
  }

  newGuid(): string {
    return this.randomSource!.uuid();
  }

  idempotencyKey(seq: number): string {
    return callKey(this.instanceId, this.executionId, seq);
  }

  scheduleTask(call: TaskCall): { seq: number; task: DurableTask<unknown> } {
    const seq = this.nextSeq++;
    const task = new DurableTask<unknown>();
    this.completions.add("activity", seq, { name: call.name, task });
    this.issued.issue({
      type: "ScheduleTask",
      seq,
      name: call.name,
      ...optional("input", call.input),
      attempt: call.attempt,
      idempotencyKey: call.idempotencyKey ?? this.idempotencyKey(seq),
      retry: call.policy === undefined ? null : resolveRetryPolicy(call.policy),
      ...optional("visibleAt", call.visibleAt),
      ...optional("timeoutMs", call.timeoutMs),
    });
    return { seq, task };
  }

  scheduleSubOrchestration(name: string, input: string | undefined, instanceId: string | undefined): DurableTask<unknown> {
    const seq = this.nextSeq++;
    const task = new DurableTask<unknown>();
    const childId = instanceId ?? `${this.instanceId}:${seq}`;
    this.completions.add("subOrchestration", seq, { name, instanceId: childId, task });
    this.issued.issue({ type: "StartSubOrchestration", seq, name, instanceId: childId, ...optional("input", input) });
    return task;
  }

  scheduleTimer(fireAtMs: number, backoff?: PendingBackoff): DurableTimerTask {
    const seq = this.nextSeq++;
    const fireAt = Math.round(fireAtMs);
    const task = new DurableTimerTask(this.instanceId, fireAt, () => this.issued.cancelTimer(seq));
    this.completions.add("timer", seq, { fireAt, task, ...(backoff ? { backoff } : {}) });
    this.issued.issue({ type: "CreateTimer", seq, fireAt });
    return task;
  }

  waitForEvent(name: string): DurableTask<unknown> {
    return this.events.waitFor(name);
  }

  setCustomStatus(serialized: string | undefined): void {
    this.customStatus.set(serialized);
  }

  patched(changeId: string): boolean {
    return this.patches.patched(changeId);
  }

  deprecatePatch(changeId: string): void {
    this.patches.deprecate(changeId);
  }

  continueAsNew(serializedInput: string | undefined, preserveEvents: boolean): void {
    if (!this.outcome) this.outcome = { status: "ContinuedAsNew", input: serializedInput, preserveEvents };
  }
}

/** Settles the call a result completes, if the code still waits on it: then the code may run. */
function resume<C>(call: C | undefined, settle: (call: C) => void): boolean {
  if (call === undefined) return false;
  settle(call);
  return true;
}
