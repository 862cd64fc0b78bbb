/**
 * Child processes for crash tests: workers (and other fixtures) started with
 * `node --import tsx`, killed for real with SIGKILL, stopped with SIGTERM, frozen with
 * SIGSTOP. Every child still running after a test is SIGKILLed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterEach } from "vitest";
import { sqlitePath } from "./store-file.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../../..");
const FIXTURES = resolve(HERE, "../fixtures");

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class FixtureProcess {
  readonly pid: number;
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;

  constructor(private readonly proc: ChildProcess) {
    if (proc.pid === undefined) throw new Error("the child process did not start");
    this.pid = proc.pid;
    proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => (this.stdout += chunk));
    proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      proc.on("exit", (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Resolves when the process has printed `line`; rejects if it exits first or after `timeoutMs`. */
  async waitForLine(line: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stdout.split("\n").includes(line)) {
      if (!this.alive) throw new Error(`process ${this.pid} exited (${JSON.stringify(this.exit)}) before printing "${line}":\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`process ${this.pid} did not print "${line}" within ${timeoutMs} ms:\n${this.stderr}`);
      await sleep(10);
    }
  }

  ready(timeoutMs?: number): Promise<void> {
    return this.waitForLine("ready", timeoutMs);
  }

  /** Sends `signal` without waiting (e.g. SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    if (!this.alive) throw new Error(`process ${this.pid} has exited; cannot send ${signal}`);
    this.proc.kill(signal);
  }

  /** Sends `signal` and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<Exit> {
    if (this.alive) this.proc.kill(signal);
    return this.exited;
  }

  /** Waits for the process to exit on its own (e.g. a fault point), failing after `timeoutMs`. */
  async waitForExit(timeoutMs = 20_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`process ${this.pid} did not exit within ${timeoutMs} ms:\n${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const children = new Set<FixtureProcess>();

/** Starts `node --import tsx worker.ts <storeUrl> <logFile>`; `env` adds CRASH_* tuning or BATON_FAULT_POINT. */
export function spawnWorker(storeUrl: string, logFile: string, env: Record<string, string> = {}): FixtureProcess {
  return spawnFixture("worker.ts", [storeUrl, logFile], env);
}

/** Starts `node --import tsx fixtures/<script> ...args`, killed after the test if still running. */
export function spawnFixture(script: string, args: readonly string[], env: Record<string, string> = {}): FixtureProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (env.BATON_FAULT_POINT === undefined) delete childEnv.BATON_FAULT_POINT;
  const proc = spawn(process.execPath, ["--import", "tsx", join(FIXTURES, script), ...args], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = new FixtureProcess(proc);
  children.add(child);
  return child;
}

afterEach(async () => {
  const all = [...children];
  children.clear();
  await Promise.all(all.map((child) => child.kill("SIGKILL")));
});

/** Store trouble a worker reported: lock errors, failed commits, claims or renewals. Expected: none. */
export function storeErrors(workers: readonly FixtureProcess[]): string[] {
  return workers.flatMap((w) =>
    w.stderr
      .split("\n")
      .filter((line) => /^error:|SQLITE_BUSY|database is locked|renewing leases failed/i.test(line))
      .map((line) => `worker ${w.pid}: ${line}`),
  );
}

/**
 * Freezes `worker` (SIGSTOP) at a moment it holds no write lock on the file: a process frozen
 * inside a transaction would block every other process, which is not what a test of lost
 * leases wants. Tries again, briefly thawed, while the lock is held.
 */
export async function freezeOutsideTransaction(worker: FixtureProcess, storeUrl: string, attempts = 200): Promise<void> {
  const db = new Database(sqlitePath(storeUrl), { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 0");
    for (let i = 0; i < attempts; i++) {
      worker.signal("SIGSTOP");
      try {
        db.exec("BEGIN IMMEDIATE");
        db.exec("COMMIT");
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
        worker.signal("SIGCONT");
        await sleep(2);
      }
    }
    throw new Error(`worker ${worker.pid} held the write lock at each of ${attempts} tries`);
  } finally {
    db.close();
  }
}

