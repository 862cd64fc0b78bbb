/**
 * The management client against a running baton: starting instances, reading their status,
 * waiting for them, scheduling, listing and paging, purging, a worker-less client in the same
 * process, closing, and activity retries as the client sees them.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  activity,
  ActivityFailedError,
  ClosedError,
  createBaton,
  createClient,
  InstanceNotFoundError,
  NotRegisteredError,
  orchestration,
  TimeoutError,
  type ActivityContext,
  type Baton,
  type BatonClient,
  type BatonOptions,
  type InstanceStatus,
} from "../../src/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus, waitUntil } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---- definitions ----

const greet = activity("Greet", async (name: string) => `Hello ${name}`);
const hello = orchestration("Hello", async (ctx, name: string) => {
  ctx.setCustomStatus({ step: "greeting" });
  const text = await ctx.callActivity(greet, name);
  ctx.setCustomStatus({ step: "done", length: text.length });
  return text;
});
const waiter = orchestration("Waiter", async (ctx, input: unknown) => {
  ctx.setCustomStatus("waiting for Go");
  const go = await ctx.waitForExternalEvent("Go");
  return { input, go };
});
class CustomError extends Error {
  readonly code = "CUSTOM_CODE";
  override name = "CustomError";
}
const boom = activity("Boom", async (message: string) => {
  throw new Error(message);
});
const failing = orchestration("Failing", async (ctx, kind: "plain" | "custom" | "activity") => {
  if (kind === "custom") throw new CustomError("custom failure");
  if (kind === "activity") return ctx.callActivity(boom, "activity failure");
  throw new Error("plain failure");
});
const clock = orchestration("Clock", async (ctx) => ctx.currentUtcDateTime.getTime());

/** What each activity attempt saw, by instance id. */
const attemptsSeen = new Map<string, { attempt: number; key: string }[]>();
function recordAttempt(ctx: ActivityContext): void {
  const seen = attemptsSeen.get(ctx.instanceId) ?? [];
  seen.push({ attempt: ctx.attempt, key: ctx.idempotencyKey });
  attemptsSeen.set(ctx.instanceId, seen);
}
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Fails its first `failTimes` attempts; the definition retries up to 3 attempts in all. */
const flaky = activity(
  "Flaky",
  async (failTimes: number, ctx) => {
    recordAttempt(ctx);
    if (ctx.attempt <= failTimes) throw namedError("FlakyError", `attempt ${ctx.attempt} failed`);
    return `ok on attempt ${ctx.attempt}`;
  },
  { retry: { maxAttempts: 3, firstRetryInterval: 20 } },
);
/** Always fails with an error of the given name; the definition retries unless it is a PermanentError. */
const picky = activity(
  "Picky",
  async (errorName: string, ctx) => {
    recordAttempt(ctx);
    throw namedError(errorName, `${errorName} on attempt ${ctx.attempt}`);
  },
  { retry: { maxAttempts: 3, firstRetryInterval: 20, retryIf: (error) => error.name !== "PermanentError" } },
);
/** No retry policy of its own: fails its first `failTimes` attempts with `errorName`. */
const plain = activity("Plain", async (input: { failTimes: number; errorName: string }, ctx) => {
  recordAttempt(ctx);
  if (ctx.attempt <= input.failTimes) throw namedError(input.errorName, `attempt ${ctx.attempt} failed`);
  return `ok on attempt ${ctx.attempt}`;
});

type Outcome = { value: string } | { failed: { isActivityFailed: boolean; code: string; activityName: string; attempts: number; cause: string } };
async function outcomeOf(call: PromiseLike<string>): Promise<Outcome> {
  try {
    return { value: await call };
  } catch (error) {
    if (!(error instanceof ActivityFailedError)) throw error;
    return {
      failed: {
        isActivityFailed: true,
        code: error.code,
        activityName: error.activityName,
        attempts: error.attempts,
        cause: `${error.cause.name}: ${error.cause.message}`,
      },
    };
  }
}
const callFlaky = orchestration("CallFlaky", async (ctx, failTimes: number) => outcomeOf(ctx.callActivity(flaky, failTimes)));
const callFlakyOnce = orchestration("CallFlakyOnce", async (ctx, failTimes: number) =>
  outcomeOf(ctx.callActivity(flaky, failTimes, { retry: { maxAttempts: 1 } })),
);
const callPicky = orchestration("CallPicky", async (ctx, errorName: string) => outcomeOf(ctx.callActivity(picky, errorName)));
const callPlainWithRetryIf = orchestration("CallPlainWithRetryIf", async (ctx, input: { failTimes: number; errorName: string }) =>
  outcomeOf(
    ctx.callActivity(plain, input, {
      retry: { maxAttempts: 3, firstRetryInterval: 10, retryIf: (error) => error.name === "TransientError" },
    }),
  ),
);

