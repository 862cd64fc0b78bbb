import { InvalidArgumentError } from "../errors.js";
import type { ActivityDefinition } from "./activity.js";
import type { Duration } from "./duration.js";
import type { Jsonified, JsonInput } from "./json-types.js";
import type { Logger } from "./logger.js";
import { validateFunctionName } from "./names.js";
import { checkKeys, knownKeys } from "./options.js";
import type { RetryPolicy } from "./retry-policy.js";
import type { Task, TimerTask } from "./task.js";

export interface CallActivityOptions {
  /** Retry policy for this call; wins over the definition's. */
  retry?: RetryPolicy;
  /** Per-attempt timeout for this call; wins over the definition's `timeout`. */
  timeout?: Duration;
}

export interface CallSubOrchestratorOptions {
  /** The child's instance id. Default: derived from this instance's id and the call. */
  instanceId?: string;
  /** Retry a failed child: each attempt is a new child instance (an explicit id gets "~2", "~3"... after the first). */
  retry?: RetryPolicy;
}

export interface WaitForExternalEventOptions {
  /** Reject with TimeoutError when no event arrives in time. */
  timeout?: Duration;
}

export interface ContinueAsNewOptions {
  /**
   * Carry events that arrived but that the code has not taken yet into the new generation,
   * in the order they arrived. Default true; false drops them.
   */
  preserveUnprocessedEvents?: boolean;
}

export interface MapOptions {
  /** Most calls in flight at once. Default: all at once. */
  concurrency?: number;
}

export const CALL_ACTIVITY_OPTION_KEYS = knownKeys<CallActivityOptions>()({ retry: true, timeout: true });
export const CALL_SUB_ORCHESTRATOR_OPTION_KEYS = knownKeys<CallSubOrchestratorOptions>()({ instanceId: true, retry: true });
export const WAIT_FOR_EXTERNAL_EVENT_OPTION_KEYS = knownKeys<WaitForExternalEventOptions>()({ timeout: true });
export const CONTINUE_AS_NEW_OPTION_KEYS = knownKeys<ContinueAsNewOptions>()({ preserveUnprocessedEvents: true });
export const MAP_OPTION_KEYS = knownKeys<MapOptions>()({ concurrency: true });

/**
 * What an orchestration receives. Everything on it is deterministic: on replay it gives the
 * same answers in the same order, so the function can be re-run against its history.
 */
export interface OrchestrationContext {
  readonly instanceId: string;
  /** True while the function re-runs events already in its history. */
  readonly isReplaying: boolean;
  /** The time the current episode began; identical on every replay. */
  readonly currentUtcDateTime: Date;
  /** A deterministic UUID (v4 format). */
  newGuid(): string;
  /** A deterministic number in [0, 1). */
  random(): number;

  /**
   * Schedules an activity; resolves with its output as JSON delivers it (`Jsonified<Out>`: a
   * Date arrives as a string), rejects with ActivityFailedError. A call not awaited in the
   * episode where this orchestration ends is never scheduled. By name, `Out` is what the
   * activity returns, as the caller states it.
   */
  callActivity<Out = unknown>(name: string, input?: unknown, options?: CallActivityOptions): Task<Jsonified<Out>>;
  // Last, so that a wrong input is reported against this signature, which names the activity.
  callActivity<In, Out, Name extends string>(
    activity: ActivityDefinition<In, Out, Name>,
    input: NoInfer<In>,
    options?: CallActivityOptions,
  ): Task<Jsonified<Out>>;

  /**
   * Runs another orchestration as a child instance with its own history, and resolves with
   * its output; rejects with SubOrchestrationFailedError when it fails, is terminated or
   * cannot start (its id is taken). Terminating this instance terminates its running children.
   * A child started without being awaited in the episode where this orchestration returns,
   * throws or continues as new is still created, and runs on with no one to report to.
   */
  callSubOrchestrator<Out = unknown>(name: string, input?: unknown, options?: CallSubOrchestratorOptions): Task<Jsonified<Out>>;
  // Last, so that a wrong input is reported against this signature, which names the orchestration.
  callSubOrchestrator<In, Out, Name extends string>(
    orchestration: OrchestrationDefinition<In, Out, Name>,
    input: NoInfer<In>,
    options?: CallSubOrchestratorOptions,
  ): Task<Jsonified<Out>>;

