/**
 * Every public call that takes an options or filter object refuses a key it does not know,
 * with InvalidArgumentError, the name of the call, the key, the key it most likely meant and
 * the known ones — and, for calls on a store, nothing stored changes. One row per call: a new
 * public options object gets a row here.
 *
 * Inside orchestration code the refusal is an argument error like any other there: the
 * instance fails with it (failureDetails carries its code, name and message).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  activity,
  createBaton,
  createClient,
  createHttpApi,
  migrateStore,
  orchestration,
  serveHttpApi,
  type Baton,
  type BatonClient,
} from "../../src/index.js";
import { loadConfig } from "../../src/host/load-config.js";
import { snapshotStore } from "../helpers/store-snapshot.js";
import { tempDir, tempSqliteUrl } from "../helpers/temp-store.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const double = activity("Double", async (n: number) => n * 2);
const child = orchestration("Child", async (_ctx, n: number) => n);
// Each makes one call with a misspelt option; `as never` stands for untyped (JavaScript) callers.
const inCode = {
  callActivity: orchestration("BadCallActivity", async (ctx) => ctx.callActivity(double, 1, { timout: "1s" } as never)),
  callActivityRetry: orchestration("BadCallActivityRetry", async (ctx) => ctx.callActivity(double, 1, { retry: { maxAttempt: 3 } as never })),
  callSubOrchestrator: orchestration("BadCallSub", async (ctx) => ctx.callSubOrchestrator(child, 1, { instanceID: "c-1" } as never)),
  waitForExternalEvent: orchestration("BadWait", async (ctx) => ctx.waitForExternalEvent("Go", { timout: "1s" } as never)),
  map: orchestration("BadMap", async (ctx) => ctx.map([1, 2], (n) => ctx.callActivity(double, n), { concurency: 1 } as never)),
  continueAsNew: orchestration("BadContinue", async (ctx) => ctx.continueAsNew(1, { preserveUnprocessedEvent: false } as never)),
};
const FUNCTIONS = [double, child, ...Object.values(inCode)];

interface Kit {
  url: string;
  baton: Baton;
  client: BatonClient;
}

interface Row {
  /** The call as its user writes it, which the message starts with. */
  where: string;
  noun?: "option" | "filter key" | "key";
  misspelt: string;
  /** The suggestion; undefined when no known key is close. */
  meant: string | undefined;
  run: (kit: Kit) => unknown;
  /** The call runs orchestration code: the error arrives as the instance's failure. */
  inOrchestration?: true;
}

const ROWS: Row[] = [
  { where: "createBaton", misspelt: "maxConcurentActivities", meant: "maxConcurrentActivities", run: ({ url }) => createBaton({ store: url, functions: FUNCTIONS, maxConcurentActivities: 5 } as never) },
  { where: "activities.Double", misspelt: "concurency", meant: "concurrency", run: ({ url }) => createBaton({ store: url, functions: FUNCTIONS, activities: { Double: { concurency: 2 } as never } }) },
  { where: "retry", noun: "key", misspelt: "maxAttemps", meant: "maxAttempts", run: ({ url }) => createBaton({ store: url, functions: FUNCTIONS, defaultActivityRetry: { maxAttemps: 2 } as never }) },
  { where: "createClient", misspelt: "maxPayloadByte", meant: "maxPayloadBytes", run: ({ url }) => createClient({ store: url, maxPayloadByte: 10 } as never) },
  { where: "stop", misspelt: "timeout", meant: "timeoutMs", run: ({ baton }) => baton.stop({ timeout: 10 } as never) },
  { where: "startNew", misspelt: "instanceID", meant: "instanceId", run: ({ client }) => client.startNew(child, { instanceID: "x", input: 1 } as never) },
  { where: "startNew", misspelt: "cronSchedule", meant: undefined, run: ({ client }) => client.startNew("Child", { cronSchedule: "* * * * *" } as never) },
  { where: "getStatus", misspelt: "showHistroy", meant: "showHistory", run: ({ client }) => client.getStatus("done-1", { showHistroy: true } as never) },
  { where: "waitForCompletion", misspelt: "timout", meant: "timeout", run: ({ client }) => client.waitForCompletion("done-1", { timout: 10 } as never) },
  { where: "list", noun: "filter key", misspelt: "runtimestatus", meant: "runtimeStatus", run: ({ client }) => client.list({ runtimestatus: ["Failed"] } as never) },
  { where: "purgeWhere", noun: "filter key", misspelt: "runtimestatus", meant: "runtimeStatus", run: ({ client }) => client.purgeWhere({ runtimestatus: ["Completed"] } as never) },
  { where: "purgeWhere", misspelt: "onprogress", meant: "onProgress", run: ({ client }) => client.purgeWhere({ runtimeStatus: ["Completed"] }, { onprogress: () => {} } as never) },
  { where: 'activity("Fetch")', misspelt: "timout", meant: "timeout", run: () => activity("Fetch", async () => 1, { timout: "5s" } as never) },
  { where: 'orchestration("Flow")', misspelt: "version", meant: undefined, run: () => orchestration("Flow", async () => 1, { version: 2 } as never) },
  { where: 'activity("Fetch")', misspelt: "retries", meant: undefined, run: () => activity("Fetch", async () => 1, { retries: 3 } as never) },
  { where: "retry", noun: "key", misspelt: "firstRetryIntervalMs", meant: "firstRetryInterval", run: () => activity("Fetch", async () => 1, { retry: { maxAttempts: 2, firstRetryIntervalMs: 5 } as never }) },
  { where: "ctx.callActivity", misspelt: "timout", meant: "timeout", inOrchestration: true, run: () => inCode.callActivity },
  { where: "retry", noun: "key", misspelt: "maxAttempt", meant: "maxAttempts", inOrchestration: true, run: () => inCode.callActivityRetry },
  { where: "ctx.callSubOrchestrator", misspelt: "instanceID", meant: "instanceId", inOrchestration: true, run: () => inCode.callSubOrchestrator },
  { where: "ctx.waitForExternalEvent", misspelt: "timout", meant: "timeout", inOrchestration: true, run: () => inCode.waitForExternalEvent },
  { where: "ctx.map", misspelt: "concurency", meant: "concurrency", inOrchestration: true, run: () => inCode.map },
  { where: "ctx.continueAsNew", misspelt: "preserveUnprocessedEvent", meant: "preserveUnprocessedEvents", inOrchestration: true, run: () => inCode.continueAsNew },
  { where: "createHttpApi", misspelt: "maxBodyByte", meant: "maxBodyBytes", run: ({ client }) => createHttpApi({ client, maxBodyByte: 10 } as never) },
  { where: "serveHttpApi", misspelt: "prot", meant: "port", run: ({ client }) => serveHttpApi(client, { prot: 0 } as never) },
  { where: "migrateStore", misspelt: "onprogress", meant: "onProgress", run: ({ url }) => migrateStore(url, "postgres://postgres@127.0.0.1:5432/test", { onprogress: () => {} } as never) },
  {
    where: "baton.config.json",
    noun: "key",
    misspelt: "stroe",
    meant: "store",
    run: () => {
      const dir = tempDir();
      writeFileSync(join(dir, "baton.config.json"), JSON.stringify({ stroe: "sqlite:./x.db" }));
      return loadConfig({ cwd: dir, env: {} });
    },
  },
];