const FUNCTIONS = [
  greet,
  hello,
  waiter,
  boom,
  failing,
  clock,
  flaky,
  picky,
  plain,
  callFlaky,
  callFlakyOnce,
  callPicky,
  callPlainWithRetryIf,
];

// ---- helpers ----

const batons: Baton[] = [];
const clients: BatonClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const baton of batons.splice(0)) await baton.stop();
});

/** A baton on its own store; started unless `start: false`. A short poll: startNew does not wake the worker. */
async function newBaton(options: Partial<BatonOptions> & { start?: boolean } = {}): Promise<Baton> {
  const { start = true, ...rest } = options;
  const baton = await createBaton({ store: tempStoreUrl(), functions: FUNCTIONS, logger: quiet, pollIntervalMs: 20, ...rest });
  batons.push(baton);
  if (start) await baton.start();
  return baton;
}

async function newClient(store: string): Promise<BatonClient> {
  const client = await createClient({ store });
  clients.push(client);
  return client;
}

/** Waits until the clock has moved past `ms`, so that the next instance gets a later createdAt. */
async function afterMs(ms: number): Promise<void> {
  await waitUntil(() => (Date.now() > ms ? true : undefined), `the clock to pass ${ms}`);
}

async function allPages(client: BatonClient, pageSize: number, between?: (page: number) => Promise<void>) {
  const pages: string[][] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.list({ pageSize, ...(continuationToken ? { continuationToken } : {}) });
    pages.push(page.instances.map((i) => i.instanceId));
    continuationToken = page.continuationToken;
    if (continuationToken) await between?.(pages.length);
  } while (continuationToken);
  return pages;
}

const ids = (statuses: InstanceStatus[]): string[] => statuses.map((s) => s.instanceId).sort();

// ---- tests ----

describe("startNew", () => {
  it("returns a fresh UUID by default and the given id otherwise", async () => {
    const { client } = await newBaton({ start: false });
    const first = await client.startNew(hello, { input: "a" });
    const second = await client.startNew(hello, { input: "b" });
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(second).not.toBe(first);
    expect(await client.startNew(hello, { input: "c", instanceId: "order-42" })).toBe("order-42");
    expect(await client.getStatus("order-42")).toMatchObject({ instanceId: "order-42", input: "c" });
  });

  it("accepts an id of 200 characters using every allowed punctuation mark", async () => {
    const { client } = await newBaton({ start: false });
    const id = `Az09_.:@~+=-${"x".repeat(188)}`;
    expect(id).toHaveLength(200);
    expect(await client.startNew(hello, { input: "a", instanceId: id })).toBe(id);
    expect((await client.getStatus(id))?.instanceId).toBe(id);
  });

  it("starts by name as well as by definition", async () => {
    const { client } = await newBaton();
    const id = await client.startNew("Hello", { input: "by name" });
    expect((await client.waitForCompletion(id, { timeout: 20_000 })).output).toBe("Hello by name");
  });
});