  /**
   * A durable timer resolving with undefined at `fireAt`; `cancel()` makes it reject with
   * TimerCancelledError. Not stored when created in the episode where this orchestration ends.
   */
  createTimer(fireAt: Date): TimerTask;
  /** createTimer(currentUtcDateTime + duration). */
  sleep(duration: Duration): TimerTask;
  /**
   * Resolves with the data of the next event of that name (buffered if it came earlier). The
   * data crosses JSON: a `T` that does not survive it (a Date, a Map...) is a compile error.
   */
  waitForExternalEvent<T extends EventData<T> = unknown>(name: string, options?: WaitForExternalEventOptions): Task<T>;

  /** Resolves to the results in input order; rejects with the first failure. */
  all<T extends readonly unknown[] | []>(tasks: T): Task<{ -readonly [K in keyof T]: Awaited<T[K]> }>;
  /** Resolves to `{ index, value }` of the first task to finish; rejects if that task failed. */
  any<T>(tasks: readonly PromiseLike<T>[]): Task<{ index: number; value: T }>;
  /** Runs fn on every item with at most `concurrency` in flight; results in input order. */
  map<T, R>(items: readonly T[], fn: (item: T, index: number) => PromiseLike<R>, options?: MapOptions): Task<R[]>;

  setCustomStatus(value: unknown): void;
  /**
   * Versioning: true when this execution takes the new code path of the change `changeId`,
   * false when it already went past this point with code that did not have the change. Write
   * `if (ctx.patched("id")) { new code } else { old code }`; the answer is recorded, so it is
   * the same on every replay and for the rest of the execution.
   */
  patched(changeId: string): boolean;
  /**
   * Once no execution that took the old path is left: keep only the new code and call this
   * instead of patched(), so histories recorded with the patch still replay.
   */
  deprecatePatch(changeId: string): void;
  /**
   * Ends this generation and starts the instance over with `input`: same instance id, a new
   * execution with an empty history. Return right after calling it; nothing the function does
   * afterwards is recorded. Throws (like any payload) if `input` cannot be stored.
   */
  continueAsNew(input?: unknown, options?: ContinueAsNewOptions): void;
  /** Silent while replaying, so each line is written once. */
  readonly log: Logger;
}

/** The data of an event as the code may declare it: JSON must carry it unchanged. */
type EventData<T> = [JsonInput<T, "data">] extends [T] ? unknown : JsonInput<T, "data">;

export type OrchestrationFunction<In, Out> = (ctx: OrchestrationContext, input: In) => Promise<Out>;

export type OrchestrationOptions = Record<string, never>;

/** None yet: orchestration() takes an options object so that options can be added without a new signature. */
const ORCHESTRATION_OPTION_KEYS = knownKeys<OrchestrationOptions>()({});

/** An orchestration definition; `Name` is the name as a literal type, a label that compile errors show (see ActivityDefinition). */
export interface OrchestrationDefinition<In = unknown, Out = unknown, Name extends string = string> {
  readonly kind: "orchestration";
  readonly name: string;
  readonly fn: OrchestrationFunction<In, Out>;
  readonly options: OrchestrationOptions;
}

/**
 * Defines an orchestration: an async function replayed from its history. It must be
 * deterministic: take time, randomness and I/O only through `ctx`.
 *
 * The input arrives through JSON: an input type that JSON does not carry unchanged (a Date,
 * a Map, a class instance with methods...) is a compile error that says what to declare instead.
 *
 * @example
 * const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));
 */
export function orchestration<In, Out, Name extends string>(
  name: Name,
  fn: OrchestrationFunction<JsonInput<In>, Out>,
  options: OrchestrationOptions = {},
): OrchestrationDefinition<In, Awaited<Out>, Name> {
  validateFunctionName(name, "orchestration");
  if (typeof fn !== "function") {
    throw new InvalidArgumentError(`orchestration("${name}") needs an async function (ctx, input) as its second argument.`);
  }
  checkKeys(options, ORCHESTRATION_OPTION_KEYS, `orchestration("${name}")`);
  return Object.freeze({ kind: "orchestration", name, fn: fn as OrchestrationFunction<In, Awaited<Out>>, options });
}

export type FunctionDefinition = ActivityDefinition<any, any> | OrchestrationDefinition<any, any>;

/** The input type of an activity or orchestration definition. */
export type InputOf<D> = D extends ActivityDefinition<infer In, any, any> | OrchestrationDefinition<infer In, any, any> ? In : never;
/** What a caller of an activity or orchestration definition receives: its output as JSON delivers it. */
export type OutputOf<D> = D extends ActivityDefinition<any, infer Out, any> | OrchestrationDefinition<any, infer Out, any> ? Jsonified<Out> : never;
