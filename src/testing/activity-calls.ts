/**
 * The test environment's hold on activities: implementations replaced for one environment,
 * failures injected on purpose (failActivity), and a record of every attempt. All of it by
 * wrapping the functions registered with the worker, so the production path runs unchanged.
 */
import { activity, type ActivityContext, type ActivityDefinition, type ActivityFunction } from "../definitions/activity.js";
import type { FunctionDefinition } from "../definitions/orchestration.js";
import { closestName } from "../definitions/did-you-mean.js";
import { InvalidArgumentError } from "../errors.js";
import { checkKeys, knownKeys } from "../definitions/options.js";

/** One attempt of an activity, as the environment saw it. */
export interface ActivityCall {
  instanceId: string;
  name: string;
  input: unknown;
  /** 1 for the first attempt, 2 for the first retry... */
  attempt: number;
  idempotencyKey: string;
  /** "running" until the attempt returns. */
  outcome: { status: "running" } | { status: "completed"; output: unknown } | { status: "failed"; error: Error };
}

/** Implementations replacing activities in one environment: by name, or a Map by definition or name. */
export type ActivityOverrides =
  | Readonly<Record<string, ActivityFunction<any, unknown>>>
  | ReadonlyMap<ActivityDefinition<any, any, string> | string, ActivityFunction<any, unknown>>;

export interface FailActivityOptions {
  /** How many of the next attempts fail. Default 1. */
  times?: number;
  /** What they throw. Default: an Error naming the activity. */
  error?: Error;
}

export interface OverrideActivityOptions {
  /** Only these attempts (1 for the first, 2 for the first retry...) run the replacement. Default: every attempt. */
  attempts?: readonly number[];
}

const OVERRIDE_KEYS = knownKeys<OverrideActivityOptions>()({ attempts: true });

export class ActivityCalls {
  private readonly calls: ActivityCall[] = [];
  /** Replacements set during the test (overrideActivity), the latest first. */
  private readonly replacements: { name: string; attempts: ReadonlySet<number> | undefined; fn: ActivityFunction<any, unknown> }[] = [];
  private readonly failures = new Map<string, { left: number; error: Error | undefined }>();
  private readonly names: Set<string>;

  constructor(functions: readonly FunctionDefinition[]) {
    this.names = new Set(functions.filter((fn) => fn?.kind === "activity").map((fn) => fn.name));
  }

  /** The definitions with overrides applied and every activity wrapped to record its attempts. */
  wrap(functions: readonly FunctionDefinition[], overrides: ActivityOverrides | undefined): FunctionDefinition[] {
    const replaced = this.overridesByName(overrides);
    return functions.map((fn) => {
      if (fn?.kind !== "activity") return fn;
      const impl = replaced.get(fn.name) ?? fn.fn;
      const recorded: ActivityFunction<unknown, unknown> = (input, ctx) => this.run(fn.name, impl, input, ctx);
      return activity(fn.name, recorded as never, fn.options) as FunctionDefinition;
    });
  }

  /** Every attempt of the activity so far, in the order they started. */
  of(definition: ActivityDefinition<any, any, string> | string): ActivityCall[] {
    const name = this.nameOf(definition, "activityCalls");
    return this.calls.filter((call) => call.name === name);
  }

  fail(definition: ActivityDefinition<any, any, string> | string, options: FailActivityOptions = {}): void {
    const name = this.nameOf(definition, "failActivity");
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new InvalidArgumentError(`failActivity: times must be a positive integer, got ${String(times)}.`);
    if (options.error !== undefined && !(options.error instanceof Error)) throw new InvalidArgumentError("failActivity: error must be an Error.");
    this.failures.set(name, { left: times, error: options.error });
  }

  /** From now on, the activity's attempts (those in `attempts`, or all) run `fn` instead. */
  override(definition: ActivityDefinition<any, any, string> | string, fn: ActivityFunction<any, unknown>, options: OverrideActivityOptions = {}): void {
    const name = this.nameOf(definition, "overrideActivity");
    if (typeof fn !== "function") throw new InvalidArgumentError(`overrideActivity: the replacement of "${name}" must be a function.`);
    checkKeys(options, OVERRIDE_KEYS, "overrideActivity");
    const { attempts } = options;
    if (attempts !== undefined && (!Array.isArray(attempts) || attempts.some((n) => !Number.isInteger(n) || n < 1))) {
      throw new InvalidArgumentError(`overrideActivity: attempts must be a list of attempt numbers from 1, got ${JSON.stringify(attempts)}.`);
    }
    this.replacements.unshift({ name, attempts: attempts === undefined ? undefined : new Set(attempts), fn });
  }

  private async run(name: string, registered: ActivityFunction<any, unknown>, input: unknown, ctx: ActivityContext): Promise<unknown> {
    const replaced = this.replacements.find((r) => r.name === name && (r.attempts === undefined || r.attempts.has(ctx.attempt)));
    const impl = replaced?.fn ?? registered;
    const call: ActivityCall = { instanceId: ctx.instanceId, name, input, attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey, outcome: { status: "running" } };
    this.calls.push(call);
    try {
      const failure = this.failures.get(name);
      if (failure && failure.left > 0) {
        failure.left--;
        throw failure.error ?? new Error(`Activity "${name}" failed on purpose (failActivity).`);
      }
      const output = await impl(input, ctx);
      call.outcome = { status: "completed", output };
      return output;
    } catch (error) {
      call.outcome = { status: "failed", error: error instanceof Error ? error : new Error(String(error)) };
      throw error;
    }
  }

  private overridesByName(overrides: ActivityOverrides | undefined): Map<string, ActivityFunction<any, unknown>> {
    const byName = new Map<string, ActivityFunction<any, unknown>>();
    if (overrides === undefined) return byName;
    if (typeof overrides !== "object" || overrides === null) {
      throw new InvalidArgumentError("createTestEnvironment: activities must be an object of functions by activity name, or a Map by definition.");
    }
    const entries = overrides instanceof Map ? [...overrides.entries()] : Object.entries(overrides);
    for (const [key, fn] of entries) {
      const name = this.nameOf(key as ActivityDefinition | string, "createTestEnvironment: activities");
      if (typeof fn !== "function") throw new InvalidArgumentError(`createTestEnvironment: activities.${name} must be a function.`);
      byName.set(name, fn);
    }
    return byName;
  }

  private nameOf(definition: ActivityDefinition<any, any, string> | string, where: string): string {
    const name = typeof definition === "string" ? definition : definition?.name;
    if (typeof name === "string" && this.names.has(name)) return name;
    const known = [...this.names];
    const guess = typeof name === "string" ? closestName(name, known) : undefined;
    throw new InvalidArgumentError(
      `${where}: "${String(name)}" is not an activity in functions.${guess ? ` Did you mean "${guess}"?` : ""} Hosted activities: ${known.join(", ") || "none"}.`,
    );
  }
}