describe("getStatus", () => {
  it("shows Pending before a worker starts, then Running, then Completed", async () => {
    const baton = await newBaton({ start: false });
    const { client } = baton;
    const id = await client.startNew(waiter, { input: { n: 1 }, instanceId: "lifecycle" });

    const pending = (await client.getStatus(id))!;
    expect(pending).toMatchObject({ instanceId: id, name: "Waiter", runtimeStatus: "Pending", input: { n: 1 } });
    expect(pending.output).toBeUndefined();
    expect(pending.customStatus).toBeUndefined();
    expect(pending.createdAt).toBeInstanceOf(Date);
    expect(pending.lastUpdatedAt).toBeInstanceOf(Date);
    expect(pending.lastUpdatedAt.getTime()).toBeGreaterThanOrEqual(pending.createdAt.getTime());
    expect(pending).not.toHaveProperty("failureDetails");
    expect(pending).not.toHaveProperty("history");

    await baton.start();
    const running = await waitForStatus(client, id, "Running");
    expect(running).toMatchObject({ runtimeStatus: "Running", customStatus: "waiting for Go", input: { n: 1 } });
    expect(running.createdAt).toEqual(pending.createdAt);
    expect(running.lastUpdatedAt.getTime()).toBeGreaterThanOrEqual(pending.lastUpdatedAt.getTime());

    await client.raiseEvent(id, "Go", "now");
    const done = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ runtimeStatus: "Completed", output: { input: { n: 1 }, go: "now" }, customStatus: "waiting for Go" });
    expect(done.createdAt).toEqual(pending.createdAt);
  });

  it("shows input by default and hides it with showInput: false", async () => {
    const { client } = await newBaton({ start: false });
    const id = await client.startNew(hello, { input: "secret" });
    expect((await client.getStatus(id))!.input).toBe("secret");
    expect((await client.getStatus(id, { showInput: true }))!.input).toBe("secret");
    expect(await client.getStatus(id, { showInput: false })).not.toHaveProperty("input");
  });

  it("shows output and the latest custom status", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(hello, { input: "Ada" });
    await client.waitForCompletion(id, { timeout: 20_000 });
    const status = (await client.getStatus(id))!;
    expect(status.output).toBe("Hello Ada");
    expect(status.customStatus).toEqual({ step: "done", length: 9 });
  });

  it("includes history only when asked, with payloads parsed and timestamps as Dates", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(hello, { input: "Ada" });
    await client.waitForCompletion(id, { timeout: 20_000 });
    expect(await client.getStatus(id)).not.toHaveProperty("history");
    expect(await client.getStatus(id, { showHistory: false })).not.toHaveProperty("history");
    const { history } = (await client.getStatus(id, { showHistory: true }))!;
    expect(history).toBeDefined();
    const types = history!.map((e) => e.type);
    expect(types[0]).toBe("EpisodeStarted");
    expect(types).toContain("ExecutionCompleted");
    expect(history!.find((e) => e.type === "ExecutionStarted")).toMatchObject({ name: "Hello", input: "Ada" });
    expect(history!.find((e) => e.type === "TaskScheduled")).toMatchObject({ name: "Greet", input: "Ada", attempt: 1 });
    expect(history!.find((e) => e.type === "TaskCompleted")).toMatchObject({ output: "Hello Ada" });
    expect(history!.find((e) => e.type === "ExecutionCompleted")).toMatchObject({ output: "Hello Ada" });
    for (const event of history!) expect(event.timestamp).toBeInstanceOf(Date);
  });
});

describe("waitForCompletion", () => {
  it("resolves with the status of a Completed instance", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(hello, { input: "Bo" });
    const status = await client.waitForCompletion(id);
    expect(status).toMatchObject({ instanceId: id, runtimeStatus: "Completed", output: "Hello Bo" });
    expect(status).not.toHaveProperty("failureDetails");
  });

  it.each([
    ["a plain Error", "plain", { code: "ORCHESTRATION_FAILED", name: "Error", message: "plain failure" }],
    ["an error with its own code", "custom", { code: "CUSTOM_CODE", name: "CustomError", message: "custom failure" }],
    ["a failed activity", "activity", { code: "ACTIVITY_FAILED", name: "ActivityFailedError" }],
  ] as const)("resolves with failureDetails when the orchestration throws %s", async (_what, kind, details) => {
    const { client } = await newBaton();
    const id = await client.startNew(failing, { input: kind });
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.failureDetails).toMatchObject(details);
    expect(typeof status.failureDetails!.stack).toBe("string");
    expect(status.output).toBeUndefined();
    if (kind === "activity") {
      expect(status.failureDetails!.message).toContain('Activity "Boom" failed after 1 attempt(s)');
      expect(status.failureDetails!.message).toContain("activity failure");
    }
  });

  it("resolves with Terminated and the reason as output after terminate(id, reason)", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(waiter, { input: 1 });
    await waitForStatus(client, id, "Running");
    const waiting = client.waitForCompletion(id, { timeout: 20_000 });
    await client.terminate(id, "operator said so");
    const status = await waiting;
    expect(status).toMatchObject({ runtimeStatus: "Terminated", output: "operator said so" });
    expect(status).not.toHaveProperty("failureDetails");
  });

  it("terminates an instance still waiting for its startAt without waiting for that time", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(clock, { startAt: new Date(Date.now() + 3_600_000) });
    expect((await client.getStatus(id))!.runtimeStatus).toBe("Pending");
    await client.terminate(id, "not needed");
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(status).toMatchObject({ runtimeStatus: "Terminated", output: "not needed" });
  });

  it("rejects with TimeoutError when the instance is still waiting after the timeout", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(waiter, { input: 1 });
    await waitForStatus(client, id, "Running");
    const started = Date.now();
    const error = await client.waitForCompletion(id, { timeout: 150 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe("TIMEOUT");
    expect((error as TimeoutError).message).toContain(id);
    expect((error as TimeoutError).message).toContain("Running");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await expect(client.waitForCompletion(id, { timeout: "100ms" })).rejects.toBeInstanceOf(TimeoutError);
    expect((await client.getStatus(id))!.runtimeStatus).toBe("Running");
  });

  it("rejects with InstanceNotFoundError for a missing instance", async () => {
    const { client } = await newBaton();
    await expect(client.waitForCompletion("missing-one", { timeout: 1000 })).rejects.toBeInstanceOf(InstanceNotFoundError);
  });
});

