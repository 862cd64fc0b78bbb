/**
 * `baton replay-check` as a real process: histories saved with `baton history --json`, or read
 * from the store, replayed against a functions module; exit 0 when all replay, 9 when one diverges.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { BATON_INDEX, EXIT, runBaton } from "./cli-kit.js";

const REPLAY_DIVERGED = 9;
const greet = activity("Greet", async (name: string) => `Hello, ${name}!`);
const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));

/** A functions module whose Hello calls the activity `activityName`. */
function helloModule(dir: string, file: string, activityName: string): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    `import { activity, orchestration } from ${JSON.stringify(BATON_INDEX)};
export const greet = activity(${JSON.stringify(activityName)}, async (name: string) => \`Hello, \${name}!\`);
export const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));
`,
  );
  return path;
}

let store: string;
let dir: string;

beforeAll(async () => {
  // One directory for the whole file (the tests share its store and modules), removed after it.
  dir = mkdtempSync(join(tmpdir(), "baton-replay-check-"));
  store = `sqlite:${join(dir, "baton.db")}`;
  const baton = await createBaton({ store, functions: [greet, hello], logger: silentLogger, pollIntervalMs: 5 });
  await baton.start();
  for (const id of ["h-1", "h-2"]) {
    await baton.client.startNew(hello, { input: id, instanceId: id });
    await baton.client.waitForCompletion(id, { timeout: 20_000 });
  }
  await baton.stop();
  helloModule(dir, "same.ts", "Greet");
  helloModule(dir, "changed.ts", "Welcome");
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("baton replay-check", () => {
  it("replays a file saved by `baton history --json`: exit 0 on the same code, 9 naming the event on changed code", async () => {
    const saved = await runBaton(["history", "h-1", "--json", "--store", store], { cwd: dir });
    expect(saved.code).toBe(EXIT.OK);
    writeFileSync(join(dir, "h-1.json"), saved.stdout);

    const same = await runBaton(["replay-check", "same.ts", "h-1.json"], { cwd: dir });
    expect(same.stderr).toBe("");
    expect(same.code).toBe(EXIT.OK);
    expect(same.stdout.trim()).toBe("ok        h-1  Hello");

    const changed = await runBaton(["replay-check", "changed.ts", "h-1.json"], { cwd: dir });
    expect(changed.code).toBe(REPLAY_DIVERGED);
    const index = (JSON.parse(saved.stdout) as { type: string }[]).findIndex((e) => e.type === "TaskScheduled");
    expect(changed.stdout.trim()).toBe(`diverged  h-1  Hello  event ${index}: history has TaskScheduled "Greet" (step 0), the code scheduled activity "Welcome"`);
    expect(changed.stderr).toMatch(/^baton: REPLAY_DIVERGED: 1 of 1 instance\(s\) do not replay on this code/);
  }, 120_000);

  it("checks every matching instance of a store, as JSON", async () => {
    const changed = await runBaton(["replay-check", "changed.ts", "--store", store, "--json"], { cwd: dir });
    expect(changed.code).toBe(REPLAY_DIVERGED);
    const results = JSON.parse(changed.stdout) as { instanceId: string; ok: boolean; divergence?: { recorded: { name: string }; actual: string } }[];
    expect(results.map((r) => [r.instanceId, r.ok, r.divergence?.recorded.name, r.divergence?.actual])).toEqual([
      ["h-1", false, "Greet", 'scheduled activity "Welcome"'],
      ["h-2", false, "Greet", 'scheduled activity "Welcome"'],
    ]);

    const same = await runBaton(["replay-check", "same.ts", "--store", store, "--status", "Completed", "--name", "Hello"], { cwd: dir });
    expect(same.code).toBe(EXIT.OK);
    expect(same.stdout.trim().split("\n")).toEqual(["ok        h-1  Hello", "ok        h-2  Hello"]);

    const none = await runBaton(["replay-check", "changed.ts", "--store", store, "--name", "Other"], { cwd: dir });
    expect(none.code).toBe(EXIT.OK);
    expect(none.stdout.trim()).toBe("no instances");
  }, 120_000);

  it("refuses a file that holds no history (exit 2)", async () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ instanceId: "x" }));
    const bad = await runBaton(["replay-check", "same.ts", "bad.json"], { cwd: dir });
    expect(bad.code).toBe(EXIT.USAGE);
    expect(bad.stderr).toMatch(/INVALID_ARGUMENT: .*bad\.json holds neither a history nor an instance status/);
  }, 60_000);
});
