/**
 * Per-deployment options of hosted activities (baton.config `activities` and
 * `defaultActivityRetry`): applied over each definition's own, and checked as activity() checks them.
 */
import { activity, type ActivityOptions } from "../definitions/activity.js";
import type { FunctionDefinition } from "../definitions/orchestration.js";
import { ACTIVITY_OPTION_KEYS } from "../definitions/activity.js";
import { checkKeys } from "../definitions/options.js";
import type { RetryPolicy } from "../definitions/retry-policy.js";
import { InvalidArgumentError } from "../errors.js";

/** The hosted definitions with per-name options and the default retry policy applied (validated as activity() does). */
export function withActivityOptions(
  functions: readonly FunctionDefinition[],
  overrides: Readonly<Record<string, ActivityOptions>> | undefined,
  defaultRetry: RetryPolicy | undefined,
): readonly FunctionDefinition[] {
  if (!Array.isArray(functions) || (overrides === undefined && defaultRetry === undefined)) return functions;
  if (overrides !== undefined && (typeof overrides !== "object" || overrides === null)) {
    throw new InvalidArgumentError("createBaton: activities must be an object of options by activity name.");
  }
  const hosted = new Set(functions.filter((fn) => fn?.kind === "activity").map((fn) => fn.name));
  for (const [name, options] of Object.entries(overrides ?? {})) {
    if (!hosted.has(name)) {
      throw new InvalidArgumentError(`activities: "${name}" is not an activity in functions. Hosted activities: ${[...hosted].join(", ") || "none"}.`);
    }
    checkKeys(options, ACTIVITY_OPTION_KEYS, `activities.${name}`);
  }
  return functions.map((fn) => {
    if (fn?.kind !== "activity") return fn;
    const own = overrides?.[fn.name];
    if (own === undefined && (defaultRetry === undefined || fn.options.retry !== undefined)) return fn;
    const retry = own?.retry ?? fn.options.retry ?? defaultRetry;
    return activity(fn.name, fn.fn, { ...fn.options, ...own, ...(retry === undefined ? {} : { retry }) });
  });
}
