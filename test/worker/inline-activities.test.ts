/**
 * Inline activities: an episode that schedules an activity this process hosts (with a free
 * slot) starts its first attempt at once. Results that arrive within the settle window feed
 * the next episode in memory, and a chain of such steps commits as one `episode` op. An
 * attempt still running after the window, or one to be retried, is handed off: its task row
 * is committed with the episode already leased to this worker, and its outcome is committed
 * afterwards as a normal activity op. `inlineActivities: false` sends every call through the
 * queue.
 */
import { hostname } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CommitOp, Store, WorkClaim } from "../../src/store/store.js";
import {
  activity,
  ActivityFailedError,
  createBaton,
  InvalidArgumentError,
  orchestration,
  type Baton,
  type BatonOptions,
  type HistoryEntry,
} from "../../src/index.js";
import { storeTraces, tableRows } from "../helpers/store-snapshot.js";
import { tempStoreUrl, TestStore } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { silentLogger as quiet } from "../../src/definitions/logger.js";


const batons: Baton[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
  vi.restoreAllMocks();
});

async function newBaton(options: Partial<BatonOptions> & Pick<BatonOptions, "functions">, start = true): Promise<Baton> {
  const baton = await createBaton({ store: tempStoreUrl(), logger: quiet, ...options });
  batons.push(baton);
  if (start) await baton.start();
  return baton;
}

// ---- helpers ----

/** Records every op handed to the store's commit; `of(id)` lists those of one instance, in commit order. */
function recordCommits() {
  const commit = vi.spyOn(TestStore.prototype, "commit");
  return {
    spy: commit,
    of: (instanceId: string): CommitOp[] => commit.mock.calls.flatMap(([ops]) => ops.filter((op) => instanceOf(op) === instanceId)),
  };
}

function instanceOf(op: CommitOp): string {
  return "task" in op ? op.task.instanceId : op.instanceId;
}

type EpisodeOp = Extract<CommitOp, { type: "episode" }>;
const episodes = (ops: CommitOp[]): EpisodeOp[] => ops.filter((op): op is EpisodeOp => op.type === "episode");
const ofType = (ops: CommitOp[], type: CommitOp["type"]): CommitOp[] => ops.filter((op) => op.type === type);

interface TaskRow {
  instance_id: string;
  seq: number;
  name: string;
  attempt: number;
  lease_owner: string | null;
  lease_token: string | null;
  lease_expires_at: number;
}

/** The activity_tasks rows of one instance, in id order, read through a connection of our own. */
async function taskRows(storeUrl: string, instanceId: string): Promise<TaskRow[]> {
  return ((await tableRows(storeUrl, "activity_tasks")) as TaskRow[]).filter((row) => row.instance_id === instanceId);
}

