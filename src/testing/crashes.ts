/**
 * Crashes on purpose (`env.crash`): the in-process equivalent of a SIGKILL at a named point.
 * Each worker writes through a store of its own making here. When an armed crash point is
 * reached, that store is cut off: every call the worker makes from then on never settles, so its
 * code stops where it stands, as a killed process's would. It commits nothing more, releases
 * nothing, renews nothing; its leases expire on the environment's clock and a fresh worker on the
 * same store takes the work over, replaying from the history. Nothing in the production path
 * changes: the points are the store's commit and the moment an attempt has ended.
 *
 * - before-commit: a commit (of any op of the instance, if one is named) is about to be written:
 *   it is not.
 * - after-commit: that commit was written; the worker dies before acting on it.
 * - after-activity: an activity attempt ended (its side effects done); the worker dies before
 *   its outcome is committed, so the attempt runs again once its lease expires.
 */
import { checkKeys, knownKeys } from "../definitions/options.js";
import { InvalidArgumentError } from "../errors.js";
import type { ActivityWorkItem, CommitOp, WorkQueue } from "../store/store.js";

export type CrashPoint = "before-commit" | "after-commit" | "after-activity";

export interface CrashOptions {
  /** Where the worker dies. */
  at: CrashPoint;
  /** Only a commit or an attempt of this instance counts. Default: any. */
  instanceId?: string;
  /** Die the nth time the point is reached (counting from this call). Default 1. */
  nth?: number;
}

const CRASH_KEYS = knownKeys<CrashOptions>()({ at: true, instanceId: true, nth: true });
const POINTS: readonly CrashPoint[] = ["before-commit", "after-commit", "after-activity"];

interface Armed {
  options: CrashOptions;
  nth: number;
  reached: number;
  crashed: () => void;
}

/** Never settles: what a dead worker's store calls return. */
const NEVER = new Promise<never>(() => {});

export class Crashes {
  private readonly armed: Armed[] = [];

  /** `replaceWorker` halts the dead worker and starts a fresh one; a crash resolves once it did. */
  constructor(private readonly replaceWorker: () => Promise<unknown>) {}

  /** Arms a crash; resolves once it happened and a fresh worker runs. */
  arm(options: CrashOptions): Promise<void> {
    checkKeys(options, CRASH_KEYS, "crash");
    if (!POINTS.includes(options.at)) {
      throw new InvalidArgumentError(`crash: "at" must be one of ${POINTS.map((p) => `"${p}"`).join(", ")}; got ${JSON.stringify(options.at)}.`);
    }
    const nth = options.nth ?? 1;
    if (!Number.isInteger(nth) || nth < 1) throw new InvalidArgumentError(`crash: nth must be a whole number from 1; got ${String(options.nth)}.`);
    return new Promise((crashed) => this.armed.push({ options, nth, reached: 0, crashed }));
  }

  /** Crashes armed but never reached. */
  unreached(): CrashOptions[] {
    return this.armed.map((armed) => armed.options);
  }

  /** The store one worker writes through, cut off once that worker crashes. */
  storeFor(store: WorkQueue): { store: WorkQueue; attemptFinished: (task: ActivityWorkItem) => void } {
    let dead = false;
    const die = (armed: Armed): void => {
      dead = true;
      // After the current call stack: the dead worker's own code must reach its next store call first.
      void Promise.resolve()
        .then(this.replaceWorker)
        .then(() => armed.crashed());
    };
    const commit = async (ops: readonly CommitOp[], now: number, claim?: Parameters<WorkQueue["commit"]>[2]) => {
      const instances = ops.map(instanceOf);
      const before = this.reach("before-commit", instances);
      if (before) {
        die(before);
        return NEVER;
      }
      const written = await store.commit(ops, now, claim);
      if (dead) return NEVER;
      const after = this.reach("after-commit", instances);
      if (after) {
        die(after);
        return NEVER;
      }
      return written;
    };
    const cutOff = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        if (property === "commit") return (...args: Parameters<WorkQueue["commit"]>) => (dead ? NEVER : commit(...args));
        if (property === "watch") return value.bind(target) as unknown;
        return (...args: unknown[]) => (dead ? NEVER : (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    return {
      store: cutOff,
      attemptFinished: (task) => {
        if (dead) return;
        const armed = this.reach("after-activity", [task.instanceId]);
        if (armed) die(armed); // the outcome's commit, next, never settles
      },
    };
  }

  /** Counts a point reached; returns the crash it sets off, if any. */
  private reach(point: CrashPoint, instances: readonly string[]): Armed | undefined {
    const index = this.armed.findIndex(
      (armed) => armed.options.at === point && (armed.options.instanceId === undefined || instances.includes(armed.options.instanceId)),
    );
    if (index < 0) return undefined;
    const armed = this.armed[index]!;
    if (++armed.reached < armed.nth) return undefined;
    this.armed.splice(index, 1);
    return armed;
  }
}

function instanceOf(op: CommitOp): string {
  return "task" in op ? op.task.instanceId : op.instanceId;
}
