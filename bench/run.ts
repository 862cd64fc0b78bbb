/**
 * The benchmark runner.
 *
 *   npm run bench                     every scenario, 3 runs each
 *   npm run bench -- W3 W4            some scenarios
 *   npm run bench -- --runs 5         more runs
 *   npm run bench -- W7 --w7-size 200000   a smaller "large" store for W7 (default 1,000,000)
 *   npm run bench -- --no-write       print only, leave BENCHMARKS.md alone
 *   npm run bench -- --store postgres every scenario on PostgreSQL (BATON_BENCH_POSTGRES_URL,
 *                                     default postgres://postgres@127.0.0.1:5432/test)
 *   npm run bench -- --store both     each scenario on SQLite, then on PostgreSQL
 *
 * Each run of each scenario is a fresh child process (`node --expose-gc --import tsx
 * bench/child.ts <id> <storeUrl>`) on its own new store: a temporary SQLite file, or a fresh
 * PostgreSQL schema dropped after the run (also when it fails or hangs), printing one JSON
 * line of metrics. The runner takes the median of each metric over the runs, prints a
 * table, and records the figures in BENCHMARKS.md with the command, date, machine and store
 * (for PostgreSQL, the server's synchronous_commit and fsync, read before each scenario).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine } from "./machine.js";
import { consoleTable, updateBenchmarksFile, type ScenarioResult } from "./report.js";
import type { Scenario } from "./scenario.js";
import { SCENARIOS, findScenario } from "./scenarios/index.js";
import { median } from "./stats.js";
import { POSTGRES_URL, STORE_KINDS, describePostgres, newRunStore, type RunStore, type StoreKind } from "./stores.js";

/** Printed by child.ts before its error; kept here so the runner does not load the child. */
const FAILURE_MARK = "scenario failed: ";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CHILD = join(ROOT, "bench", "child.ts");
const BENCHMARKS_FILE = join(ROOT, "BENCHMARKS.md");

interface Options {
  scenarios: Scenario[];
  stores: StoreKind[];
  runs: number;
  w7Size: number | undefined;
  write: boolean;
  timeoutMs: number;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { scenarios: [], stores: ["sqlite"], runs: 3, w7Size: undefined, write: true, timeoutMs: 20 * 60_000 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): number => {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} needs a whole number >= 1`);
      return n;
    };
    if (arg === "--runs") options.runs = value();
    else if (arg === "--w7-size") options.w7Size = value();
    else if (arg === "--timeout-min") options.timeoutMs = value() * 60_000;
    else if (arg === "--no-write") options.write = false;
    else if (arg === "--store") {
      const store = args[++i];
      if (store === "both") options.stores = [...STORE_KINDS];
      else if (STORE_KINDS.includes(store as StoreKind)) options.stores = [store as StoreKind];
      else throw new Error(`--store takes ${STORE_KINDS.join(", ")} or both, got ${store ?? "nothing"}`);
    }
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}`);
    else {
      const scenario = findScenario(arg);
      if (!scenario) throw new Error(`no scenario "${arg}"; there are ${SCENARIOS.map((s) => s.id).join(", ")}`);
      options.scenarios.push(scenario);
    }
  }
  if (options.scenarios.length === 0) options.scenarios = [...SCENARIOS];
  return options;
}

/** The commit measured, with "+changes" when src/ differs from it; others may commit while a run goes on. */
function codeVersion(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
    const changed = execFileSync("git", ["status", "--porcelain", "--", "src"], { cwd: ROOT, encoding: "utf8" }).trim();
    return changed ? `${head}+changes` : head;
  } catch {
    return "unknown";
  }
}

type ChildOutcome = { ok: true; metrics: Record<string, number> } | { ok: false; error: string };

/** Runs one scenario once in a fresh process on its own store. */
function runChild(id: string, storeUrl: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolveOutcome) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", CHILD, id, storeUrl], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    currentChild = child;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      process.stderr.write(chunk);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (currentChild === child) currentChild = undefined;
      if (timedOut) return resolveOutcome({ ok: false, error: `no result after ${timeoutMs / 60_000} min (hang?); killed` });
      const line = stdout.trim().split("\n").pop() ?? "";
      if (code === 0) {
        try {
          const parsed = JSON.parse(line) as { id: string; metrics: Record<string, number> };
          return resolveOutcome({ ok: true, metrics: parsed.metrics });
        } catch {
          return resolveOutcome({ ok: false, error: `the child printed no JSON result: ${line.slice(0, 200)}` });
        }
      }
      const failure = stderr.slice(Math.max(0, stderr.lastIndexOf(FAILURE_MARK))).replace(FAILURE_MARK, "");
      const lastLines = failure.trim().split("\n").slice(0, 2).map((l) => l.trim()).join(" ");
      resolveOutcome({ ok: false, error: `exit ${code ?? signal}: ${lastLines || "no output"}` });
    });
  });
}