/** History without what differs between two runs: timestamps and execution ids. */
function shape(history: HistoryEntry[]) {
  return history.map(({ timestamp: _t, fireAt: _f, executionId: _e, ...rest }) => rest);
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Stops the clock for this test. A chain of inline steps ends after 500 ms of the worker's
 * clock: on a busy machine a short chain can take that long, and its commits would then be
 * split by the time, not by what the test looks at. (Timers still run on real time.)
 */
function freezeClock(): void {
  vi.spyOn(Date, "now").mockReturnValue(Date.now());
}

/** The worker id format (worker.ts): host, pid, then a random suffix. */
const THIS_PROCESS = `${hostname()}:${process.pid}:`;

// ---- definitions ----

const addOne = activity("AddOne", async (n: number) => n + 1);
const chain10 = orchestration("Chain10", async (ctx, n: number) => {
  for (let i = 0; i < 10; i++) n = await ctx.callActivity(addOne, n);
  return n;
});
const chain150 = orchestration("Chain150", async (ctx, n: number) => {
  for (let i = 0; i < 150; i++) n = await ctx.callActivity(addOne, n);
  return n;
});

async function runChain10(inlineActivities: boolean, instanceId: string) {
  const baton = await newBaton({ functions: [addOne, chain10], inlineActivities });
  await baton.client.startNew(chain10, { input: 5, instanceId });
  const done = await baton.client.waitForCompletion(instanceId, { timeout: 20_000 });
  const status = (await baton.client.getStatus(instanceId, { showHistory: true }))!;
  return { done, history: status.history! };
}

// ---- tests ----

describe("a chain of quick inline steps", () => {
  it("commits all 10 steps as one episode op, with no activity ops, and the same history as queued activities", async () => {
    freezeClock();
    const commits = recordCommits();
    const inline = await runChain10(true, "chain-inline");
    const queued = await runChain10(false, "chain-queued");
    expect(inline.done).toMatchObject({ runtimeStatus: "Completed", output: 15 });
    expect(queued.done).toMatchObject({ runtimeStatus: "Completed", output: 15 });

    const ops = commits.of("chain-inline");
    const [episode, ...more] = episodes(ops);
    expect(more).toHaveLength(0);
    expect(ops.map((op) => op.type)).toEqual(["episode"]); // no activityCompleted, nor any other activity op
    expect(episode!.historyLengthBefore).toBe(0);
    expect(episode!.result.runtimeStatus).toBe("Completed");
    expect(episode!.runningTasks ?? []).toEqual([]);
    const types = episode!.result.newEvents.map((e) => e.type);
    expect(types.length).toBeGreaterThanOrEqual(30);
    expect(types.filter((t) => t === "TaskScheduled")).toHaveLength(10);
    expect(types.filter((t) => t === "TaskCompleted")).toHaveLength(10);
    expect(types.filter((t) => t === "EpisodeStarted")).toHaveLength(11); // one per step, as separate episodes would record
    expect(types.at(-1)).toBe("ExecutionCompleted");
    // The one commit wrote the whole history.
    expect(inline.history).toHaveLength(types.length);
    // No ScheduleTask command reached the store: nothing was left to enqueue.
    expect(episode!.result.commands.filter((c) => c.type === "ScheduleTask")).toEqual([]);

    expect(shape(inline.history)).toEqual(shape(queued.history));
  });

  it("with inlineActivities: false, goes through the queue: one activityCompleted op per step", async () => {
    const commits = recordCommits();
    const { done, history } = await runChain10(false, "chain-off");
    expect(done.output).toBe(15);
    const ops = commits.of("chain-off");
    const completed = ofType(ops, "activityCompleted") as Extract<CommitOp, { type: "activityCompleted" }>[];
    expect(completed).toHaveLength(10);
    expect(new Set(completed.map((op) => op.task.seq)).size).toBe(10);
    expect(completed.map((op) => JSON.parse(op.output!))).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    // The start, then one episode per result; no task was ever committed already leased.
    expect(episodes(ops)).toHaveLength(11);
    expect(episodes(ops).every((op) => op.runningTasks === undefined)).toBe(true);
    expect(history.filter((e) => e.type === "TaskCompleted")).toHaveLength(10);
  });

  it("stops a chain after at most 100 steps and continues in further commits", async () => {
    const commits = recordCommits();
    const baton = await newBaton({ functions: [addOne, chain150] });
    const id = await baton.client.startNew(chain150, { input: 0, instanceId: "chain-150" });
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done.output).toBe(150);
    const committed = episodes(commits.of(id));
    expect(committed.length).toBeGreaterThanOrEqual(2);
    for (const op of committed) {
      expect(op.result.newEvents.filter((e) => e.type === "TaskCompleted").length).toBeLessThanOrEqual(100);
    }
    const history = (await baton.client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "TaskScheduled")).toHaveLength(150);
    expect(history.filter((e) => e.type === "TaskCompleted")).toHaveLength(150);
  });
});

describe("a consumed inline result", () => {
  it("frees its activity slot at once: with one slot, a 10-step chain still commits as one episode op", async () => {
    freezeClock();
    const commits = recordCommits();
    const baton = await newBaton({ functions: [addOne, chain10], maxConcurrentActivities: 1 });
    const id = await baton.client.startNew(chain10, { input: 0, instanceId: "one-slot" });
    expect((await baton.client.waitForCompletion(id, { timeout: 20_000 })).output).toBe(10);
    expect(commits.of(id).map((op) => op.type)).toEqual(["episode"]);
  });
});