describe("startAt", () => {
  it.each([
    ["a Date", (at: number) => new Date(at)],
    ["an ISO string", (at: number) => new Date(at).toISOString()],
  ])("given as %s, the instance stays Pending until then, then runs", async (_what, toStartAt) => {
    const { client } = await newBaton();
    const startAt = Date.now() + 1500;
    const id = await client.startNew(clock, { startAt: toStartAt(startAt) });
    const looks: string[] = [];
    await waitUntil(async () => {
      const status = await client.getStatus(id);
      // A look that ended before startAt must have found it Pending (on a busy machine, a look
      // may end after startAt however early it began: then it may find it started).
      const endedAt = Date.now();
      looks.push(`${status!.runtimeStatus} at ${endedAt - startAt} ms`);
      if (endedAt < startAt) expect(status!.runtimeStatus, `looks: ${looks.join(", ")}`).toBe("Pending");
      return status!.runtimeStatus === "Pending" ? undefined : true;
    }, "the instance to leave Pending");
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output as number).toBeGreaterThanOrEqual(startAt); // ctx.currentUtcDateTime of its first episode
  });

  it("in the past runs at once", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(hello, { input: "late", startAt: new Date(Date.now() - 60_000) });
    expect((await client.waitForCompletion(id, { timeout: 20_000 })).output).toBe("Hello late");
  });
});