let kit: Kit;
const batons: Baton[] = [];
beforeEach(async () => {
  const url = tempSqliteUrl();
  const baton = await createBaton({ store: url, functions: FUNCTIONS, logger: quiet, pollIntervalMs: 20 });
  batons.push(baton);
  await baton.start();
  await baton.client.startNew(child, { input: 1, instanceId: "done-1" });
  await baton.client.waitForCompletion("done-1");
  kit = { url, baton, client: baton.client };
});
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
});

/** What the call was refused with: the thrown error, or the failure of the orchestration that made it. */
async function refusal(row: Row): Promise<{ code?: string; name: string; message: string }> {
  if (row.inOrchestration) {
    const id = await kit.client.startNew(row.run(kit) as ReturnType<typeof orchestration>);
    const status = await kit.client.waitForCompletion(id);
    expect(status.runtimeStatus).toBe("Failed");
    return status.failureDetails!;
  }
  const before = await snapshotStore(kit.url);
  try {
    await row.run(kit);
  } catch (error) {
    expect(await snapshotStore(kit.url)).toEqual(before);
    return error as Error & { code: string };
  }
  throw new Error(`${row.where} accepted the option "${row.misspelt}"`);
}

describe("an unknown key in an options or filter object", () => {
  it.each(ROWS.map((row) => [`${row.where} { ${row.misspelt} }`, row] as const))("is refused by %s", async (_label, row) => {
    const error = await refusal(row);
    expect(error.name).toBe("InvalidArgumentError");
    expect(error.code).toBe("INVALID_ARGUMENT");
    const noun = row.noun ?? "option";
    expect(error.message).toContain(`${row.where}: unknown ${noun} "${row.misspelt}".`);
    if (row.meant === undefined) expect(error.message).not.toContain("Did you mean");
    else expect(error.message).toContain(`Did you mean "${row.meant}"?`);
    expect(error.message).toMatch(new RegExp(`Known ${noun}s: \\S`));
  });

  it("names the known options of startNew, so the fix is in the message", async () => {
    await expect(kit.client.startNew(child, { instanceID: "x" } as never)).rejects.toThrow(
      'startNew: unknown option "instanceID". Did you mean "instanceId"? Known options: input, instanceId, startAt, reuseFinished, traceparent, tracestate.',
    );
    expect(await kit.client.getStatus("x")).toBeNull();
  });

  it("says there are none where a call takes no options yet", () => {
    expect(() => orchestration("Flow", async () => 1, { version: 2 } as never)).toThrow(
      'orchestration("Flow"): unknown option "version". Known options: none.',
    );
  });

  it("refuses an options value that is not an object", async () => {
    await expect(kit.client.list(null as never)).rejects.toThrow("list needs an object of filter keys, got null.");
    await expect(kit.client.startNew(child, "input" as never)).rejects.toThrow('startNew needs an object of options, got "input".');
  });

  it("accepts every known key (the check can pass)", async () => {
    const id = await kit.client.startNew(child, { input: 2, instanceId: "known-1", startAt: new Date(), reuseFinished: false });
    await expect(kit.client.waitForCompletion(id, { timeout: "20s" })).resolves.toMatchObject({ output: 2 });
    await expect(kit.client.getStatus(id, { showHistory: false, showInput: true })).resolves.toMatchObject({ input: 2 });
    await expect(kit.client.list({ runtimeStatus: ["Completed"], name: "Child", pageSize: 10 })).resolves.toMatchObject({ instances: [{}, {}] });
  });
});
