/**
 * Bad input gets a clear error and loses nothing (DESIGN): every call below is rejected with
 * a named error and its stable code, the message names the subject and the fix, and the store
 * (SQLite file or PostgreSQL schema) holds exactly the rows it held before the call.
 *
 * Each test starts from a store with real data: one instance run to completion ("done-1") and
 * one Running, waiting for an event ("waiting-1"), with the baton still running.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  activity,
  BatonError,
  createBaton,
  createClient,
  InstanceAlreadyExistsError,
  InstanceNotFinishedError,
  InstanceNotFoundError,
  InstanceNotRunningError,
  InvalidArgumentError,
  NotRegisteredError,
  orchestration,
  PayloadTooLargeError,
  SerializationError,
  type Baton,
  type BatonClient,
  type RuntimeStatus,
} from "../../src/index.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitForStatus } from "../helpers/wait.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const ONE_MIB = 1024 * 1024;

const double = activity("Double", async (n: number) => n * 2);
const chain = orchestration("Chain", async (ctx, n: number) => ctx.callActivity(double, n));
const waitForGo = orchestration("WaitForGo", async (ctx, input: unknown) => {
  const go = await ctx.waitForExternalEvent("Go");
  return { input, go };
});
const echo = orchestration("Echo", async (_ctx, input: unknown) => ({
  isUndefined: input === undefined,
  type: typeof input,
  input,
}));
const measure = orchestration("Measure", async (_ctx, input: string) => input.length);
const FUNCTIONS = [double, chain, waitForGo, echo, measure];

const batons: Baton[] = [];
const clients: BatonClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const baton of batons.splice(0)) await baton.stop();
});

let url: string;
let client: BatonClient;

beforeEach(async () => {
  url = tempStoreUrl();
  // A short poll: startNew in this process does not wake the worker, the poll does.
  const baton = await createBaton({ store: url, functions: FUNCTIONS, logger: quiet, pollIntervalMs: 20 });
  batons.push(baton);
  await baton.start();
  client = baton.client;
  await client.startNew(chain, { input: 21, instanceId: "done-1" });
  const done = await client.waitForCompletion("done-1", { timeout: 20_000 });
  expect(done.runtimeStatus).toBe("Completed");
  await client.startNew(waitForGo, { input: { order: 7 }, instanceId: "waiting-1" });
  await waitForStatus(client, "waiting-1", "Running");
});

type ErrorClass = abstract new (...args: never[]) => BatonError;

/**
 * Runs `call` between two snapshots of the store and checks the rejection: its class,
 * its stable code, the parts its message must mention, and that no row changed.
 */
async function expectRejectedUnchanged(
  call: () => unknown,
  errorClass: ErrorClass,
  code: string,
  mentions: (string | RegExp)[],
): Promise<BatonError> {
  const before = await snapshotStore(url);
  const outcome = await Promise.resolve()
    .then(call)
    .then(
      (value) => ({ resolved: value }),
      (error: unknown) => ({ rejected: error }),
    );
  if (!("rejected" in outcome)) throw new Error(`expected a rejection with ${errorClass.name}, got ${JSON.stringify(outcome.resolved)}`);
  const error = outcome.rejected as BatonError;
  expect(error).toBeInstanceOf(errorClass);
  expect(error.code).toBe(code);
  expect(error.name).toBe(errorClass.name);
  for (const mention of mentions) {
    if (typeof mention === "string") expect(error.message).toContain(mention);
    else expect(error.message).toMatch(mention);
  }
  expect(await snapshotStore(url)).toEqual(before);
  return error;
}

/** `levels` arrays inside each other. */
function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
}

