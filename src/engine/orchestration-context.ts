/**
 * The `ctx` an orchestration receives. Every durable call goes through the run (which
 * numbers it and matches it against history); everything else here is pure glue.
 */
import type { ActivityDefinition } from "../definitions/activity.js";
import { toMs, toTimeMs, type Duration } from "../definitions/duration.js";
import type { Logger } from "../definitions/logger.js";
import { validateFunctionName, validateInstanceId } from "../definitions/names.js";
import type {
  CallActivityOptions,
  CallSubOrchestratorOptions,
  OrchestrationDefinition,
  ContinueAsNewOptions,
  MapOptions,
  OrchestrationContext,
  WaitForExternalEventOptions,
} from "../definitions/orchestration.js";
import { serialize } from "../definitions/payload.js";
import { nextRetryDelayMs, resolveRetryPolicy, type RetryPolicy } from "../definitions/retry-policy.js";
import type { Task, TimerTask } from "../definitions/task.js";
import { ActivityFailedError, InvalidArgumentError, SubOrchestrationFailedError, TimeoutError, type ErrorDetails } from "../errors.js";
import { DurableTask, type DurableTimerTask } from "./durable-task.js";

/** What the context needs from the run that owns it. */
export interface RunHooks {
  readonly instanceId: string;
  readonly isReplaying: boolean;
  readonly nowMs: number;
  readonly maxPayloadBytes: number;
  readonly logger: Logger;
  random(): number;
  newGuid(): string;
  idempotencyKey(seq: number): string;
  scheduleTask(call: TaskCall): { seq: number; task: DurableTask<unknown> };
  scheduleTimer(fireAtMs: number): DurableTimerTask;
  scheduleSubOrchestration(name: string, input: string | undefined, instanceId: string | undefined): DurableTask<unknown>;
  waitForEvent(name: string): DurableTask<unknown>;
  setCustomStatus(serialized: string | undefined): void;
  continueAsNew(serializedInput: string | undefined, preserveUnprocessedEvents: boolean): void;
  patched(changeId: string): boolean;
  deprecatePatch(changeId: string): void;
}

export interface TaskCall {
  name: string;
  input: string | undefined;
  attempt: number;
  /** Reuse the key of an earlier attempt (orchestration-driven retry); else derived from seq. */
  idempotencyKey?: string;
  /** The call's own policy; undefined leaves retries to the definition, applied where the activity runs. */
  policy: RetryPolicy | undefined;
  visibleAt?: number;
  /** The call's own per-attempt timeout. */
  timeoutMs?: number;
}