describe("an inline attempt still running after the window", () => {
  it("is handed off: its task is committed with the episode, leased to this worker, and its result follows as an activity op", async () => {
    const commits = recordCommits();
    // Held by a gate instead of a fixed delay: the test inspects the store while it runs, however slow the machine.
    const entered = deferred();
    const gate = deferred();
    let runs = 0;
    const slow = activity("SlowDouble", async (n: number) => {
      runs++;
      entered.resolve();
      await gate.promise;
      return n * 2;
    });
    const callSlow = orchestration("CallSlow", async (ctx, n: number) => (await ctx.callActivity(slow, n)) + 1);
    const store = tempStoreUrl();
    const baton = await newBaton({ store, functions: [slow, callSlow] });
    const id = await baton.client.startNew(callSlow, { input: 21, instanceId: "handed-off" });
    await entered.promise;
    let row: TaskRow | undefined;
    try {
      [row] = await waitUntil(async () => {
        const rows = await taskRows(store, id);
        return rows.length > 0 ? rows : undefined;
      }, "the task row to be committed");
      expect(row).toMatchObject({ instance_id: id, name: "SlowDouble", attempt: 1 });
      expect(row!.lease_owner!.startsWith(THIS_PROCESS)).toBe(true);
      expect(row!.lease_token).not.toBeNull();
      expect(row!.lease_expires_at).toBeGreaterThan(Date.now());

      const running = (await baton.client.getStatus(id, { showHistory: true }))!;
      expect(running.runtimeStatus).toBe("Running");
      expect(running.history!.filter((e) => e.type === "TaskScheduled")).toMatchObject([{ name: "SlowDouble", input: 21, seq: row!.seq }]);
      expect(running.history!.some((e) => e.type === "TaskCompleted")).toBe(false);
      const [episode] = episodes(commits.of(id));
      expect(episode!.runningTasks).toMatchObject([{ seq: row!.seq, leaseOwner: row!.lease_owner, leaseToken: row!.lease_token }]);
    } finally {
      gate.resolve();
    }
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 43 });
    expect(runs).toBe(1);
    const completed = ofType(commits.of(id), "activityCompleted") as Extract<CommitOp, { type: "activityCompleted" }>[];
    expect(completed).toHaveLength(1);
    expect(completed[0]!.task.leaseToken).toBe(row!.lease_token);
    expect(await taskRows(store, id)).toEqual([]);
  });
});

describe("an inline attempt that fails", () => {
  it("and is to be retried is handed off; the retry succeeds with one TaskScheduled, one TaskCompleted and no TaskFailed", async () => {
    const commits = recordCommits();
    const attempts: number[] = [];
    const flaky = activity(
      "FlakyOnce",
      async (n: number, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 2) throw new Error(`attempt ${ctx.attempt} failed`);
        return n * 10;
      },
      { retry: { maxAttempts: 3, firstRetryInterval: 5 } },
    );
    const callFlaky = orchestration("CallFlakyOnce", async (ctx, n: number) => ctx.callActivity(flaky, n));
    const baton = await newBaton({ functions: [flaky, callFlaky] });
    const id = await baton.client.startNew(callFlaky, { input: 7, instanceId: "retried" });
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 70 });
    expect(attempts).toEqual([1, 2]);

    const history = (await baton.client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "TaskScheduled")).toMatchObject([{ name: "FlakyOnce", attempt: 1 }]);
    expect(history.filter((e) => e.type === "TaskCompleted")).toMatchObject([{ output: 70 }]);
    expect(history.some((e) => e.type === "TaskFailed")).toBe(false);

    // The failed first attempt was handed off (committed leased), then its retry committed as an op of its own.
    const ops = commits.of(id);
    const seq = history.find((e) => e.type === "TaskScheduled")!.seq as number;
    expect(episodes(ops)[0]!.runningTasks).toMatchObject([{ seq }]);
    const retry = ofType(ops, "activityRetry") as Extract<CommitOp, { type: "activityRetry" }>[];
    expect(retry).toHaveLength(1);
    expect(retry[0]!.task.attempt).toBe(1);
    expect(retry[0]!.error.message).toBe("attempt 1 failed");
    expect((ofType(ops, "activityCompleted") as Extract<CommitOp, { type: "activityCompleted" }>[]).map((op) => op.task.attempt)).toEqual([2]);
  });

  it("for good is fed back as TaskFailed in the same episode; the orchestration compensates", async () => {
    const commits = recordCommits();
    let runs = 0;
    const broken = activity(
      "AlwaysBroken",
      async () => {
        runs++;
        throw new Error("broken for good");
      },
      { retry: { maxAttempts: 1 } },
    );
    const compensate = orchestration("Compensate", async (ctx) => {
      try {
        await ctx.callActivity(broken, null);
        return "not reached";
      } catch (error) {
        if (error instanceof ActivityFailedError) return `compensated after ${error.attempts}: ${error.cause.message}`;
        throw error;
      }
    });
    const baton = await newBaton({ functions: [broken, compensate] });
    const id = await baton.client.startNew(compensate, { instanceId: "compensated" });
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: "compensated after 1: broken for good" });
    expect(runs).toBe(1);
    const history = (await baton.client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "TaskFailed")).toMatchObject([
      { attempts: 1, error: { name: "Error", message: "broken for good" } },
    ]);
    // Inline: one episode op, no activityFailed op.
    expect(commits.of(id).map((op) => op.type)).toEqual(["episode"]);
  });
});