describe("the store snapshot", () => {
  it("sees a call that does write (so the checks below can fail)", async () => {
    const before = await snapshotStore(url);
    await client.startNew(chain, { input: 1, instanceId: "written" });
    expect(await snapshotStore(url)).not.toEqual(before);
  });

  it("holds the seeded data", async () => {
    const snapshot = (await snapshotStore(url)) as Record<string, { instance_id?: string; runtime_status?: string }[]>;
    const statuses = Object.fromEntries(snapshot.instances!.map((row) => [row.instance_id, row.runtime_status]));
    expect(statuses).toEqual({ "done-1": "Completed", "waiting-1": "Running" });
    expect(snapshot.history_segments!.length).toBeGreaterThan(0);
  });
});

describe("startNew", () => {
  it("rejects an orchestration name nobody registered or announced", async () => {
    await expectRejectedUnchanged(() => client.startNew("NoSuchOrchestration"), NotRegisteredError, "NOT_REGISTERED", [
      '"NoSuchOrchestration"',
      "createBaton({ functions })",
    ]);
  });

  it("rejects a definition that was never registered", async () => {
    const stray = orchestration("StrayOrchestration", async () => 1);
    await expectRejectedUnchanged(() => client.startNew(stray), NotRegisteredError, "NOT_REGISTERED", ['"StrayOrchestration"']);
  });

  it("rejects the name of an activity: it is not an orchestration", async () => {
    await expectRejectedUnchanged(() => client.startNew("Double"), NotRegisteredError, "NOT_REGISTERED", [
      'orchestration named "Double"',
    ]);
  });

  it.each([
    ["a function", { callback: () => 1 }, ['contains a function at key "callback"']],
    ["a BigInt", { amount: 10n }, ['contains a bigint at key "amount"']],
    ["a symbol", { tag: Symbol("t") }, ['contains a symbol at key "tag"']],
    ["a top-level function", () => 1, ["contains a function"]],
    ["a cycle", cyclic(), ["cannot be serialized as JSON", "Remove cycles"]],
    ["arrays nested 101 levels deep", nestedArrays(101), ["nests arrays and objects more than 100 levels deep", "Flatten"]],
    ["arrays nested 5,000 levels deep", nestedArrays(5_000), ["nests arrays and objects more than 100 levels deep", "Flatten"]],
  ] as const)("rejects input containing %s", async (_what, input, mentions) => {
    const error = await expectRejectedUnchanged(
      () => client.startNew(chain, { input: input as never, instanceId: "bad-input" }),
      SerializationError,
      "SERIALIZATION_FAILED",
      ['Input of orchestration "Chain"', ...mentions],
    );
    expect(await client.getStatus("bad-input")).toBeNull();
    expect(error.message.length).toBeLessThan(500);
  });

  it("rejects input over the default limit of 1 MiB", async () => {
    const error = await expectRejectedUnchanged(
      () => client.startNew(chain, { input: "x".repeat(ONE_MIB) as never }),
      PayloadTooLargeError,
      "PAYLOAD_TOO_LARGE",
      ['Input of orchestration "Chain"', `${ONE_MIB + 2} bytes`, `limit of ${ONE_MIB} bytes`, "maxPayloadBytes"],
    );
    expect(error).toMatchObject({ bytes: ONE_MIB + 2, limitBytes: ONE_MIB });
  });

  it("accepts input just under the default limit", async () => {
    const id = await client.startNew(measure, { input: "x".repeat(ONE_MIB - 2) });
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(status).toMatchObject({ runtimeStatus: "Completed", output: ONE_MIB - 2 });
  });

  it("rejects input over a small maxPayloadBytes given to createBaton", async () => {
    const before = await snapshotStore(url);
    const small = await createBaton({ store: url, functions: FUNCTIONS, maxPayloadBytes: 64, logger: quiet });
    batons.push(small);
    expect(await snapshotStore(url)).toEqual(before); // opening an up-to-date store writes nothing
    await expectRejectedUnchanged(
      () => small.client.startNew(echo, { input: { text: "y".repeat(64) } }),
      PayloadTooLargeError,
      "PAYLOAD_TOO_LARGE",
      ['Input of orchestration "Echo"', "limit of 64 bytes"],
    );
    await expectRejectedUnchanged(
      () => small.client.raiseEvent("waiting-1", "Go", "z".repeat(100)),
      PayloadTooLargeError,
      "PAYLOAD_TOO_LARGE",
      ['Data of event "Go"', "limit of 64 bytes"],
    );
    // Within the limit the same client writes.
    await small.client.startNew(echo, { input: "short", instanceId: "small-ok" });
    expect(await small.client.getStatus("small-ok")).toMatchObject({ input: "short" });
  });

  it.each([
    ["empty", "", ["non-empty string"]],
    ["201 characters long", "a".repeat(201), ["201 characters", "limit is 200"]],
    ["with a backslash", "orders\\1", ['"orders\\\\1"', "Use letters, digits"]],
    ["with a space", "order 1", ['"order 1"', "Use letters, digits"]],
    ["with a newline", "order\n1", ['"order\\n1"', "Use letters, digits"]],
    ["a single dot", ".", ['"."', "path step"]],
    ["two dots", "..", ['".."', "path step"]],
  ])("rejects an instance id that is %s", async (_what, instanceId, mentions) => {
    await expectRejectedUnchanged(
      () => client.startNew(chain, { input: 1, instanceId }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      mentions,
    );
  });

  it("rejects the id of a Running instance", async () => {
    await expectRejectedUnchanged(
      () => client.startNew(waitForGo, { input: 1, instanceId: "waiting-1" }),
      InstanceAlreadyExistsError,
      "INSTANCE_ALREADY_EXISTS",
      ['"waiting-1"', "reuseFinished"],
    );
  });

  it("rejects the id of a Running instance even with reuseFinished", async () => {
    await expectRejectedUnchanged(
      () => client.startNew(waitForGo, { input: 1, instanceId: "waiting-1", reuseFinished: true }),
      InstanceAlreadyExistsError,
      "INSTANCE_ALREADY_EXISTS",
      ['"waiting-1"'],
    );
    expect(await client.getStatus("waiting-1")).toMatchObject({ runtimeStatus: "Running", input: { order: 7 } });
  });

  it("rejects the id of a Completed instance without reuseFinished", async () => {
    await expectRejectedUnchanged(
      () => client.startNew(chain, { input: 5, instanceId: "done-1" }),
      InstanceAlreadyExistsError,
      "INSTANCE_ALREADY_EXISTS",
      ['"done-1"', "{ reuseFinished: true }"],
    );
    expect(await client.getStatus("done-1")).toMatchObject({ runtimeStatus: "Completed", input: 21, output: 42 });
  });

  it("replaces a Completed instance with reuseFinished: the status shows the new run", async () => {
    const old = (await client.getStatus("done-1", { showHistory: true }))!;
    const id = await client.startNew(chain, { input: 5, instanceId: "done-1", reuseFinished: true });
    expect(id).toBe("done-1");
    const status = await client.waitForCompletion("done-1", { timeout: 20_000 });
    expect(status).toMatchObject({ runtimeStatus: "Completed", input: 5, output: 10 });
    expect(status.createdAt.getTime()).toBeGreaterThanOrEqual(old.createdAt.getTime());
    const history = (await client.getStatus("done-1", { showHistory: true }))!.history!;
    // One run's history, not the old one with the new one appended.
    expect(history.filter((e) => e.type === "ExecutionStarted")).toHaveLength(1);
    expect(history.find((e) => e.type === "ExecutionStarted")).toMatchObject({ input: 5 });
    expect(history.length).toBe(old.history!.length);
  });

  it.each([
    ["a string that is not a date", "next tuesday"],
    ["an invalid Date", new Date("nope")],
  ])("rejects startAt given as %s", async (_what, startAt) => {
    await expectRejectedUnchanged(
      () => client.startNew(chain, { input: 1, startAt }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ["startAt must be a valid Date or an ISO 8601 date string"],
    );
  });

  it.each([
    ["a Date past the largest valid Date", new Date(8.64e15 + 1), "startAt must be a valid Date"],
    ["the largest valid Date", new Date(8.64e15), "+275760-09-13T00:00:00.000Z is more than 100 years ahead"],
    ["a Date 101 years ahead", new Date(Date.now() + 101 * 365.25 * 86_400_000), "is more than 100 years ahead: the latest time allowed now is"],
    ["an ISO string in year 275760", "+275760-01-01T00:00:00Z", "+275760-01-01T00:00:00.000Z is more than 100 years ahead"],
  ])("rejects startAt given as %s, and stores no instance", async (_what, startAt, message) => {
    await expectRejectedUnchanged(
      () => client.startNew(chain, { input: 1, instanceId: "too-late", startAt }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      [message],
    );
    await expect(client.getStatus("too-late")).resolves.toBeNull();
    const { instances } = await client.list({ instanceIdPrefix: "too-late" });
    expect(instances).toEqual([]);
  });

  it("accepts a startAt 99 years ahead: the instance waits as Pending", async () => {
    const startAt = new Date(Date.now() + 99 * 365.25 * 86_400_000);
    await client.startNew(chain, { input: 1, instanceId: "far-ahead", startAt });
    await expect(client.getStatus("far-ahead")).resolves.toMatchObject({ runtimeStatus: "Pending" });
  });

  it("rejects an empty orchestration name", async () => {
    await expectRejectedUnchanged(() => client.startNew(""), InvalidArgumentError, "INVALID_ARGUMENT", ["orchestration name"]);
  });
});

describe("raiseEvent", () => {
  it("rejects a missing instance", async () => {
    const error = await expectRejectedUnchanged(
      () => client.raiseEvent("no-such-instance", "Go", 1),
      InstanceNotFoundError,
      "INSTANCE_NOT_FOUND",
      ['"no-such-instance"', "client.list()"],
    );
    expect(error).toMatchObject({ instanceId: "no-such-instance" });
  });

  it("rejects a finished instance", async () => {
    const error = await expectRejectedUnchanged(
      () => client.raiseEvent("done-1", "Go", 1),
      InstanceNotRunningError,
      "INSTANCE_NOT_RUNNING",
      ['"done-1"', "Completed"],
    );
    expect(error).toMatchObject({ instanceId: "done-1", runtimeStatus: "Completed" });
  });

  it.each([
    ["a function", { reply: () => 1 }, ['contains a function at key "reply"']],
    ["a BigInt", 5n, ["contains a bigint"]],
    ["a symbol", [Symbol("s")], ["contains a symbol"]],
    ["a cycle", cyclic(), ["cannot be serialized as JSON"]],
  ] as const)("rejects data containing %s", async (_what, data, mentions) => {
    await expectRejectedUnchanged(
      () => client.raiseEvent("waiting-1", "Go", data),
      SerializationError,
      "SERIALIZATION_FAILED",
      ['Data of event "Go"', ...mentions],
    );
  });

  it("rejects data nested deeper than 100 levels, naming the limit", async () => {
    const error = await expectRejectedUnchanged(() => client.raiseEvent("waiting-1", "Go", nestedArrays(5_000)), SerializationError, "SERIALIZATION_FAILED", [
      'Data of event "Go" nests arrays and objects more than 100 levels deep',
    ]);
    expect(error.message).not.toContain("cycles");
  });

  it("accepts data nested 100 levels deep", async () => {
    await client.raiseEvent("waiting-1", "Go", nestedArrays(100));
    const done = await client.waitForCompletion("waiting-1", { timeout: 20_000 });
    // The orchestration returns { input, go }: one level more than the limit, so its output is refused.
    expect(done.runtimeStatus).toBe("Failed");
    expect(done.failureDetails).toMatchObject({ code: "SERIALIZATION_FAILED", message: expect.stringContaining("Output of orchestration") });
    const history = (await client.getStatus("waiting-1", { showHistory: true }))!.history!;
    expect(history.find((e) => e.type === "EventRaised")).toMatchObject({ name: "Go", data: nestedArrays(100) });
  });

  it("rejects data over the payload limit", async () => {
    await expectRejectedUnchanged(
      () => client.raiseEvent("waiting-1", "Go", { blob: "b".repeat(ONE_MIB) }),
      PayloadTooLargeError,
      "PAYLOAD_TOO_LARGE",
      ['Data of event "Go"'],
    );
  });

  it("rejects an empty event name and a bad instance id", async () => {
    await expectRejectedUnchanged(() => client.raiseEvent("waiting-1", "", 1), InvalidArgumentError, "INVALID_ARGUMENT", [
      "event name",
    ]);
    await expectRejectedUnchanged(() => client.raiseEvent("waiting 1", "Go", 1), InvalidArgumentError, "INVALID_ARGUMENT", [
      '"waiting 1"',
    ]);
  });

  it("the waiting instance still completes with the first valid event after all that", async () => {
    await expect(client.raiseEvent("waiting-1", "Go", () => 1)).rejects.toBeInstanceOf(SerializationError);
    await client.raiseEvent("waiting-1", "Go", "valid");
    const status = await client.waitForCompletion("waiting-1", { timeout: 20_000 });
    expect(status.output).toEqual({ input: { order: 7 }, go: "valid" });
  });
});

describe("terminate", () => {
  it("rejects a missing instance", async () => {
    await expectRejectedUnchanged(() => client.terminate("no-such-instance", "why"), InstanceNotFoundError, "INSTANCE_NOT_FOUND", [
      '"no-such-instance"',
    ]);
  });

  it("rejects a finished instance", async () => {
    await expectRejectedUnchanged(() => client.terminate("done-1", "why"), InstanceNotRunningError, "INSTANCE_NOT_RUNNING", [
      '"done-1"',
      "Completed",
    ]);
    expect(await client.getStatus("done-1")).toMatchObject({ runtimeStatus: "Completed", output: 42 });
  });

  it("rejects a reason that is not a string", async () => {
    await expectRejectedUnchanged(
      () => client.terminate("waiting-1", { why: "no" } as never),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ["reason must be a string"],
    );
  });
});

describe("purge", () => {
  it("rejects a Running instance", async () => {
    const error = await expectRejectedUnchanged(() => client.purge("waiting-1"), InstanceNotFinishedError, "INSTANCE_NOT_FINISHED", [
      '"waiting-1"',
      "Running",
      "terminate it or wait",
    ]);
    expect(error).toMatchObject({ instanceId: "waiting-1", runtimeStatus: "Running" });
  });

  it("resolves false for a missing instance and writes nothing", async () => {
    const before = await snapshotStore(url);
    await expect(client.purge("no-such-instance")).resolves.toBe(false);
    expect(await snapshotStore(url)).toEqual(before);
  });
});

describe("getStatus", () => {
  it("returns null for a missing id and writes nothing", async () => {
    const before = await snapshotStore(url);
    await expect(client.getStatus("no-such-instance")).resolves.toBeNull();
    await expect(client.getStatus("no-such-instance", { showHistory: true })).resolves.toBeNull();
    expect(await snapshotStore(url)).toEqual(before);
  });

  it("rejects an invalid id", async () => {
    await expectRejectedUnchanged(() => client.getStatus("a?b"), InvalidArgumentError, "INVALID_ARGUMENT", ['"a?b"']);
  });
});

describe("list", () => {
  it.each([0, 5000, 2.5, -1])("rejects pageSize %s", async (pageSize) => {
    await expectRejectedUnchanged(() => client.list({ pageSize }), InvalidArgumentError, "INVALID_ARGUMENT", [
      "pageSize must be a whole number from 1 to 1000",
      `got ${pageSize}`,
    ]);
  });

  it.each([
    ["an unknown status", ["Done"]],
    ["a lower-case status", ["completed"]],
    ["a string instead of an array", "Running"],
    ["a name inherited by every object", ["toString"]],
    ["__proto__", ["__proto__"]],
  ])("rejects runtimeStatus with %s", async (_what, runtimeStatus) => {
    await expectRejectedUnchanged(
      () => client.list({ runtimeStatus: runtimeStatus as RuntimeStatus[] }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ["runtimeStatus must be an array of", "Completed"],
    );
  });

  it.each([
    ["garbage", "garbage!!"],
    ["valid base64 of the wrong JSON", Buffer.from(JSON.stringify({ after: 1 })).toString("base64url")],
    ["an empty string", ""],
  ])("rejects a continuationToken that is %s", async (_what, continuationToken) => {
    await expectRejectedUnchanged(() => client.list({ continuationToken }), InvalidArgumentError, "INVALID_ARGUMENT", [
      "continuationToken",
      "previous page unchanged",
    ]);
  });

  it("rejects createdFrom that is not a valid Date", async () => {
    await expectRejectedUnchanged(
      () => client.list({ createdFrom: new Date("nope") }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ["createdFrom must be a valid Date"],
    );
  });
});

describe("waitForCompletion", () => {
  it.each([1e300, Infinity, NaN, -1, "36526d"])("rejects the timeout %s naming it and the allowed range", async (timeout) => {
    await expectRejectedUnchanged(() => client.waitForCompletion("waiting-1", { timeout: timeout as never }), InvalidArgumentError, "INVALID_ARGUMENT", [
      "waitForCompletion timeout",
      "from 0 to 3155760000000 ms (100 years)",
    ]);
  });
});

describe("createBaton and createClient", () => {
  it("rejects an unknown option and suggests the right key", async () => {
    await expectRejectedUnchanged(
      () => createBaton({ store: url, functions: FUNCTIONS, maxConcurentActivities: 5 } as never),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ['unknown option "maxConcurentActivities"', 'Did you mean "maxConcurrentActivities"?'],
    );
  });

  it("suggests the key for a case slip too", async () => {
    await expectRejectedUnchanged(
      () => createBaton({ store: url, functions: FUNCTIONS, leasems: 100 } as never),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ['Did you mean "leaseMs"?'],
    );
  });

  it("rejects an unknown option of createClient", async () => {
    await expectRejectedUnchanged(
      () => createClient({ store: url, maxPayloadByte: 10 } as never),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ['"maxPayloadByte"', 'Did you mean "maxPayloadBytes"?'],
    );
  });

  it.each([
    ["a plain function", async () => 1],
    ["an object with a name", { name: "Double" }],
    ["null", null],
  ])("rejects %s in functions", async (_what, fn) => {
    await expectRejectedUnchanged(
      () => createBaton({ store: url, functions: [double, fn as never], logger: quiet }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ["not a definition", "activity() or orchestration()"],
    );
  });

  it("rejects functions that is not an array", async () => {
    await expectRejectedUnchanged(
      () => createBaton({ store: url, functions: double as never, logger: quiet }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ["functions must be an array"],
    );
  });

  it("rejects two different definitions with one name", async () => {
    const otherDouble = activity("Double", async (n: number) => n + n);
    await expectRejectedUnchanged(
      () => createBaton({ store: url, functions: [double, otherDouble], logger: quiet }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ['activity definitions are named "Double"', "unique"],
    );
  });

  it("accepts the same definition listed twice", async () => {
    const baton = await createBaton({ store: url, functions: [double, double, chain], logger: quiet });
    batons.push(baton);
    await expect(baton.client.getStatus("done-1")).resolves.toMatchObject({ runtimeStatus: "Completed" });
  });

  it.each([
    ["leaseMs", 1e300, "got 1e+300"],
    ["leaseMs", "36526d", '"36526d" is longer than 100 years'],
    ["pollIntervalMs", Infinity, "got Infinity"],
  ])("rejects %s %s with the allowed range", async (key, value, mention) => {
    await expectRejectedUnchanged(
      () => createBaton({ store: url, functions: FUNCTIONS, logger: quiet, [key]: value }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      [key, mention, "3155760000000 ms (100 years)"],
    );
  });

  it.each([1e300, Infinity, NaN, -1])("stop() rejects timeoutMs %s and does not stop", async (timeoutMs) => {
    const baton = await createBaton({ store: url, functions: FUNCTIONS, logger: quiet, pollIntervalMs: 20 });
    batons.push(baton);
    await baton.start();
    await expectRejectedUnchanged(() => baton.stop({ timeoutMs }), InvalidArgumentError, "INVALID_ARGUMENT", [
      "stop timeoutMs",
      "from 0 to 3155760000000 ms (100 years)",
    ]);
    // Not stopped: a stopped baton's client is closed (its real stop runs after the test).
    await expect(baton.client.getStatus("done-1")).resolves.toMatchObject({ runtimeStatus: "Completed" });
  });

  it("rejects a bad limit", async () => {
    await expectRejectedUnchanged(
      () => createBaton({ store: url, functions: FUNCTIONS, maxConcurrentActivities: 0, logger: quiet }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
      ["maxConcurrentActivities must be a whole number >= 1"],
    );
  });
});

describe("activity() and orchestration()", () => {
  it.each([
    ["activity", () => activity("", async () => 1)],
    ["activity", () => activity("   ", async () => 1)],
    ["orchestration", () => orchestration("", async () => 1)],
  ])("%s() rejects an empty name", (kind, define) => {
    expect(define).toThrow(InvalidArgumentError);
    expect(define).toThrow(`A ${kind} name must be a non-empty string`);
  });

  it.each([
    ["activity", () => activity("NoFn", "not a function" as never)],
    ["orchestration", () => orchestration("NoFn", { run() {} } as never)],
  ])("%s() rejects a second argument that is not a function", (kind, define) => {
    const error = (() => {
      try {
        define();
      } catch (e) {
        return e as BatonError;
      }
      throw new Error("expected a throw");
    })();
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(error.message).toContain(`${kind}("NoFn") needs`);
    expect(error.message).toContain("function");
  });
});

describe("payload round-trip rules", () => {
  it("undefined input stays undefined: in the status and in the orchestration", async () => {
    const id = await client.startNew(echo);
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(status.input).toBeUndefined();
    expect(status.output).toEqual({ isUndefined: true, type: "undefined" });
  });

  it("a Date arrives as its ISO string", async () => {
    const when = new Date(Date.UTC(2026, 1, 3, 4, 5, 6, 7));
    const id = await client.startNew(echo, { input: { when } });
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(status.input).toEqual({ when: "2026-02-03T04:05:06.007Z" });
    expect(status.output).toEqual({ isUndefined: false, type: "object", input: { when: "2026-02-03T04:05:06.007Z" } });
  });

  it("a top-level Date arrives as a string", async () => {
    const id = await client.startNew(echo, { input: new Date(0) });
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    expect(status.output).toEqual({ isUndefined: false, type: "string", input: "1970-01-01T00:00:00.000Z" });
  });

  it("nested undefined is dropped from objects and becomes null in arrays (JSON)", async () => {
    const id = await client.startNew(echo, { input: { a: 1, b: undefined, nested: { c: undefined, d: 2 }, list: [1, undefined] } });
    const status = await client.waitForCompletion(id, { timeout: 20_000 });
    const expected = { a: 1, nested: { d: 2 }, list: [1, null] };
    expect(status.input).toStrictEqual(expected);
    expect((status.output as { input: unknown }).input).toStrictEqual(expected);
  });

  it("event data follows the same rules", async () => {
    await client.raiseEvent("waiting-1", "Go", { at: new Date(0), gone: undefined });
    const status = await client.waitForCompletion("waiting-1", { timeout: 20_000 });
    expect(status.output).toStrictEqual({ input: { order: 7 }, go: { at: "1970-01-01T00:00:00.000Z" } });
  });

  it("undefined event data arrives as undefined", async () => {
    await client.raiseEvent("waiting-1", "Go");
    const status = await client.waitForCompletion("waiting-1", { timeout: 20_000 });
    expect(status.output).toStrictEqual({ input: { order: 7 } });
  });
});