export function createOrchestrationContext(run: RunHooks): OrchestrationContext {
  const log = replaySafeLogger(run);

  function callActivity(target: ActivityDefinition<any, any> | string, input?: unknown, options?: CallActivityOptions): Task<any> {
    const name = typeof target === "string" ? target : target?.name;
    validateFunctionName(name, "activity");
    const callPolicy = options?.retry;
    resolveRetryPolicy(callPolicy);
    const timeoutMs = options?.timeout === undefined ? undefined : toMs(options.timeout, `timeout of the call to activity "${name}"`);
    const serialized = serialize(input, `Input of activity "${name}"`, run.maxPayloadBytes);
    const call: TaskCall = { name, input: serialized, attempt: 1, policy: callPolicy, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
    if (callPolicy?.retryIf) return DurableTask.from(retryInOrchestration(call, callPolicy));
    return run.scheduleTask(call).task;
  }

  // A call-level retryIf is code of this orchestration, so the orchestration itself decides
  // each retry (one task per attempt, a durable timer between); other retries run from the queue.
  async function retryInOrchestration(call: TaskCall, policy: RetryPolicy): Promise<unknown> {
    const onePerAttempt: RetryPolicy = { maxAttempts: 1 };
    let idempotencyKey: string | undefined;
    return retryDurably(
      policy,
      (attempt) => {
        if (attempt > 1) return run.scheduleTask({ ...call, policy: onePerAttempt, attempt, idempotencyKey }).task;
        const first = run.scheduleTask({ ...call, policy: onePerAttempt });
        idempotencyKey = run.idempotencyKey(first.seq);
        return first.task;
      },
      (error) => (error instanceof ActivityFailedError ? error.cause : undefined),
      (error, attempts) => new ActivityFailedError(call.name, attempts, (error as ActivityFailedError).cause),
    );
  }

  function callSubOrchestrator(
    target: OrchestrationDefinition<any, any> | string,
    input?: unknown,
    options?: CallSubOrchestratorOptions,
  ): Task<any> {
    const name = typeof target === "string" ? target : target?.name;
    validateFunctionName(name, "orchestration");
    if (options?.instanceId !== undefined) validateInstanceId(options.instanceId);
    const policy = options?.retry;
    resolveRetryPolicy(policy);
    const serialized = serialize(input, `Input of sub-orchestration "${name}"`, run.maxPayloadBytes);
    if (!policy) return run.scheduleSubOrchestration(name, serialized, options?.instanceId);
    return DurableTask.from(retrySubOrchestration(name, serialized, options?.instanceId, policy));
  }

  // Each attempt is a child of its own (the first keeps the id; later ones add "~attempt").
  function retrySubOrchestration(name: string, input: string | undefined, instanceId: string | undefined, policy: RetryPolicy): Promise<unknown> {
    return retryDurably(
      policy,
      (attempt) => run.scheduleSubOrchestration(name, input, instanceId === undefined || attempt === 1 ? instanceId : `${instanceId}~${attempt}`),
      (error) => (error instanceof SubOrchestrationFailedError ? error.cause : undefined),
      (error) => error,
    );
  }

  /**
   * Retries decided by this orchestration: attempt, and on a retryable failure wait on a
   * durable timer for the policy's delay, then attempt again; `giveUp` makes the final error.
   */
  async function retryDurably(
    policy: RetryPolicy,
    attemptOnce: (attempt: number) => PromiseLike<unknown>,
    causeOf: (error: unknown) => ErrorDetails | undefined,
    giveUp: (error: unknown, attempts: number) => unknown,
  ): Promise<unknown> {
    const resolved = resolveRetryPolicy(policy);
    const firstAttemptAt = run.nowMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce(attempt);
      } catch (error) {
        const cause = causeOf(error);
        if (!cause) throw error;
        const delay = nextRetryDelayMs(resolved, attempt, run.nowMs - firstAttemptAt);
        if (delay === null || (policy.retryIf && !shouldRetry(policy.retryIf, cause))) throw giveUp(error, attempt);
        await run.scheduleTimer(run.nowMs + delay);
      }
    }
  }

  function createTimer(fireAt: Date): TimerTask {
    // Checked against the episode's recorded time, so a replay decides exactly as the first run did.
    return run.scheduleTimer(toTimeMs(fireAt, "ctx.createTimer(fireAt)", run.nowMs));
  }

  function waitForExternalEvent(name: string, options?: WaitForExternalEventOptions): Task<any> {
    validateFunctionName(name, "event");
    const timeoutMs = options?.timeout === undefined ? undefined : toMs(options.timeout, "waitForExternalEvent timeout");
    const event = run.waitForEvent(name);
    if (timeoutMs === undefined || event.settled) return event;
    const timer = run.scheduleTimer(run.nowMs + timeoutMs);
    timer.then(
      () => event.reject(new TimeoutError(`No "${name}" event arrived within ${timeoutMs} ms (instance ${run.instanceId}).`)),
      () => undefined, // cancelled: the event came first
    );
    event.then(() => timer.cancel(), () => undefined);
    return event;
  }

  return {
    get instanceId() {
      return run.instanceId;
    },
    get isReplaying() {
      return run.isReplaying;
    },
    get currentUtcDateTime() {
      return new Date(run.nowMs);
    },
    newGuid: () => run.newGuid(),
    random: () => run.random(),
    callActivity,
    callSubOrchestrator,
    createTimer,
    sleep: (duration: Duration) => run.scheduleTimer(run.nowMs + toMs(duration, "ctx.sleep duration")),
    waitForExternalEvent,
    all: (tasks) => DurableTask.from(Promise.all(tasks)) as never,
    any: (tasks) => DurableTask.from(firstToFinish(tasks)),
    map: (items, fn, options) => DurableTask.from(boundedMap(items, fn, options)),
    setCustomStatus: (value: unknown) => run.setCustomStatus(serialize(value, "Custom status", run.maxPayloadBytes)),
    patched: (changeId: string) => run.patched(validateChangeId(changeId)),
    deprecatePatch: (changeId: string) => run.deprecatePatch(validateChangeId(changeId)),
    continueAsNew: (input?: unknown, options?: ContinueAsNewOptions) => {
      const preserve = options?.preserveUnprocessedEvents ?? true;
      if (typeof preserve !== "boolean") throw new InvalidArgumentError("continueAsNew: preserveUnprocessedEvents must be true or false.");
      run.continueAsNew(serialize(input, "Input of continueAsNew", run.maxPayloadBytes), preserve);
    },
    log,
  };
}

