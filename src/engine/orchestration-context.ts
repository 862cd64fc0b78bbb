/**
 * The `ctx` an orchestration receives: thin glue. It checks arguments, serializes payloads
 * and hands every durable call to the run, which numbers it and matches it against history.
 * Retries the orchestration decides itself are in durable-retry.ts, ctx.map in bounded-map.ts.
 */
import type { ActivityDefinition } from "../definitions/activity.js";
import { toMs, toTimeMs, type Duration } from "../definitions/duration.js";
import type { Logger } from "../definitions/logger.js";
import { validateFunctionName, validateInstanceId } from "../definitions/names.js";
import { checkKeys } from "../definitions/options.js";
import {
  CALL_ACTIVITY_OPTION_KEYS,
  CALL_SUB_ORCHESTRATOR_OPTION_KEYS,
  CONTINUE_AS_NEW_OPTION_KEYS,
  WAIT_FOR_EXTERNAL_EVENT_OPTION_KEYS,
  type CallActivityOptions,
  type CallSubOrchestratorOptions,
  type OrchestrationDefinition,
  type ContinueAsNewOptions,
  type OrchestrationContext,
  type WaitForExternalEventOptions,
} from "../definitions/orchestration.js";
import { serialize } from "../definitions/payload.js";
import { resolveRetryPolicy } from "../definitions/retry-policy.js";
import type { Task, TimerTask } from "../definitions/task.js";
import { InvalidArgumentError, TimeoutError } from "../errors.js";
import { boundedMap } from "./bounded-map.js";
import { retryActivity, retrySubOrchestration } from "./durable-retry.js";
import { DurableTask } from "./durable-task.js";
import type { RunHooks, TaskCall } from "./run-hooks.js";

export function createOrchestrationContext(run: RunHooks): OrchestrationContext {
  const log = replaySafeLogger(run);

  function callActivity(target: ActivityDefinition<any, any> | string, input?: unknown, options?: CallActivityOptions): Task<any> {
    const name = typeof target === "string" ? target : target?.name;
    validateFunctionName(name, "activity");
    if (options !== undefined) checkKeys(options, CALL_ACTIVITY_OPTION_KEYS, "ctx.callActivity");
    const callPolicy = options?.retry;
    resolveRetryPolicy(callPolicy);
    const timeoutMs = options?.timeout === undefined ? undefined : toMs(options.timeout, `timeout of the call to activity "${name}"`);
    const serialized = serialize(input, `Input of activity "${name}"`, run.maxPayloadBytes);
    const call: TaskCall = { name, input: serialized, attempt: 1, policy: callPolicy, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
    if (callPolicy?.retryIf) return DurableTask.from(retryActivity(run, call, callPolicy));
    return run.scheduleTask(call).task;
  }

  function callSubOrchestrator(
    target: OrchestrationDefinition<any, any> | string,
    input?: unknown,
    options?: CallSubOrchestratorOptions,
  ): Task<any> {
    const name = typeof target === "string" ? target : target?.name;
    validateFunctionName(name, "orchestration");
    if (options !== undefined) checkKeys(options, CALL_SUB_ORCHESTRATOR_OPTION_KEYS, "ctx.callSubOrchestrator");
    if (options?.instanceId !== undefined) validateInstanceId(options.instanceId);
    const policy = options?.retry;
    resolveRetryPolicy(policy);
    const serialized = serialize(input, `Input of sub-orchestration "${name}"`, run.maxPayloadBytes);
    if (!policy) return run.scheduleSubOrchestration(name, serialized, options?.instanceId);
    return DurableTask.from(retrySubOrchestration(run, name, serialized, options?.instanceId, policy));
  }

  function createTimer(fireAt: Date): TimerTask {
    // Checked against the episode's recorded time, so a replay decides exactly as the first run did.
    return run.scheduleTimer(toTimeMs(fireAt, "ctx.createTimer(fireAt)", run.nowMs));
  }

  function waitForExternalEvent(name: string, options?: WaitForExternalEventOptions): Task<any> {
    validateFunctionName(name, "event");
    if (options !== undefined) checkKeys(options, WAIT_FOR_EXTERNAL_EVENT_OPTION_KEYS, "ctx.waitForExternalEvent");
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
      if (options !== undefined) checkKeys(options, CONTINUE_AS_NEW_OPTION_KEYS, "ctx.continueAsNew");
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

/** The run's logger (its context as fields, the caller's merged in), silent while replaying. */
function replaySafeLogger(run: RunHooks): Logger {
  const level =
    (name: keyof Logger) =>
    (message: string, ...args: unknown[]): void => {
      if (!run.isReplaying) run.logger[name](message, ...args);
    };
  return { debug: level("debug"), info: level("info"), warn: level("warn"), error: level("error") };
}

function validateChangeId(changeId: unknown): string {
  if (typeof changeId !== "string" || changeId.length === 0 || changeId.length > 200) {
    throw new InvalidArgumentError(`ctx.patched / deprecatePatch needs a change id: a non-empty string of at most 200 characters, got ${JSON.stringify(changeId)}.`);
  }
  return changeId;
}
