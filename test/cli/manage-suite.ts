/**
 * The management commands, as real processes, against the store (--store) or a running API
 * (--url): what they print, --json, and their exit codes. manage-store.test.ts and
 * manage-api.test.ts run this suite once each.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { serveHttpApi, type HttpApiServer } from "../../src/index.js";
import { UNAUTHORIZED_MESSAGE } from "../../src/http/auth.js";
import { waitForHistoryEvent, waitForStatus, waitUntil } from "../helpers/wait.js";
import { EXIT, runBaton, type Finished } from "./cli-kit.js";
import { BULK, managedStore, pool, type ManagedStore } from "./manage-kit.js";

const TOKEN = "s3cret-token";
/** Child processes at once: each costs a second or two of CPU on a shared 2-core machine. */
const WIDTH = 6;
/** Generous: on a loaded machine one process may take half a minute to start. */
const TIMEOUT = 240_000;
const BULK_IDS = Array.from({ length: BULK }, (_, i) => `bulk-${String(i).padStart(4, "0")}`).sort();

export function managementSuite(mode: "store" | "api"): void {
  let dir: string;
  let cwd: string;
  let managed: ManagedStore;
  let server: HttpApiServer | undefined;
  let target: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `baton-cli-${mode}-`));
    cwd = mkdtempSync(join(tmpdir(), `baton-cli-${mode}-cwd-`));
    managed = await managedStore(dir);
    if (mode === "api") {
      server = await serveHttpApi(managed.baton.client, { port: 0, token: TOKEN });
      // --url wins over --store: the store named here does not exist, and is not created.
      target = ["--store", `sqlite:${join(cwd, "never.db")}`, "--url", server.url, "--token", TOKEN];
    } else {
      target = ["--store", managed.storeUrl];
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await managed?.baton.stop();
    for (const path of [dir, cwd]) if (path) rmSync(path, { recursive: true, force: true });
  });

  /** Runs each command line (after the store or API options) at once, up to WIDTH at a time. */
  const run = (commands: readonly (readonly string[])[]): Promise<Finished[]> =>
    pool(commands, WIDTH, (args) => runBaton([...target, ...args], { cwd, timeoutMs: 150_000 }));

  const ok = (exit: Finished, what: string): string => {
    expect({ what, code: exit.code, stderr: exit.stderr }).toEqual({ what, code: EXIT.OK, stderr: "" });
    return exit.stdout;
  };
  const lines = (text: string): string[] => text.trimEnd().split("\n");
  const json = (exit: Finished, what: string): unknown => JSON.parse(ok(exit, what)) as unknown;

  it("status, history (timeline), list: a table, --json, --limit, --all across pages", async () => {
    if (mode === "store") {
      // The status card is the head of `history`; `status` itself is run in the next tests.
      const [history, table, all] = await run([
        ["history", "done-1"],
        ["list", "--name", "Hello", "--limit", "2"],
        ["list", "--prefix", "bulk-", "--all", "--json"],
      ]);
      checkTimeline(ok(history!, "history"));

      // Oldest first, 2 of 3, and a hint that there are more.
      const tableLines = lines(ok(table!, "list --limit 2"));
      expect(tableLines[0]).toMatch(/^INSTANCE {2}NAME {3}STATUS {5}CREATED {19}OUTPUT$/);
      expect(tableLines.slice(1)).toEqual([
        expect.stringMatching(/^done-1 {4}Hello  Completed  \d{4}-\d\d-\d\dT[\d:.]+Z  "Hello, Ada!"$/),
        expect.stringMatching(/^done-2 {4}Hello  Completed  \d{4}-\d\d-\d\dT[\d:.]+Z  "Hello, Bo!"$/),
        "(more: --limit or --all)",
      ]);

      // 1005 instances: more than one page (1000).
      const every = json(all!, "list --all --json") as { instanceId: string; runtimeStatus: string }[];
      expect(every.map((s) => s.instanceId).sort()).toEqual(BULK_IDS);
      expect(every.every((s) => s.runtimeStatus === "Pending" && !("input" in s))).toBe(true);
    } else {
      const [status, history, overOnePage] = await run([
        ["status", "done-1", "--json"],
        ["history", "done-1"],
        ["list", "--prefix", "bulk-", "--limit", "1002", "--json"],
      ]);
      expect(json(status!, "status --json")).toMatchObject({
        instanceId: "done-1",
        name: "Hello",
        runtimeStatus: "Completed",
        input: "Ada",
        output: "Hello, Ada!",
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      checkTimeline(ok(history!, "history"));
      // 1002 instances: more than one page (1000). Without inputs, as from the store.
      const twoPages = json(overOnePage!, "list --limit 1002 --json") as { instanceId: string; runtimeStatus: string; input?: unknown }[];
      expect(twoPages.map((s) => s.instanceId).sort()).toEqual(BULK_IDS.slice(0, 1002));
      expect(twoPages.every((s) => s.runtimeStatus === "Pending" && !("input" in s))).toBe(true);
    }
  }, TIMEOUT);

  /** The status card, a blank line, then one line per event with its offset from the first. */
  function checkTimeline(text: string): void {
    const historyLines = lines(text);
    const blank = historyLines.indexOf("");
    expect(historyLines.slice(0, blank)).toEqual([
      "done-1  Hello  Completed",
      expect.stringMatching(/^created {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
      expect.stringMatching(/^updated {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
      'input     "Ada"',
      'output    "Hello, Ada!"',
    ]);
    const timeline = historyLines.slice(blank + 1);
    expect(timeline[0]).toMatch(/^ {4}\+0\.000s {2}episode$/);
    // Greet ran inline (one episode) or from the queue (two): "episode" lines are left out.
    expect(timeline.map((line) => line.replace(/^ +\+\d+\.\d{3}s {2}/, "")).filter((line) => line !== "episode")).toEqual([
      'started Hello with "Ada"',
      'call #0 Greet("Ada")',
      'done #0 → "Hello, Ada!"',
      'completed → "Hello, Ada!"',
    ]);
  }

  it("raise (JSON data), terminate, suspend, resume, rewind (--reason), restart, purge by id", async () => {
    const { client } = managed.baton;
    const restartedFrom = (await client.getStatus("done-2"))!.createdAt;
    managed.state.failing = false; // the fix is deployed: rewinding fail-1 completes it
    const json = mode === "api" ? ["--json"] : [];
    // Over the API, terminate, suspend, resume and rewind are one code path (POST …/<action>?reason=):
    // suspend is left out there to spare a process.
    const [raise, terminate, resume, rewind, restart, purge, suspend] = await run([
      ["raise", "wait-1", "go", '{"n":1,"tags":["a"]}', ...json],
      ["terminate", "wait-2", "--reason", "no longer needed", ...json],
      ["resume", "wait-4", "--reason", "carry on", ...json], // suspended by managedStore
      ["rewind", "fail-1", "--reason", "Flaky fixed", ...json],
      ["restart", "done-2", ...json],
      ["purge", "done-3", ...json],
      ...(mode === "store" ? [["suspend", "wait-3", "--reason", "hold it"]] : []),
    ]);
    if (mode === "api") {
      expect(json_(raise!)).toEqual({ instanceId: "wait-1", event: "go", raised: true });
      expect(json_(terminate!)).toEqual({ instanceId: "wait-2", action: "terminate", accepted: true });
      expect(json_(resume!)).toEqual({ instanceId: "wait-4", action: "resume", accepted: true });
      expect(json_(rewind!)).toEqual({ instanceId: "fail-1", action: "rewind", accepted: true });
      expect(json_(restart!)).toEqual({ instanceId: "done-2", restarted: true });
      expect(json_(purge!)).toEqual({ purged: 1 });
    } else {
      expect(ok(raise!, "raise")).toBe('raised "go" on wait-1\n');
      expect(ok(terminate!, "terminate")).toBe("terminate: wait-2\n");
      expect(ok(suspend!, "suspend")).toBe("suspend: wait-3\n");
      expect(ok(resume!, "resume")).toBe("resume: wait-4\n");
      expect(ok(rewind!, "rewind")).toBe("rewind: fail-1\n");
      expect(ok(restart!, "restart")).toBe("restarted done-2\n");
      expect(ok(purge!, "purge")).toBe("purged done-3\n");
    }

    expect((await waitForStatus(client, "wait-1", "Completed")).output).toEqual({ n: 1, tags: ["a"] });
    expect((await waitForStatus(client, "wait-2", "Terminated")).output).toBe("no longer needed");
    if (mode === "store") await waitForStatus(client, "wait-3", "Suspended");
    // The resumed instance's next episode records the suspension and the resumption, with their reasons.
    const resumed = await waitForHistoryEvent(client, "wait-4", "ExecutionResumed");
    expect(resumed.filter((e) => e.type.startsWith("ExecutionS") || e.type === "ExecutionResumed")).toMatchObject([
      { type: "ExecutionStarted" },
      { type: "ExecutionSuspended", reason: "hold on" },
      { type: "ExecutionResumed", reason: "carry on" },
    ]);
    const rewound = await waitForStatus(client, "fail-1", "Completed");
    expect(rewound.output).toBe("fixed");
    expect(rewound.history?.find((e) => e.type === "ExecutionRewound")).toMatchObject({ reason: "Flaky fixed" });
    const restarted = await waitUntil(async () => {
      const status = await client.getStatus("done-2");
      return status?.runtimeStatus === "Completed" && status.createdAt > restartedFrom ? status : undefined;
    }, "done-2 to complete again");
    expect(restarted.output).toBe("Hello, Bo!");
    expect(await client.getStatus("done-3")).toBeNull();
  }, TIMEOUT);

  it("purge --status Completed deletes every completed instance and says how many", async () => {
    const { client } = managed.baton;
    const completed = (await client.list({ runtimeStatus: ["Completed"], pageSize: 1000 })).instances.map((s) => s.instanceId).sort();
    expect(completed).toEqual(["done-1", "done-2", "fail-1", "wait-1"]);
    const [purge] = await run([["purge", "--status", "Completed", ...(mode === "api" ? ["--json"] : [])]]);
    if (mode === "api") expect(json_(purge!)).toEqual({ purged: 4 });
    else expect(ok(purge!, "purge --status")).toBe("purged 4 instances\n");
    expect((await client.list({ runtimeStatus: ["Completed"] })).instances).toEqual([]);
    expect(await client.getStatus("wait-2")).toMatchObject({ runtimeStatus: "Terminated" });
  }, TIMEOUT);

  it("start-new: starts an instance with JSON input and an id, prints the id; a misspelt name is refused with a suggestion", async () => {
    const id = `started-${mode}`;
    const [plain, asJson, misspelt] = await run([
      ["start-new", "Hello", '"Di"', "--id", id],
      ["start-new", "Hello", '"Ed"', "--json"],
      ["start-new", "Helo", '"Fay"', "--id", `never-${mode}`],
    ]);
    expect(ok(plain!, "start-new")).toBe(`${id}\n`);
    const started = json(asJson!, "start-new --json") as { instanceId: string; name: string; started: boolean };
    expect(started).toMatchObject({ name: "Hello", started: true });
    expect(await waitForStatus(managed.baton.client, id, "Completed")).toMatchObject({ output: "Hello, Di!" });
    expect(await waitForStatus(managed.baton.client, started.instanceId, "Completed")).toMatchObject({ output: "Hello, Ed!" });
    expect({ code: misspelt!.code, stdout: misspelt!.stdout }).toEqual({ code: EXIT.NOT_FOUND, stdout: "" });
    expect(misspelt!.stderr).toMatch(/^baton: NOT_REGISTERED: .*Did you mean "Hello"\?/);
    expect(await managed.baton.client.getStatus(`never-${mode}`)).toBeNull();
  }, TIMEOUT);

  it("exit codes: 2 usage, 3 not found, 4 conflict" + (mode === "api" ? ", 5 unavailable, 6 unauthorized" : ""), async () => {
    const cases: [args: string[], code: number, says: string | RegExp][] =
      mode === "store"
        ? [
            [["list", "--status", "Bogus"], EXIT.USAGE, 'unknown status "Bogus"; use Pending, Running, Completed'],
            [["raise"], EXIT.USAGE, "error: missing required argument 'instanceId'"],
            [["raise", "wait-3", "go", "{bad"], EXIT.USAGE, "not JSON: {bad (strings need quotes"],
            [["status", "nope"], EXIT.NOT_FOUND, 'baton: INSTANCE_NOT_FOUND: No instance "nope". List instances with `baton list`.'],
            [["raise", "wait-2", "go"], EXIT.CONFLICT, /^baton: INSTANCE_NOT_RUNNING: /],
          ]
        : [
            [["purge", "--status", "Running"], EXIT.USAGE, /^baton: INVALID_ARGUMENT: purgeWhere: runtimeStatus must be an array of finished statuses/],
            [["history", "nope"], EXIT.NOT_FOUND, 'baton: INSTANCE_NOT_FOUND: No instance "nope".'],
            [["restart", "wait-3"], EXIT.CONFLICT, /^baton: INSTANCE_NOT_FINISHED: /],
            [["list", "--url", await closedPortUrl()], EXIT.UNAVAILABLE, /^baton: API_UNREACHABLE: Cannot reach the Baton API at http:\/\/127\.0\.0\.1:\d+/],
            [["status", "wait-2", "--token", "wrong"], EXIT.UNAUTHORIZED, `baton: UNAUTHORIZED: ${UNAUTHORIZED_MESSAGE}`],
          ];
    // A case's own --url or --token comes after the suite's, and wins.
    const exits = await run(cases.map(([args]) => args));
    cases.forEach(([args, code, says], i) => {
      const exit = exits[i]!;
      const what = args.join(" ");
      expect({ what, code: exit.code, stdout: exit.stdout }).toEqual({ what, code, stdout: "" });
      if (typeof says === "string") expect(exit.stderr, what).toContain(says);
      else expect(exit.stderr, what).toMatch(says);
    });
    // The commands never touched the working directory (no default store created there).
    expect(readdirSync(cwd)).toEqual([]);
  }, TIMEOUT);

  if (mode === "store") {
    it("takes the store from --store, over BATON_URL; else from BATON_STORE, over the config file's", async () => {
      const elsewhere = mkdtempSync(join(tmpdir(), "baton-cli-config-store-"));
      const other = mkdtempSync(join(tmpdir(), "baton-cli-env-store-"));
      try {
        writeFileSync(join(elsewhere, "baton.config.json"), JSON.stringify({ store: managed.storeUrl }));
        writeFileSync(join(other, "baton.config.json"), JSON.stringify({ store: "sqlite:./from-file.db" }));
        const unreachable = await closedPortUrl();
        const [fromConfig, fromEnv, flagOverEnv] = await pool<{ cwd: string; args: string[]; env: Record<string, string> }, Finished>(
          [
            { cwd: elsewhere, args: ["status", "wait-2", "--json"], env: {} },
            { cwd: other, args: ["status", "wait-2", "--json"], env: { BATON_STORE: managed.storeUrl } },
            { cwd, args: ["--store", managed.storeUrl, "status", "wait-2", "--json"], env: { BATON_URL: unreachable } },
          ],
          WIDTH,
          ({ cwd: where, args, env }) => runBaton(args, { cwd: where, env, timeoutMs: 150_000 }),
        );
        for (const [exit, what] of [[fromConfig!, "config"], [fromEnv!, "BATON_STORE"], [flagOverEnv!, "--store over BATON_URL"]] as const) {
          expect(json(exit, what)).toMatchObject({ instanceId: "wait-2", runtimeStatus: "Terminated" });
        }
        expect(readdirSync(other).sort()).toEqual(["baton.config.json"]);
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
        rmSync(other, { recursive: true, force: true });
      }
    }, TIMEOUT);
  }

  function json_(exit: Finished): unknown {
    return json(exit, "--json");
  }
}

/** http://127.0.0.1:<a port nobody listens on> */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}