describe("activity slots", () => {
  function tracked() {
    const counts = { running: 0, max: 0, calls: 0 };
    const def = activity("Tracked", async (n: number) => {
      counts.calls++;
      counts.running++;
      counts.max = Math.max(counts.max, counts.running);
      try {
        await sleep(10);
        return n * n;
      } finally {
        counts.running--;
      }
    });
    return { counts, def };
  }

  it("bound inline and queued attempts together: a fan-out of 20 runs at most 3 at once with maxConcurrentActivities: 3", async () => {
    const { counts, def } = tracked();
    const fanOut = orchestration("FanOut20", async (ctx, width: number) =>
      ctx.all(Array.from({ length: width }, (_, i) => ctx.callActivity(def, i))),
    );
    const baton = await newBaton({ functions: [def, fanOut], maxConcurrentActivities: 3 });
    const id = await baton.client.startNew(fanOut, { input: 20 });
    const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done.output).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
    expect(counts.calls).toBe(20);
    expect(counts.max).toBeLessThanOrEqual(3);
    expect(counts.max).toBeGreaterThanOrEqual(1);
  });

  it("hold when a claim brings more than still fits (its slots were taken meanwhile): the excess is handed back", async () => {
    const { counts, def } = tracked();
    const fanOut = orchestration("FanOutOverClaim", async (ctx, width: number) =>
      ctx.all(Array.from({ length: width }, (_, i) => ctx.callActivity(def, i))),
    );
    // The store answers every claim with up to 5 tasks more than asked for: what a claim brings
    // when inline attempts or another claim took its slots while it was in flight.
    const more = (request: WorkClaim): WorkClaim => ({ ...request, activities: { ...request.activities, limit: request.activities.limit + 5 } });
    const { claim, commit } = TestStore.prototype;
    vi.spyOn(TestStore.prototype, "claim").mockImplementation(function (this: Store, request) {
      return claim.call(this as never, more(request));
    });
    vi.spyOn(TestStore.prototype, "commit").mockImplementation(function (this: Store, ops, now, request) {
      return commit.call(this as never, ops, now, request && more(request));
    });
    const baton = await newBaton({ functions: [def, fanOut], maxConcurrentActivities: 3 });
    const ids = await Promise.all([0, 1, 2, 3].map(() => baton.client.startNew(fanOut, { input: 10 })));
    for (const id of ids) {
      const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
      expect(done.output).toEqual(Array.from({ length: 10 }, (_, i) => i * i));
    }
    expect(counts.calls).toBe(40);
    expect(counts.max).toBeLessThanOrEqual(3);
  });

  it("are shared by the episodes of several instances", async () => {
    const { counts, def } = tracked();
    const fanOut = orchestration("FanOut", async (ctx, width: number) =>
      ctx.all(Array.from({ length: width }, (_, i) => ctx.callActivity(def, i))),
    );
    const baton = await newBaton({ functions: [def, fanOut], maxConcurrentActivities: 3 });
    const ids = await Promise.all([0, 1, 2, 3].map(() => baton.client.startNew(fanOut, { input: 10 })));
    for (const id of ids) {
      const done = await baton.client.waitForCompletion(id, { timeout: 20_000 });
      expect(done.output).toEqual(Array.from({ length: 10 }, (_, i) => i * i));
    }
    expect(counts.calls).toBe(40);
    expect(counts.max).toBeLessThanOrEqual(3);
  });
});