/** The store of the run in progress and its child process: on Ctrl-C the child is killed, then the store removed. */
let current: RunStore | undefined;
let currentChild: ChildProcess | undefined;
/** Set on Ctrl-C: nothing more is run or written (a killed run is not a failed one). */
let interrupted = false;

async function removeStore(store: RunStore): Promise<void> {
  try {
    await store.cleanup();
  } catch (error) {
    console.error(`could not remove ${store.where}: ${(error as Error).message}; remove it by hand`);
  }
}

async function runScenario(scenario: Scenario, kind: StoreKind, options: Options, command: string): Promise<ScenarioResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const settings: Record<string, string> = {};
  if (scenario.id === "W7" && options.w7Size !== undefined) {
    env.BATON_BENCH_W7_SIZE = String(options.w7Size);
    settings["large size"] = options.w7Size.toLocaleString("en-US");
  }
  const result: ScenarioResult = {
    id: scenario.id,
    command,
    date: new Date().toISOString(),
    machine: describeMachine(tmpdir()),
    runs: [],
    medians: {},
    loadAverages: [],
    ...(Object.keys(settings).length ? { settings } : {}),
  };
  if (kind === "postgres") {
    try {
      result.store = { kind: "postgres", ...(await describePostgres()) };
    } catch (error) {
      result.store = { kind: "postgres", server: "unreachable", version: "?", settings: {} };
      result.failure = `PostgreSQL did not answer (${(error as Error).message}); set BATON_BENCH_POSTGRES_URL or start the server`;
      result.code = codeVersion();
      return result;
    }
  }
  const versions = new Set<string>();
  for (let run = 1; run <= options.runs; run++) {
    versions.add(codeVersion());
    const store = newRunStore(kind, scenario.id, run);
    current = store;
    result.loadAverages.push(loadavg()[0]!);
    const startedAt = Date.now();
    process.stdout.write(`${scenario.id} on ${kind} run ${run}/${options.runs} … `);
    try {
      const outcome = await runChild(scenario.id, store.url, env, options.timeoutMs);
      if (interrupted) return new Promise<never>(() => undefined); // the SIGINT handler removes the store and exits
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
      if (!outcome.ok) {
        process.stdout.write(`failed after ${seconds} s\n`);
        result.failure = `run ${run}: ${outcome.error}`;
        break;
      }
      process.stdout.write(`${seconds} s\n`);
      result.runs.push(outcome.metrics);
    } finally {
      current = undefined;
      await removeStore(store);
    }
  }
  versions.add(codeVersion());
  result.code = [...versions].join(" → ");
  for (const name of Object.keys(scenario.metrics)) {
    const values = result.runs.map((r) => r[name]).filter((v): v is number => typeof v === "number");
    if (values.length > 0) result.medians[name] = median(values);
  }
  return result;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = parseArgs(args);
  const command = `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`;
  if (options.stores.includes("postgres")) {
    // An unreachable server is not a result: stop before anything is run or written.
    await describePostgres().catch((error: unknown) => {
      throw new Error(`PostgreSQL at ${POSTGRES_URL} did not answer (${(error as Error).message}); start it or set BATON_BENCH_POSTGRES_URL`);
    });
  }
  const results: ScenarioResult[] = [];
  process.once("SIGINT", () => {
    interrupted = true;
    const store = current;
    const child = currentChild;
    console.error(`\ninterrupted${store ? `: removing ${store.where}` : ""}`);
    // The child first: while it runs it may still be creating the schema the drop removes.
    const childGone = new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("close", () => resolve());
      child.kill("SIGKILL");
    });
    void childGone
      .then(() => (store ? removeStore(store) : undefined))
      .finally(() => process.exit(130));
  });
  for (const scenario of options.scenarios) {
    for (const kind of options.stores) {
      const result = await runScenario(scenario, kind, options, command);
      results.push(result);
      console.log(`\n${consoleTable(scenario, result)}\n`);
      if (options.write) updateBenchmarksFile(BENCHMARKS_FILE, SCENARIOS, [result]); // keep what is done if a later scenario hangs
    }
  }
  if (options.write) console.log(`Figures written to ${BENCHMARKS_FILE}`);
  const failed = results.filter((r) => r.failure);
  if (failed.length > 0) {
    console.error(`Failed: ${failed.map((r) => `${r.id}${r.store ? ` on ${r.store.kind}` : ""} (${r.failure})`).join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