describe("list", () => {
  it("filters by runtimeStatus, name and instanceIdPrefix", async () => {
    const { client } = await newBaton();
    await client.startNew(hello, { input: "1", instanceId: "grp-a-1" });
    await client.startNew(hello, { input: "2", instanceId: "grp-a-2" });
    await client.startNew(failing, { input: "plain", instanceId: "grp-b-1" });
    await client.startNew(waiter, { input: 3, instanceId: "grp-b-2" });
    await client.startNew(hello, { input: "4", instanceId: "grp-c-1", startAt: new Date(Date.now() + 3_600_000) });
    await waitForStatus(client, "grp-a-1", "Completed");
    await waitForStatus(client, "grp-a-2", "Completed");
    await waitForStatus(client, "grp-b-1", "Failed");
    await waitForStatus(client, "grp-b-2", "Running");

    const list = async (filter: Parameters<BatonClient["list"]>[0]) => ids((await client.list(filter)).instances);
    expect(await list({ runtimeStatus: ["Completed", "Failed"] })).toEqual(["grp-a-1", "grp-a-2", "grp-b-1"]);
    expect(await list({ runtimeStatus: ["Pending"] })).toEqual(["grp-c-1"]);
    expect(await list({ runtimeStatus: ["Terminated"] })).toEqual([]);
    expect(await list({ name: "Waiter" })).toEqual(["grp-b-2"]);
    expect(await list({ name: "Hello" })).toEqual(["grp-a-1", "grp-a-2", "grp-c-1"]);
    expect(await list({ instanceIdPrefix: "grp-a-" })).toEqual(["grp-a-1", "grp-a-2"]);
    expect(await list({ instanceIdPrefix: "grp-b-", runtimeStatus: ["Running"] })).toEqual(["grp-b-2"]);
    expect(await list({ instanceIdPrefix: "grp-a-", name: "Waiter" })).toEqual([]);
    expect(await list({ instanceIdPrefix: "zzz" })).toEqual([]);
    expect(await list({})).toEqual(["grp-a-1", "grp-a-2", "grp-b-1", "grp-b-2", "grp-c-1"]);
  });

  it("returns statuses without input, matching getStatus otherwise", async () => {
    const { client } = await newBaton();
    const id = await client.startNew(hello, { input: "Cy" });
    await client.waitForCompletion(id, { timeout: 20_000 });
    const { instances, continuationToken } = await client.list();
    expect(continuationToken).toBeUndefined();
    expect(instances).toHaveLength(1);
    expect(instances[0]).not.toHaveProperty("input");
    expect(instances[0]).toEqual((await client.getStatus(id, { showInput: false }))!);
  });

  it("filters by createdFrom and createdTo, both inclusive", async () => {
    const { client } = await newBaton({ start: false });
    const created: InstanceStatus[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await client.startNew(hello, { input: String(i), instanceId: `t-${i}` });
      const status = (await client.getStatus(id))!;
      created.push(status);
      await afterMs(status.createdAt.getTime());
    }
    const list = async (filter: Parameters<BatonClient["list"]>[0]) => ids((await client.list(filter)).instances);
    expect(await list({ createdFrom: created[1]!.createdAt, createdTo: created[4]!.createdAt })).toEqual(["t-1", "t-2", "t-3", "t-4"]);
    expect(await list({ createdFrom: created[5]!.createdAt })).toEqual(["t-5"]);
    expect(await list({ createdTo: created[0]!.createdAt })).toEqual(["t-0"]);
    expect(await list({ createdFrom: new Date(created[5]!.createdAt.getTime() + 1) })).toEqual([]);
  });

  it("pages of 3 over 10 instances return every instance once, oldest first", async () => {
    const { client } = await newBaton({ start: false });
    const expected: string[] = [];
    for (let i = 0; i < 10; i++) expected.push(await client.startNew(hello, { input: String(i), instanceId: `page-${i}` }));
    const pages = await allPages(client, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 1]);
    expect(pages.flat()).toEqual(expected);
  });

  it("pages stay correct when instances are created between pages", async () => {
    const { client } = await newBaton({ start: false });
    const originals: string[] = [];
    for (let i = 0; i < 10; i++) originals.push(await client.startNew(hello, { input: String(i), instanceId: `page-${i}` }));
    const late: string[] = [];
    const pages = await allPages(client, 3, async (page) => {
      late.push(await client.startNew(hello, { input: "late", instanceId: `late-${page}` }));
    });
    const seen = pages.flat();
    expect(new Set(seen).size).toBe(seen.length); // nobody twice
    expect(seen.filter((id) => originals.includes(id))).toEqual(originals); // every original once, in order
    expect(seen.every((id) => originals.includes(id) || late.includes(id))).toBe(true);
  });

  it("pages stay correct when the last instance of a page is purged before the next page", async () => {
    const { client } = await newBaton();
    const all: string[] = [];
    for (let i = 0; i < 7; i++) all.push(await client.startNew(hello, { input: String(i), instanceId: `p-${i}` }));
    for (const id of all) await client.waitForCompletion(id, { timeout: 20_000 });
    const first = await client.list({ pageSize: 3 });
    expect(first.instances.map((i) => i.instanceId)).toEqual(["p-0", "p-1", "p-2"]);
    expect(await client.purge("p-2")).toBe(true);
    const second = await client.list({ pageSize: 3, continuationToken: first.continuationToken! });
    expect(second.instances.map((i) => i.instanceId)).toEqual(["p-3", "p-4", "p-5"]);
    const third = await client.list({ pageSize: 3, continuationToken: second.continuationToken! });
    expect(third.instances.map((i) => i.instanceId)).toEqual(["p-6"]);
    expect(third.continuationToken).toBeUndefined();
  });

  it("gives no token when the last page is exactly full", async () => {
    const { client } = await newBaton({ start: false });
    for (let i = 0; i < 6; i++) await client.startNew(hello, { input: String(i), instanceId: `full-${i}` });
    const pages = await allPages(client, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3]);
  });
});

