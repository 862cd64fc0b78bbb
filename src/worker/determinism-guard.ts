/**
 * The determinism guard (BatonOptions.determinismGuard): inside orchestration code, the calls
 * that read the clock, randomness or timers throw NondeterministicCallError naming the `ctx`
 * replacement. Replay would see different values than the first run, so such code breaks the
 * day it replays; the guard makes it break the first time it runs.
 *
 * The globals are wrapped once, when a guarded worker is first created, and never unwrapped
 * (another guarded worker may still rely on them). Each wrapper asks an AsyncLocalStorage
 * whether orchestration code of a guarded worker is running: outside (activities, the test
 * runner, other code and other workers in the process) it calls the original at the cost of
 * that one look-up. Orchestration code runs inside through `guardedRun`; its `await`
 * continuations keep the context, as async contexts follow promises.
 *
 * A call caught is recorded on the run's scope too, so that the episode stalls even when the
 * code catches the error: a guarded call is a bug in the code, like non-determinism, and the
 * instance continues by itself once fixed code runs it (it is not Failed).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import nodeCrypto from "node:crypto";
import { syncBuiltinESMExports } from "node:module";
import nodeTimers from "node:timers";
import type { Logger } from "../definitions/logger.js";
import type { EpisodeResult } from "../engine/command.js";
import type { HistoryEvent, InboxMessage } from "../engine/history-event.js";
import type { OrchestrationRun } from "../engine/orchestration-run.js";
import { NondeterministicCallError } from "../errors.js";

/** The orchestration whose code runs, and the first guarded call it made. */
class GuardScope {
  violation: NondeterministicCallError | undefined;
  constructor(readonly orchestration: string) {}
}

/** What runs orchestration code: a run's replay and episodes. */
export type EpisodeRun = Pick<OrchestrationRun, "replay" | "runEpisode">;

/**
 * Shared through the global object: two copies of this module loaded in one process (a
 * bundle and the package, say) consult one storage and wrap the globals once.
 */
const SHARED = Symbol.for("batonjs.determinismGuard");
type Shared = { storage: AsyncLocalStorage<GuardScope> };

function shared(): Shared {
  const holder = globalThis as { [SHARED]?: Shared };
  return (holder[SHARED] ??= { storage: new AsyncLocalStorage<GuardScope>() });
}

const storage = shared().storage;
/** A cached run keeps its scope across episodes: its pending continuations hold it. */
const scopes = new WeakMap<EpisodeRun, GuardScope>();

/** Wraps the guarded globals, once per process. */
export function installDeterminismGuard(): void {
  const state = shared() as Shared & { installed?: boolean };
  if (state.installed) return;
  state.installed = true;

  const OriginalDate = Date;
  OriginalDate.now = guarded(OriginalDate.now, "Date.now()", "ctx.currentUtcDateTime");
  // A plain constructor function rather than a Proxy: V8 runs `new Date(x)` through a Proxy's
  // construct trap some 20 times slower, and every date the process makes would pay it.
  function GuardedDate(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) {
      check("Date()", "ctx.currentUtcDateTime");
      return OriginalDate();
    }
    if (args.length === 0) check("new Date()", "ctx.currentUtcDateTime");
    // `new Date(x)` straight, the common case; a subclass needs its own prototype.
    if (new.target === GuardedDate) return args.length === 1 ? new OriginalDate(args[0] as string) : new OriginalDate(...(args as [number, number]));
    return Reflect.construct(OriginalDate, args, new.target) as object;
  }
  GuardedDate.prototype = OriginalDate.prototype; // instanceof Date, and dates' constructor stays Date
  Object.setPrototypeOf(GuardedDate, OriginalDate); // Date.now, Date.UTC, Date.parse
  Object.defineProperty(GuardedDate, "name", { value: "Date" });
  Object.defineProperty(GuardedDate, "length", { value: OriginalDate.length });
  globalThis.Date = GuardedDate as unknown as DateConstructor;
  Math.random = guarded(Math.random, "Math.random()", "ctx.random()");
  performance.now = guarded(performance.now, "performance.now()", "ctx.currentUtcDateTime");
  const webCrypto = globalThis.crypto;
  webCrypto.randomUUID = guarded(webCrypto.randomUUID, "crypto.randomUUID()", "ctx.newGuid()");
  nodeCrypto.randomUUID = guarded(nodeCrypto.randomUUID, "randomUUID()", "ctx.newGuid()");
  const timers = [
    ["setTimeout", "ctx.createTimer() or ctx.sleep()"],
    ["setInterval", "ctx.createTimer() in a loop"],
    ["setImmediate", "ctx.sleep()"],
  ] as const;
  for (const [name, replacement] of timers) {
    const global = globalThis as unknown as Record<string, (...args: unknown[]) => unknown>;
    global[name] = guarded(global[name]!, `${name}()`, replacement);
    (nodeTimers as unknown as Record<string, unknown>)[name] = global[name];
  }
  // `import { randomUUID } from "node:crypto"` (and node:timers) now sees the wrappers too.
  syncBuiltinESMExports();
}

/**
 * Runs the run's orchestration code inside the guard. An episode in which the code made a
 * guarded call throws that call's error (the episode stalls), even if the code caught it.
 */
export function guardedRun(run: OrchestrationRun, orchestration: string): EpisodeRun {
  let scope = scopes.get(run);
  if (!scope) scopes.set(run, (scope = new GuardScope(orchestration)));
  const inside = async <T>(step: () => Promise<T>): Promise<T> => {
    const value = await storage.run(scope, step);
    if (scope.violation) throw scope.violation;
    return value;
  };
  return {
    replay: (history: readonly HistoryEvent[]) => inside(() => run.replay(history)),
    runEpisode: (messages: readonly InboxMessage[], nowMs: number): Promise<EpisodeResult> => inside(() => run.runEpisode(messages, nowMs)),
  };
}

/** Runs `fn` outside the guard: host code that orchestration code calls into (its logger). */
export function unguarded<T>(fn: () => T): T {
  return storage.getStore() === undefined ? fn() : storage.exit(fn);
}

/** The logger as ctx.log reaches it: outside the guard, so that it may read the clock. */
export function unguardedLogger(logger: Logger): Logger {
  return {
    debug: (message, ...args) => unguarded(() => logger.debug(message, ...args)),
    info: (message, ...args) => unguarded(() => logger.info(message, ...args)),
    warn: (message, ...args) => unguarded(() => logger.warn(message, ...args)),
    error: (message, ...args) => unguarded(() => logger.error(message, ...args)),
  };
}

function check(call: string, replacement: string): void {
  const scope = storage.getStore();
  if (scope === undefined) return;
  const error = new NondeterministicCallError(call, scope.orchestration, replacement);
  scope.violation ??= error;
  throw error;
}

/** `original` behind the guard, keeping its name, length and other own properties (promisify's). */
function guarded<F extends (...args: never[]) => unknown>(original: F, call: string, replacement: string): F {
  const wrapper = function (this: unknown): unknown {
    check(call, replacement);
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(original, this, arguments);
  };
  const { prototype: _prototype, ...own } = Object.getOwnPropertyDescriptors(original);
  Object.defineProperties(wrapper, own);
  return wrapper as unknown as F;
}
