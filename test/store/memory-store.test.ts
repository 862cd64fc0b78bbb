/**
 * `sqlite::memory:` is a store in the memory of the baton that opens it: a whole workflow runs
 * with no file, and nothing named ":memory:" appears. Where a store in memory cannot work —
 * a client of its own (it would open another, empty one), the CLI's management commands, the
 * source of migrateStore — it is refused with a message saying what to use.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, createClient, InvalidArgumentError, migrateStore, orchestration, type Baton } from "../../src/index.js";
import { runBaton } from "../cli/cli-kit.js";
import { tempDir } from "../helpers/temp-store.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const addOne = activity("AddOne", async (n: number) => n + 1);
const twice = orchestration("Twice", async (ctx, n: number) => ctx.callActivity(addOne, await ctx.callActivity(addOne, n)));
const waiter = orchestration("Waiter", async (ctx) => ctx.waitForExternalEvent<string>("Go"));

const batons: Baton[] = [];
const cwd = process.cwd();
afterEach(async () => {
  process.chdir(cwd);
  for (const baton of batons.splice(0)) await baton.stop();
});

describe("sqlite::memory:", () => {
  it("runs a whole workflow with no file", async () => {
    const dir = tempDir();
    process.chdir(dir); // a relative path would land here
    const baton = await createBaton({ store: "sqlite::memory:", functions: [addOne, twice, waiter], logger: quiet, pollIntervalMs: 20 });
    batons.push(baton);
    await baton.start();
    const id = await baton.client.startNew(twice, { input: 1 });
    await expect(baton.client.waitForCompletion(id)).resolves.toMatchObject({ runtimeStatus: "Completed", output: 3 });
    const waiting = await baton.client.startNew(waiter, { instanceId: "w-1" });
    await baton.client.raiseEvent(waiting, "Go", "now");
    await expect(baton.client.waitForCompletion(waiting)).resolves.toMatchObject({ output: "now" });
    await expect(baton.client.list({})).resolves.toMatchObject({ instances: [{}, {}] });
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(cwd, ":memory:"))).toBe(false);
  });

  it("is one store per baton: two batons do not share it", async () => {
    const one = await createBaton({ store: "sqlite::memory:", functions: [addOne, twice], logger: quiet });
    const two = await createBaton({ store: "sqlite::memory:", functions: [addOne, twice], logger: quiet });
    batons.push(one, two);
    await one.client.startNew(twice, { input: 1, instanceId: "only-in-one" });
    expect(await two.client.getStatus("only-in-one")).toBeNull();
  });

  it("is refused by createClient: a client of its own would see an empty store", async () => {
    const error = await createClient({ store: "sqlite::memory:" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain('createClient: "sqlite::memory:" is a store in the memory of the baton that opened it');
    expect((error as Error).message).toContain("use that baton's client");
  });

  it("is refused as the source of migrateStore", async () => {
    const error = await migrateStore("sqlite::memory:", "postgres://postgres@127.0.0.1:5432/test").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain("nothing to copy");
  });

  it("is refused by the CLI's management commands, and creates no file", async () => {
    const dir = tempDir();
    const result = await runBaton(["list", "--store", "sqlite::memory:"], { cwd: dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('"sqlite::memory:" is a store in the memory of the baton that opened it');
    expect(readdirSync(dir)).toEqual([]);
  });
});
