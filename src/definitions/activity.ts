import { InvalidArgumentError } from "../errors.js";
import { toMs, type Duration } from "./duration.js";
import type { Logger } from "./logger.js";
import { resolveRetryPolicy, type RetryPolicy } from "./retry-policy.js";
import type { JsonInput } from "./json-types.js";
import { validateFunctionName } from "./names.js";
import { checkKeys, knownKeys } from "./options.js";

/** What an activity receives besides its input. */
export interface ActivityContext {
  readonly instanceId: string;
  readonly activityName: string;
  /** 1 for the first try, 2 for the first retry, and so on. */
  readonly attempt: number;
  /** The same for every attempt of one call, including a re-run after a crash: use it to dedupe side effects. */
  readonly idempotencyKey: string;
  /** Fired on timeout, on heartbeat timeout, when the worker stops, and when the instance ends. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * Reports progress. With a `heartbeatTimeout`, an attempt that sends none for that long
   * fails with TimeoutError and is retried per its policy, by any worker. `details` (stored
   * data) reach the next attempt as `heartbeatDetails`.
   */
  heartbeat(details?: unknown): void;
  /** The details of the previous attempt's last heartbeat, to resume from; undefined at first. */
  readonly heartbeatDetails: unknown;
}

export interface ActivityOptions {
  /** Default retry policy for every call; a call's own `retry` wins. */
  retry?: RetryPolicy;
  /** Per-attempt timeout. */
  timeout?: Duration;
  /** Longest time an attempt may go without calling ctx.heartbeat() before it fails with TimeoutError. */
  heartbeatTimeout?: Duration;
  /**
   * Most attempts of this activity running at once across all workers on the store (counted
   * by the store when claiming). Such an activity never runs inline. Default: no limit.
   */
  concurrency?: number;
}

export const ACTIVITY_OPTION_KEYS = knownKeys<ActivityOptions>()({ retry: true, timeout: true, heartbeatTimeout: true, concurrency: true });

export type ActivityFunction<In, Out> = (input: In, ctx: ActivityContext) => Promise<Out>;

/**
 * An activity definition: a plain value, passed to createBaton and to ctx.callActivity. `Name`
 * is the name as a literal type, only a label: a compile error about a call shows it, so the
 * message names the activity. (Two definitions differing only in it are interchangeable.)
 */
export interface ActivityDefinition<In = unknown, Out = unknown, Name extends string = string> {
  readonly kind: "activity";
  readonly name: string;
  readonly fn: ActivityFunction<In, Out>;
  readonly options: ActivityOptions;
}

/**
 * Defines an activity: a plain async function that does the real work (I/O, side effects).
 * Activities run at least once; use `ctx.idempotencyKey` for effects that must not repeat.
 *
 * The input arrives through JSON: an input type that JSON does not carry unchanged (a Date,
 * a Map, a class instance with methods...) is a compile error that says what to declare instead.
 *
 * @example
 * const greet = activity("Greet", async (name: string) => `Hello ${name}`);
 */
export function activity<In, Out, Name extends string>(
  name: Name,
  fn: ActivityFunction<JsonInput<In>, Out>,
  options: ActivityOptions = {},
): ActivityDefinition<In, Awaited<Out>, Name> {
  validateFunctionName(name, "activity");
  if (typeof fn !== "function") throw new InvalidArgumentError(`activity("${name}") needs a function as its second argument.`);
  checkKeys(options, ACTIVITY_OPTION_KEYS, `activity("${name}")`);
  resolveRetryPolicy(options.retry);
  if (options.timeout !== undefined) toMs(options.timeout, `activity("${name}") timeout`);
  if (options.heartbeatTimeout !== undefined) toMs(options.heartbeatTimeout, `activity("${name}") heartbeatTimeout`);
  if (options.concurrency !== undefined && (!Number.isInteger(options.concurrency) || options.concurrency < 1)) {
    throw new InvalidArgumentError(`activity("${name}") concurrency must be a whole number >= 1, got ${String(options.concurrency)}.`);
  }
  return Object.freeze({ kind: "activity", name, fn: fn as ActivityFunction<In, Awaited<Out>>, options });
}