describe("an activity this process does not host", () => {
  it("goes through the queue and runs in the process that hosts it", async () => {
    const commits = recordCommits();
    const opened = vi.spyOn(TestStore, "open");
    const ranBy: string[] = [];
    const remote = activity("Remote", async (text: string) => {
      ranBy.push("B");
      return `remote ${text}`;
    });
    const callRemote = orchestration("CallRemote", async (ctx, text: string) => ctx.callActivity<string>("Remote", text));
    const store = tempStoreUrl();
    const a = await newBaton({ store, functions: [callRemote], pollIntervalMs: 20 });
    const b = await newBaton({ store, functions: [remote], pollIntervalMs: 20 });
    // PostgresStore.open resolves to the store; SqliteStore.open returns it (await takes both).
    const storeOfA: Store = await opened.mock.results[0]!.value;
    const storeOfB: Store = await opened.mock.results[1]!.value;
    expect(storeOfA).not.toBe(storeOfB);

    const id = await a.client.startNew(callRemote, { input: "call", instanceId: "remote-call" });
    const done = await a.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: "remote call" });
    expect(ranBy).toEqual(["B"]);

    // A committed the call unleased (nothing handed off); B committed its result.
    const byStore = (store: Store) =>
      commits.spy.mock.calls
        .filter((_, i) => commits.spy.mock.contexts[i] === store)
        .flatMap(([ops]) => ops.filter((op) => instanceOf(op) === id));
    const [first] = episodes(byStore(storeOfA));
    expect(first!.runningTasks).toBeUndefined();
    expect(first!.result.commands).toMatchObject([{ type: "ScheduleTask", name: "Remote" }]);
    expect(byStore(storeOfA).filter((op) => op.type !== "episode")).toEqual([]);
    expect(byStore(storeOfB).map((op) => op.type)).toEqual(["activityCompleted"]);
  });
});

describe("stopping while an inline attempt runs", () => {
  /**
   * A chain of 3 steps of `stepMs` each; counts the runs of each step and when each run ended.
   * With `firstRunHeld`, the first run of step 0 waits for that promise instead (it ignores its
   * signal): it is still running whenever the test stops the worker, however slow the machine.
   */
  function slowChain(stepMs = 200, firstRunHeld?: Promise<void>) {
    const runs = [0, 0, 0];
    const finishedAt: (number | undefined)[] = [];
    const entered = [deferred(), deferred(), deferred()];
    const step = activity("SlowStep", async (input: { step: number; n: number }) => {
      runs[input.step]!++;
      entered[input.step]!.resolve();
      await (firstRunHeld && input.step === 0 && runs[0] === 1 ? firstRunHeld : sleep(stepMs));
      finishedAt[input.step] = Date.now();
      return input.n + 1;
    });
    const chain = orchestration("SlowChain", async (ctx, n: number) => {
      for (let i = 0; i < 3; i++) n = await ctx.callActivity(step, { step: i, n });
      return n;
    });
    return { runs, finishedAt, entered, functions: [step, chain], chain };
  }

  it("waits for it and commits its result; a new baton on the same file finishes the instance", async () => {
    const { runs, finishedAt, entered, functions, chain } = slowChain();
    const store = tempStoreUrl();
    // A long lease: a task left leased would not be taken over within this test.
    const first = await newBaton({ store, functions, leaseMs: 60_000 });
    const id = await first.client.startNew(chain, { input: 0, instanceId: "stopped-mid-step" });
    await entered[0]!.promise;
    await first.stop({ timeoutMs: 30_000 }); // generous: the 200 ms step must end within it
    const stoppedAt = Date.now();
    expect(finishedAt[0]).toBeDefined();
    expect(finishedAt[0]!).toBeLessThanOrEqual(stoppedAt);
    expect(runs).toEqual([1, 0, 0]);

    const second = await newBaton({ store, functions, leaseMs: 60_000 }, false);
    const history = (await second.client.getStatus(id, { showHistory: true }))!.history!;
    expect(history.filter((e) => e.type === "TaskScheduled")).toHaveLength(1);
    await second.start();
    const done = await second.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 3 });
    expect(runs[0]).toBeLessThanOrEqual(2);
    expect(runs[0]).toBe(1); // its result was committed before stop() resolved: it is not run again
    expect(runs).toEqual([1, 1, 1]);
  });

  it("past the timeout, releases the handed-off attempt at once: a new baton runs it again without waiting for the lease", async () => {
    const held = deferred(); // the first run outlasts the 20 ms timeout: it ends only after the stop
    const { runs, entered, functions, chain } = slowChain(200, held.promise);
    const store = tempStoreUrl();
    const first = await newBaton({ store, functions, leaseMs: 60_000 });
    const id = await first.client.startNew(chain, { input: 0, instanceId: "stopped-past-timeout" });
    await entered[0]!.promise;
    await waitUntil(async () => ((await taskRows(store, id)).some((r) => r.lease_token !== null) ? true : undefined), "the handed-off task row");
    await first.stop({ timeoutMs: 20 });
    expect(await taskRows(store, id)).toMatchObject([{ attempt: 1, lease_owner: null, lease_token: null }]);
    held.resolve(); // its late result is ignored

    const second = await newBaton({ store, functions, leaseMs: 60_000 });
    const done = await second.client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 3 });
    expect(runs[0]).toBe(2); // the released attempt ran again, and only once more
    expect(runs.slice(1)).toEqual([1, 1]);
  });
});