describe("purge", () => {
  /** How many rows of each table that holds instance data belong to `instanceId`, read from the store itself. */
  async function rowsOf(url: string, instanceId: string): Promise<Record<string, number>> {
    const snapshot = (await snapshotStore(url)) as Record<string, { instance_id?: string }[]>;
    return Object.fromEntries(
      ["instances", "history_segments", "inbox", "activity_tasks"].map((table) => [
        table,
        snapshot[table]!.filter((row) => row.instance_id === instanceId).length,
      ]),
    );
  }

  it("removes a finished instance and its history", async () => {
    const url = tempStoreUrl();
    const { client } = await newBaton({ store: url });
    const id = await client.startNew(hello, { input: "gone", instanceId: "to-purge" });
    const keep = await client.startNew(hello, { input: "kept", instanceId: "to-keep" });
    await client.waitForCompletion(id, { timeout: 20_000 });
    await client.waitForCompletion(keep, { timeout: 20_000 });
    expect((await rowsOf(url, id)).history_segments).toBeGreaterThan(0);

    expect(await client.purge(id)).toBe(true);
    expect(await client.getStatus(id)).toBeNull();
    expect(await client.getStatus(id, { showHistory: true })).toBeNull();
    expect(await rowsOf(url, id)).toEqual({ instances: 0, history_segments: 0, inbox: 0, activity_tasks: 0 });
    expect(await client.purge(id)).toBe(false);
    expect((await client.getStatus(keep, { showHistory: true }))!.history!.length).toBeGreaterThan(0);

    // The id is free again.
    await client.startNew(hello, { input: "again", instanceId: id });
    expect((await client.waitForCompletion(id, { timeout: 20_000 })).output).toBe("Hello again");
  });

  it("removes Failed and Terminated instances too", async () => {
    const { client } = await newBaton();
    const failed = await client.startNew(failing, { input: "plain" });
    const terminated = await client.startNew(waiter, { input: 1 });
    await waitForStatus(client, terminated, "Running");
    await client.terminate(terminated, "stop");
    await client.waitForCompletion(failed, { timeout: 20_000 });
    await client.waitForCompletion(terminated, { timeout: 20_000 });
    expect(await client.purge(failed)).toBe(true);
    expect(await client.purge(terminated)).toBe(true);
    expect((await client.list()).instances).toEqual([]);
  });
});

describe("createClient in a process without a worker", () => {
  it("starts a name a started worker announced, reads its status, and closes", async () => {
    const url = tempStoreUrl();
    const client = await newClient(url);
    await expect(client.startNew("Hello", { input: "early" })).rejects.toBeInstanceOf(NotRegisteredError);

    await newBaton({ store: url }); // started: announces its functions to the store
    const id = await client.startNew("Hello", { input: "Di" });
    const byDefinition = await client.startNew(hello, { input: "Ed" });
    const done = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(done).toMatchObject({ instanceId: id, name: "Hello", runtimeStatus: "Completed", input: "Di", output: "Hello Di" });
    expect((await client.waitForCompletion(byDefinition, { timeout: 20_000 })).output).toBe("Hello Ed");
    expect(ids((await client.list({ name: "Hello" })).instances)).toEqual([id, byDefinition].sort());
    await expect(client.startNew("NotAnnounced")).rejects.toBeInstanceOf(NotRegisteredError);
    await client.close();
    await client.close(); // closing twice is harmless
  });

  it("rejects every call with ClosedError after close()", async () => {
    const url = tempStoreUrl();
    const baton = await newBaton({ store: url });
    const id = await baton.client.startNew(waiter, { input: 1, instanceId: "open-one" });
    await waitForStatus(baton.client, id, "Running");
    const client = await newClient(url);
    await client.close();
    const calls: [string, () => Promise<unknown>][] = [
      ["startNew", () => client.startNew(waiter, { input: 2 })],
      ["getStatus", () => client.getStatus(id)],
      ["waitForCompletion", () => client.waitForCompletion(id, { timeout: 1000 })],
      ["raiseEvent", () => client.raiseEvent(id, "Go", 1)],
      ["terminate", () => client.terminate(id, "closed")],
      ["purge", () => client.purge(id)],
      ["list", () => client.list()],
    ];
    for (const [name, call] of calls) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(ClosedError);
      expect((error as ClosedError).code, name).toBe("CLOSED");
      expect((error as ClosedError).message, name).toContain("createClient()");
    }
    // Nothing reached the store: the instance still waits.
    expect((await baton.client.getStatus(id))!.runtimeStatus).toBe("Running");
  });

  it("a baton's client rejects with ClosedError after baton.stop()", async () => {
    const baton = await newBaton();
    await baton.stop();
    await expect(baton.client.getStatus("anything")).rejects.toBeInstanceOf(ClosedError);
    await expect(baton.client.startNew(hello, { input: "x" })).rejects.toBeInstanceOf(ClosedError);
  });
});