function firstToFinish<T>(tasks: readonly PromiseLike<T>[]): Promise<{ index: number; value: T }> {
  if (tasks.length === 0) return Promise.reject(new InvalidArgumentError("ctx.any() needs at least one task."));
  return new Promise((resolve, reject) => {
    tasks.forEach((task, index) => task.then((value) => resolve({ index, value }), reject));
  });
}

function boundedMap<T, R>(items: readonly T[], fn: (item: T, index: number) => PromiseLike<R>, options?: MapOptions): Promise<R[]> {
  const concurrency = options?.concurrency ?? Infinity;
  if (!(concurrency >= 1) || (concurrency !== Infinity && !Number.isInteger(concurrency))) {
    return Promise.reject(new InvalidArgumentError(`ctx.map concurrency must be a whole number >= 1, got ${concurrency}.`));
  }
  return new Promise((resolve, reject) => {
    const results = new Array<R>(items.length);
    let started = 0;
    let finished = 0;
    let failed = false;
    const launch = (): void => {
      const index = started++;
      let call: PromiseLike<R>;
      try {
        call = fn(items[index]!, index);
      } catch (error) {
        failed = true;
        reject(error);
        return;
      }
      Promise.resolve(call).then(
        (value) => {
          results[index] = value;
          finished++;
          if (finished === items.length) resolve(results);
          else if (!failed && started < items.length) launch();
        },
        (error) => {
          failed = true;
          reject(error);
        },
      );
    };
    if (items.length === 0) resolve(results);
    while (!failed && started < Math.min(items.length, concurrency)) launch();
  });
}

/** Only `true` retries; a retryIf that throws means "do not retry" (as where activities run). */
function shouldRetry(retryIf: (error: Error) => boolean, cause: ErrorDetails): boolean {
  try {
    return retryIf(errorFromDetails(cause)) === true;
  } catch {
    return false;
  }
}

function errorFromDetails(details: ErrorDetails): Error {
  const error = new Error(details.message);
  error.name = details.name;
  if (details.stack) error.stack = details.stack;
  return error;
}

function replaySafeLogger(run: RunHooks): Logger {
  const level =
    (name: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      if (!run.isReplaying) run.logger[name](`[${run.instanceId}] ${message}`, ...args);
    };
  return { debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") };
}

function validateChangeId(changeId: unknown): string {
  if (typeof changeId !== "string" || changeId.length === 0 || changeId.length > 200) {
    throw new InvalidArgumentError(`ctx.patched / deprecatePatch needs a change id: a non-empty string of at most 200 characters, got ${JSON.stringify(changeId)}.`);
  }
  return changeId;
}
