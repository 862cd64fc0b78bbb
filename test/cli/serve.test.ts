/**
 * `baton dev` and `baton start` as real processes: the first line names the API's URL, dev
 * prints each instance's timeline live, start reads baton.config.{json,ts} with BATON_*
 * variables over it, and SIGTERM stops both gracefully (running work finishes, exit 0).
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { activity, createBaton, orchestration } from "../../src/index.js";
import { tempDir } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";
import { EXIT, freePort, REPO_ROOT, spawnBaton, startOverHttp, waitOverHttp, writeFunctions } from "./cli-kit.js";

const silentLogger = { debug() {}, info() {}, warn() {}, error() {} };
/** Generous: on a loaded machine one process may take half a minute to start. */
const TIMEOUT = 180_000;
const CLOCK = String.raw`\d\d:\d\d:\d\d\.\d{3}`;

describe("baton dev", () => {
  it("prints the API's URL, then every instance's timeline live; SIGTERM lets the running activity finish, prints stopped, exits 0", async () => {
    const dir = tempDir("baton-cli-dev-");
    writeFunctions(dir);
    const dev = spawnBaton(["dev", "functions.ts", "--port", "0"], { cwd: dir });
    const api = await dev.apiUrl();
    await dev.waitFor(/^All: .*\n/m);

    const lines = dev.stdout.split("\n");
    expect(lines[0]).toMatch(/^baton dev: 5 functions on sqlite:\.\/baton\.db, API at http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(lines[1]).toBe(`baton dev: dashboard at ${api}/dashboard/`);
    expect(api).not.toMatch(/:0$/);
    // The hosted functions and the curl lines.
    expect(dev.stdout).toContain("  activity Greet\n");
    expect(dev.stdout).toContain("  orchestration Hello\n");
    expect(dev.stdout).toContain(`curl -s -X POST ${api}/api/orchestrators/`);

    await startOverHttp(api, "Hello", "h-1", "Ada");
    expect(await waitOverHttp(api, "h-1")).toMatchObject({ runtimeStatus: "Completed", output: "Hello, Ada!" });
    await dev.waitFor(/h-1 Hello {2}completed/);
    const timeline = dev.stdout.split("\n").filter((line) => line.includes(" h-1 "));
    expect(timeline).toEqual([
      expect.stringMatching(new RegExp(`^${CLOCK}  h-1 Hello  started Hello with "Ada"$`)),
      expect.stringMatching(new RegExp(`^${CLOCK}  h-1 Hello  call #0 Greet\\("Ada"\\)$`)),
      expect.stringMatching(new RegExp(`^${CLOCK}  h-1 Hello  done #0 → "Hello, Ada!"$`)),
      expect.stringMatching(new RegExp(`^${CLOCK}  h-1 Hello  completed → "Hello, Ada!"$`)),
    ]);

    // Graceful stop: SIGTERM while an activity runs (it waits for slow-go, created once the stop
    // has begun); it finishes and commits before the exit.
    await startOverHttp(api, "SlowFlow", "s-1", 10);
    await waitUntil(() => existsSync(join(dir, "slow-started")) || undefined, "the Slow activity to start", 60_000);
    dev.signal("SIGTERM");
    await dev.waitFor(/^baton dev: stopping/m);
    writeFileSync(join(dir, "slow-go"), "go");
    const exit = await dev.exited;
    expect(exit.stderr).not.toMatch(/error/i);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: EXIT.OK, signal: null });
    expect(existsSync(join(dir, "slow-done"))).toBe(true);
    // What the last episodes committed while stopping is printed between these two lines.
    const after = exit.stdout.slice(exit.stdout.indexOf("baton dev: stopping")).trimEnd().split("\n");
    expect(after[0]).toBe("baton dev: stopping (running work may take up to 30000 ms)…");
    expect(after.slice(1, -1)).toEqual(after.slice(1, -1).filter((line) => new RegExp(`^${CLOCK}  s-1 SlowFlow  `).test(line)));
    expect(after.at(-1)).toBe("baton dev: stopped");

    // The activity's result was committed before the exit: a new worker completes the instance
    // with it, without running the activity again.
    const slowAgain = activity("Slow", async (_ms: number): Promise<string> => {
      throw new Error("Slow ran again");
    });
    const baton = await createBaton({
      store: `sqlite:${join(dir, "baton.db")}`,
      functions: [slowAgain, orchestration("SlowFlow", async (ctx, ms: number) => ctx.callActivity(slowAgain, ms))],
      logger: silentLogger,
    });
    try {
      await baton.start();
      const status = await baton.client.waitForCompletion("s-1", { timeout: 30_000 });
      expect(status).toMatchObject({ runtimeStatus: "Completed", output: "slept" });
    } finally {
      await baton.stop();
    }
  }, TIMEOUT);
});

