/**
 * The benchmark runner.
 *
 *   npm run bench                     every scenario, 3 runs each
 *   npm run bench -- W3 W4            some scenarios
 *   npm run bench -- --runs 5         more runs
 *   npm run bench -- W7 --w7-size 200000   a smaller "large" store for W7 (default 1,000,000)
 *   npm run bench -- --no-write       print only, leave BENCHMARKS.md alone
 *
 * Each run of each scenario is a fresh child process (`node --expose-gc --import tsx
 * bench/child.ts <id> <storeFile>`) with its own temporary SQLite file, printing one JSON
 * line of metrics. The runner takes the median of each metric over the runs, prints a
 * table, and records the figures in BENCHMARKS.md with the command, date, machine and store.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine } from "./machine.js";
import { consoleTable, updateBenchmarksFile, type ScenarioResult } from "./report.js";
import type { Scenario } from "./scenario.js";
import { SCENARIOS, findScenario } from "./scenarios/index.js";
import { median } from "./stats.js";

/** Printed by child.ts before its error; kept here so the runner does not load the child. */
const FAILURE_MARK = "scenario failed: ";
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CHILD = join(ROOT, "bench", "child.ts");
const BENCHMARKS_FILE = join(ROOT, "BENCHMARKS.md");

interface Options {
  scenarios: Scenario[];
  runs: number;
  w7Size: number | undefined;
  write: boolean;
  timeoutMs: number;
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { scenarios: [], runs: 3, w7Size: undefined, write: true, timeoutMs: 20 * 60_000 };
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

/** Runs one scenario once in a fresh process on its own store file. */
function runChild(id: string, storeFile: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ChildOutcome> {
  return new Promise((resolveOutcome) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", CHILD, id, storeFile], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
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

async function runScenario(scenario: Scenario, options: Options, command: string): Promise<ScenarioResult> {
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
  const versions = new Set<string>();
  for (let run = 1; run <= options.runs; run++) {
    versions.add(codeVersion());
    const dir = mkdtempSync(join(tmpdir(), `baton-bench-${scenario.id.toLowerCase()}-`));
    result.loadAverages.push(loadavg()[0]!);
    const startedAt = Date.now();
    process.stdout.write(`${scenario.id} run ${run}/${options.runs} … `);
    try {
      const outcome = await runChild(scenario.id, join(dir, "store.db"), env, options.timeoutMs);
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
      if (!outcome.ok) {
        process.stdout.write(`failed after ${seconds} s\n`);
        result.failure = `run ${run}: ${outcome.error}`;
        break;
      }
      process.stdout.write(`${seconds} s\n`);
      result.runs.push(outcome.metrics);
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
  const results: ScenarioResult[] = [];
  for (const scenario of options.scenarios) {
    const result = await runScenario(scenario, options, command);
    results.push(result);
    console.log(`\n${consoleTable(scenario, result)}\n`);
    if (options.write) updateBenchmarksFile(BENCHMARKS_FILE, SCENARIOS, [result]); // keep what is done if a later scenario hangs
  }
  if (options.write) console.log(`Figures written to ${BENCHMARKS_FILE}`);
  const failed = results.filter((r) => r.failure);
  if (failed.length > 0) {
    console.error(`Failed: ${failed.map((r) => `${r.id} (${r.failure})`).join("; ")}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