/**
 * stop({ timeoutMs: 0 }) while an episode waits for its inline attempt (the settle window is 5 ms;
 * the stop's timeout fires after 1 ms). The docs (guarantees.md, "Graceful stop") say that at the
 * timeout running activities get their signal, have their leases released at once, and that their
 * later results are ignored. The queue path does that; the inline path does not (see the report).
 */
describe("stop({ timeoutMs: 0 }) while an inline attempt is inside its settle window", () => {
  /**
   * Its first run lasts until its signal fires, then rejects with the signal's reason, as the
   * docs ask of long activities (so the stop always finds it running); a later run returns.
   */
  async function stopWhileHonouringActivityRuns(inlineActivities: boolean) {
    const entered = deferred();
    let runs = 0;
    const honouring = activity("Honouring", async (n: number, ctx) => {
      runs++;
      entered.resolve();
      if (runs === 1) {
        await new Promise<void>((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
      }
      return n + 1;
    });
    const callHonouring = orchestration("CallHonouring", async (ctx, n: number) => ctx.callActivity(honouring, n));
    const store = tempStoreUrl();
    const functions = [honouring, callHonouring];
    // A long lease: only an immediate release lets the second baton run the task within the test.
    const first = await newBaton({ store, functions, inlineActivities, leaseMs: 60_000 });
    const id = await first.client.startNew(callHonouring, { input: 1, instanceId: "stopped-in-window" });
    await entered.promise; // the attempt has started; its episode is now waiting for it
    await first.stop({ timeoutMs: 0 });

    // Far less than the lease: only a release lets the second baton finish it in time.
    const second = await newBaton({ store, functions, leaseMs: 60_000 });
    const done = await second.client.waitForCompletion(id, { timeout: 30_000 });
    // The ClosedError of the stop must not become the activity's outcome.
    expect(done.failureDetails?.message).toBeUndefined();
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 2 });
    expect(runs).toBe(2);
  }

  it("through the queue (inlineActivities: false), ignores the result of the attempt the stop aborted", async () => {
    await stopWhileHonouringActivityRuns(false);
  });

  // BUG: continueInline feeds the aborted attempt's ClosedError back as TaskFailed; the instance
  // fails with 'Activity "Honouring" failed after 1 attempt(s): ClosedError: The worker is stopping.'
  it("inline, ignores the result of the attempt the stop aborted", async () => {
    await stopWhileHonouringActivityRuns(true);
  });

  // BUG: the release at the timeout finds no task row (the episode has not committed yet); the
  // episode then commits the row leased to the stopped worker, and it waits for the lease to expire.
  it("inline, releases an attempt that ignores its signal at once, not when its lease expires", async () => {
    const entered = deferred();
    const held = deferred(); // the first run ends only after the stop, however slow the machine
    let runs = 0;
    const deaf = activity("Deaf", async (n: number) => {
      runs++;
      entered.resolve();
      if (runs === 1) await held.promise;
      return n + 1;
    });
    const callDeaf = orchestration("CallDeaf", async (ctx, n: number) => ctx.callActivity(deaf, n));
    const store = tempStoreUrl();
    const functions = [deaf, callDeaf];
    const first = await newBaton({ store, functions, leaseMs: 60_000 });
    const id = await first.client.startNew(callDeaf, { input: 1, instanceId: "deaf-in-window" });
    await entered.promise;
    await first.stop({ timeoutMs: 0 });
    expect(await taskRows(store, id)).toMatchObject([{ attempt: 1, lease_owner: null, lease_token: null }]);
    held.resolve(); // its late result is ignored

    // Far less than the lease: only a release lets the second baton finish it in time.
    const second = await newBaton({ store, functions, leaseMs: 60_000 });
    const done = await second.client.waitForCompletion(id, { timeout: 30_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: 2 });
    expect(runs).toBe(2);
  });
});

describe("the inlineActivities option", () => {
  it("rejects a value that is not a boolean, before the store is opened", async () => {
    const store = tempStoreUrl();
    const outcome = await createBaton({
      store,
      functions: [addOne, chain10],
      logger: quiet,
      inlineActivities: "yes" as unknown as boolean,
    }).then(
      (baton) => {
        batons.push(baton);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(InvalidArgumentError);
    const error = outcome as InvalidArgumentError;
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain("inlineActivities");
    expect(error.message).toContain('"yes"');
    expect(await storeTraces(store)).toEqual([]); // no database file (or schema): validation came first
  });
});
