/**
 * Child processes for crash tests and the chaos suite: workers (and other fixtures) started
 * with `node --import tsx`, killed for real with SIGKILL, stopped with SIGTERM, frozen with
 * SIGSTOP. Each child's PostgreSQL connections carry an application_name of its own
 * (PGAPPNAME), so a test can find (and terminate) that process's backends and no other.
 * Nothing here depends on vitest: processes.ts kills what is left after each test, and a
 * program outside vitest (test/chaos) calls killAllChildren itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { readActivityLog, unended } from "./activity-log.js";
import { backendsOf } from "./store-postgres.js";
import { storeKind } from "./store-inspection.js";
import { sqlitePath } from "./store-sqlite.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = resolve(HERE, "../../..");
const FIXTURES = resolve(HERE, "../fixtures");

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * How long a child may take to get where a test waits for it (print "ready", exit). A start
 * loads and compiles the sources (tsx): a second or two when idle, tens of seconds on a loaded
 * machine. A bound for a child that hangs, not an expectation.
 */
export const CHILD_TIMEOUT_MS = 120_000;

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

  constructor(
    private readonly proc: ChildProcess,
    /** The application_name of the process's PostgreSQL connections. */
    readonly appName: string,
  ) {
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
  async waitForLine(line: string, timeoutMs = CHILD_TIMEOUT_MS): Promise<void> {
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
  async waitForExit(timeoutMs = CHILD_TIMEOUT_MS): Promise<Exit> {
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
let spawned = 0;

/** Starts `node --import tsx worker.ts <storeUrl> <logFile>`; `env` adds CRASH_* tuning or BATON_FAULT_POINT. */
export function spawnWorker(storeUrl: string, logFile: string, env: Record<string, string> = {}): FixtureProcess {
  return spawnFixture("worker.ts", [storeUrl, logFile], env);
}

/** Starts `node --import tsx fixtures/<script> ...args`, killed after the test if still running. */
export function spawnFixture(script: string, args: readonly string[], env: Record<string, string> = {}): FixtureProcess {
  return spawnScript(join(FIXTURES, script), args, env);
}

/**
 * Starts `node --import tsx <scriptPath> ...args` from the repository's root; its PostgreSQL
 * connections are named `<appNamePrefix>-<this pid>-<counter>`.
 */
export function spawnScript(scriptPath: string, args: readonly string[], env: Record<string, string> = {}, appNamePrefix = "baton-crash"): FixtureProcess {
  // Unique on the server while this test process runs: the test's pid and a counter.
  const appName = `${appNamePrefix}-${process.pid}-${++spawned}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: appName, ...env };
  if (env.BATON_FAULT_POINT === undefined) delete childEnv.BATON_FAULT_POINT;
  const proc = spawn(process.execPath, ["--import", "tsx", scriptPath, ...args], {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = new FixtureProcess(proc, appName);
  children.add(child);
  return child;
}

/** SIGKILLs every child still running (a frozen one too) and waits for each to exit. */
export async function killAllChildren(): Promise<void> {
  const all = [...children];
  children.clear();
  await Promise.all(all.map((child) => child.kill("SIGKILL")));
}

/** What SQLite reports when a write waits too long for the lock. */
const SQLITE_TROUBLE = /SQLITE_BUSY|database is locked/i;
/**
 * What PostgreSQL and its driver report: failed statements or connections that the store's
 * retries did not absorb (StoreUnavailableError messages name PostgreSQL), lock and
 * serialization failures, a schema gone, a constraint broken.
 */
const POSTGRES_TROUBLE =
  /PostgreSQL|deadlock detected|could not serialize|could not obtain lock|canceling statement|terminating connection|Connection terminated|connection error|not queryable|too many clients|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|does not exist|violates|duplicate key/i;

/**
 * Store trouble a worker reported on stderr (its logger writes `error:` and `warn:` lines
 * there): errors, lock errors, failed commits, claims, renewals or heartbeats. Expected: none.
 */
export function storeErrors(workers: readonly FixtureProcess[]): string[] {
  return workers.flatMap((w) =>
    w.stderr
      .split("\n")
      .filter((line) => /^error:|renewing leases failed|heartbeat failed/i.test(line) || SQLITE_TROUBLE.test(line) || POSTGRES_TROUBLE.test(line))
      .map((line) => `worker ${w.pid}: ${line}`),
  );
}

/**
 * Freezes `worker` (SIGSTOP) at a moment it is running an activity (a start in the log with no
 * end yet from it), so that a SIGKILL sent next certainly cuts a call off, however the machine
 * schedules the two processes. Thaws it and tries again a little later while it runs none.
 * Returns false, with the worker running, if it ran none at any try within `timeoutMs`.
 */
export async function freezeWhileRunningActivity(worker: FixtureProcess, logFile: string, timeoutMs = 60_000): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    worker.signal("SIGSTOP");
    await untilStopped(worker.pid);
    if (unended(readActivityLog(logFile), worker.pid).length > 0) return true;
    worker.signal("SIGCONT");
    await sleep(2 + Math.random() * 10);
  }
  return false;
}

/**
 * Resolves once the kernel shows the process stopped: a signal is delivered asynchronously, and
 * until then the process may still write (an activity's end line, say). Linux's /proc; where
 * there is none, it resolves at once.
 */
async function untilStopped(pid: number): Promise<void> {
  for (;;) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return; // no /proc here, or the process is gone
    }
    // The state is the field after the command name, which is in parentheses.
    const state = /\) (\w) /.exec(stat)?.[1];
    if (state === undefined || "TtZX".includes(state)) return; // stopped, or dead
    await sleep(1);
  }
}

/**
 * Freezes `worker` (SIGSTOP) at a moment it is inside no transaction: a process frozen inside
 * one would block every other process (SQLite: the write lock; PostgreSQL: the rows it
 * locked), which is not what a test of lost leases wants. With `runningActivityIn` (its
 * activity log), also at a moment it runs an activity. Tries again, briefly thawed, until
 * both hold, for up to `timeoutMs`.
 */
export async function freezeOutsideTransaction(
  worker: FixtureProcess,
  storeUrl: string,
  options: { runningActivityIn?: string; timeoutMs?: number } = {},
): Promise<void> {
  const { runningActivityIn, timeoutMs = 60_000 } = options;
  const outside = storeKind(storeUrl) === "postgres" ? postgresOutsideTransaction(storeUrl) : sqliteOutsideTransaction(storeUrl);
  let last = "";
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      worker.signal("SIGSTOP");
      await untilStopped(worker.pid);
      const running = runningActivityIn === undefined || unended(readActivityLog(runningActivityIn), worker.pid).length > 0;
      last = running ? await outside.check(worker) : "it ran no activity";
      if (last === "") return;
      worker.signal("SIGCONT");
      await sleep(2 + Math.random() * 10);
    }
  } finally {
    outside.close();
  }
  throw new Error(`worker ${worker.pid} could not be frozen outside a transaction${runningActivityIn ? " while running an activity" : ""} within ${timeoutMs} ms; last try: ${last}`);
}

interface TransactionCheck {
  /** With the worker stopped: "" when it is inside no transaction, else what was seen. */
  check(worker: FixtureProcess): Promise<string>;
  close(): void;
}

/** SQLite: the write lock is free (a stopped process cannot take it meanwhile). */
function sqliteOutsideTransaction(storeUrl: string): TransactionCheck {
  const db = new Database(sqlitePath(storeUrl), { fileMustExist: true });
  db.pragma("busy_timeout = 0");
  return {
    async check() {
      try {
        db.exec("BEGIN IMMEDIATE");
        db.exec("COMMIT");
        return "";
      } catch (error) {
        if ((error as { code?: string }).code !== "SQLITE_BUSY") throw error;
        return "it held the write lock";
      }
    },
    close: () => db.close(),
  };
}

/**
 * PostgreSQL: once stopped, the worker sends nothing more, but what it sent before may still
 * be on its way (a BEGIN, a statement, a COMMIT). It is frozen outside a transaction when,
 * after that has settled, every backend of its connections is `idle`: none `active` (a
 * statement running: it may leave the transaction open) or `idle in transaction` (open, and
 * with the client stopped, open until it wakes).
 */
function postgresOutsideTransaction(storeUrl: string): TransactionCheck {
  return {
    async check(worker) {
      // Two looks in a row with every backend idle, the first after what was sent had time to arrive.
      let idleLooks = 0;
      let seen = "";
      for (let look = 0; look < 10 && idleLooks < 2; look++) {
        await sleep(10);
        const backends = await backendsOf(storeUrl, [worker.appName]);
        if (backends.length === 0) throw new Error(`worker ${worker.pid} (${worker.appName}) has no PostgreSQL backend`);
        seen = backends.map((b) => `${b.pid}: ${b.state}`).join(", ");
        idleLooks = backends.every((b) => b.state === "idle") ? idleLooks + 1 : 0;
        if (backends.some((b) => b.state?.startsWith("idle in transaction"))) break;
      }
      return idleLooks >= 2 ? "" : `backends ${seen}`;
    },
    close() {},
  };
}