describe("baton start", () => {
  /** Starts `baton start` in `dir`; waits for its first line; runs Hello over the API; SIGTERM. */
  async function startRunAndStop(dir: string, env: Record<string, string> = {}) {
    const start = spawnBaton(["start"], { cwd: dir, env });
    const api = await start.apiUrl();
    const firstLine = start.stdout.split("\n")[0];
    await startOverHttp(api, "Hello", "h-1", "Bo");
    const status = await waitOverHttp(api, "h-1");
    start.signal("SIGTERM");
    const exit = await start.exited;
    return { api, firstLine, status, exit };
  }

  it("reads baton.config.ts (defineConfig) and baton.config.json; BATON_HTTP_PORT and BATON_STORE win over the file; SIGTERM exits 0", async () => {
    const [portTs, portJson, portEnv] = [await freePort(), await freePort(), await freePort()];

    const tsDir = tempDir("baton-cli-start-ts-");
    writeFunctions(tsDir);
    writeFileSync(
      join(tsDir, "baton.config.ts"),
      `import { defineConfig } from ${JSON.stringify(join(REPO_ROOT, "src/host/config.ts"))};

export default defineConfig({
  store: "sqlite:./from-ts.db",
  functions: "./functions.ts",
  maxConcurrentActivities: 4,
  http: { port: ${portTs} },
});
`,
    );

    const jsonDir = tempDir("baton-cli-start-json-");
    writeFunctions(jsonDir);
    writeFileSync(
      join(jsonDir, "baton.config.json"),
      JSON.stringify({ store: "sqlite:./from-file.db", functions: "./functions.ts", http: { port: portJson } }),
    );

    const [fromTs, fromJson] = await Promise.all([
      startRunAndStop(tsDir),
      startRunAndStop(jsonDir, { BATON_HTTP_PORT: String(portEnv), BATON_STORE: "sqlite:./from-env.db" }),
    ]);

    // The TypeScript config: its store, functions and port.
    expect(fromTs.firstLine).toBe(`baton start: 5 functions on sqlite:./from-ts.db, API at http://127.0.0.1:${portTs}/api`);
    expect(fromTs.status).toMatchObject({ runtimeStatus: "Completed", output: "Hello, Bo!" });
    expect(existsSync(join(tsDir, "from-ts.db"))).toBe(true);
    expect(existsSync(join(tsDir, "baton.db"))).toBe(false);

    // The JSON config, with the environment over it.
    expect(fromJson.firstLine).toBe(`baton start: 5 functions on sqlite:./from-env.db, API at http://127.0.0.1:${portEnv}/api`);
    expect(fromJson.status).toMatchObject({ runtimeStatus: "Completed", output: "Hello, Bo!" });
    expect(existsSync(join(jsonDir, "from-env.db"))).toBe(true);
    expect(existsSync(join(jsonDir, "from-file.db"))).toBe(false);

    for (const { exit } of [fromTs, fromJson]) {
      expect({ code: exit.code, signal: exit.signal, stderr: exit.stderr }).toEqual({ code: EXIT.OK, signal: null, stderr: "" });
      // start prints no timeline: start-up, then the stop.
      expect(exit.stdout).not.toContain("h-1");
      expect(exit.stdout.trimEnd().split("\n")).toEqual([
        expect.stringMatching(/^baton start: 5 functions on /),
        expect.stringMatching(/^baton start: dashboard at http:\/\/127\.0\.0\.1:\d+\/dashboard\/$/),
        "baton start: stopping (running work may take up to 30000 ms)…",
        "baton start: stopped",
      ]);
    }
  }, TIMEOUT);
});