describe("activity retries", () => {
  async function run(orchestrationName: string, input: unknown): Promise<{ status: InstanceStatus; seen: { attempt: number; key: string }[] }> {
    const { client } = await newBaton();
    const id = await client.startNew(orchestrationName, { input });
    await client.waitForCompletion(id, { timeout: 20_000 });
    const status = (await client.getStatus(id, { showHistory: true }))!;
    return { status, seen: attemptsSeen.get(id) ?? [] };
  }
  const count = (status: InstanceStatus, type: string, name?: string) =>
    status.history!.filter((e) => e.type === type && (name === undefined || e.name === name)).length;

  it("a definition's retry runs the failed attempts again with one idempotency key, without adding history", async () => {
    const { status, seen } = await run("CallFlaky", 2);
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: { value: "ok on attempt 3" } });
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    expect(count(status, "TaskScheduled", "Flaky")).toBe(1);
    expect(count(status, "TaskCompleted")).toBe(1);
    expect(count(status, "TaskFailed")).toBe(0);
    expect(count(status, "TimerCreated")).toBe(0);
  });

  it("after the last attempt the orchestration catches ActivityFailedError with the attempt count", async () => {
    const { status, seen } = await run("CallFlaky", 3);
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({
      failed: { isActivityFailed: true, code: "ACTIVITY_FAILED", activityName: "Flaky", attempts: 3, cause: "FlakyError: attempt 3 failed" },
    });
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(count(status, "TaskScheduled", "Flaky")).toBe(1);
    expect(count(status, "TaskFailed")).toBe(1);
    expect(status.history!.find((e) => e.type === "TaskFailed")).toMatchObject({ attempts: 3 });
  });

  it("a call's own retry wins over the definition's", async () => {
    const { status, seen } = await run("CallFlakyOnce", 2);
    expect(status.output).toMatchObject({ failed: { attempts: 1, cause: "FlakyError: attempt 1 failed" } });
    expect(seen.map((s) => s.attempt)).toEqual([1]);
  });

  it("a definition's retryIf that returns false stops after the first attempt", async () => {
    const { status, seen } = await run("CallPicky", "PermanentError");
    expect(status.output).toMatchObject({
      failed: { activityName: "Picky", attempts: 1, cause: "PermanentError: PermanentError on attempt 1" },
    });
    expect(seen.map((s) => s.attempt)).toEqual([1]);
  });

  it("a definition's retryIf that returns true keeps retrying up to maxAttempts", async () => {
    const { status, seen } = await run("CallPicky", "TransientError");
    expect(status.output).toMatchObject({ failed: { attempts: 3, cause: "TransientError: TransientError on attempt 3" } });
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
  });

  it("a call-level retry with retryIf retries from the orchestration, with one idempotency key", async () => {
    const { status, seen } = await run("CallPlainWithRetryIf", { failTimes: 2, errorName: "TransientError" });
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: { value: "ok on attempt 3" } });
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    // The orchestration decides each retry: one task per attempt, a durable timer between.
    expect(count(status, "TaskScheduled", "Plain")).toBe(3);
    expect(count(status, "TimerCreated")).toBe(2);
  });

  it("a call-level retryIf that returns false stops after the first attempt", async () => {
    const { status, seen } = await run("CallPlainWithRetryIf", { failTimes: 2, errorName: "PermanentError" });
    expect(status.output).toEqual({
      failed: { isActivityFailed: true, code: "ACTIVITY_FAILED", activityName: "Plain", attempts: 1, cause: "PermanentError: attempt 1 failed" },
    });
    expect(seen.map((s) => s.attempt)).toEqual([1]);
  });

  it("a call-level retryIf gives up after maxAttempts", async () => {
    const { status, seen } = await run("CallPlainWithRetryIf", { failTimes: 5, errorName: "TransientError" });
    expect(status.output).toMatchObject({ failed: { attempts: 3, cause: "TransientError: attempt 3 failed" } });
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
  });
});
