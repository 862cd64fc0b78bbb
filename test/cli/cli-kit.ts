/**
 * Runs the `baton` command as a real child process: `node --import <tsx loader> src/cli/bin.ts`,
 * in a temporary directory holding its own functions module (and config). Every child still
 * running after a test is SIGKILLed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach } from "vitest";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, "../..");
export const BIN = join(REPO_ROOT, "src/cli/bin.ts");
const TSX_LOADER = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
/** What the functions modules in temp directories import batonjs from. */
export const BATON_INDEX = join(REPO_ROOT, "src/index.ts");

export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, NOT_FOUND: 3, CONFLICT: 4, UNAVAILABLE: 5, UNAUTHORIZED: 6 } as const;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The parent's environment without any BATON_* variable (a developer's shell must not leak in), plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("BATON_")) clean[key] = value;
  return { ...clean, NO_COLOR: "1", ...env };
}

export class BatonProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<Finished>;
  private done = false;

  constructor(private readonly proc: ChildProcess) {
    proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => (this.stdout += chunk));
    proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      proc.on("close", (code, signal) => {
        this.done = true;
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  get alive(): boolean {
    return !this.done;
  }

  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (!this.alive) throw new Error(`baton exited before printing ${pattern}:\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`baton did not print ${pattern} within ${timeoutMs} ms:\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await sleep(20);
    }
  }

  /** dev/start print "API at http://127.0.0.1:<port>/api" once listening: the API's base URL. */
  async apiUrl(timeoutMs?: number): Promise<string> {
    const [, url] = await this.waitFor(/API at (http:\/\/[^\s]+)\/api\n/, timeoutMs);
    return url!;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(signal);
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<Finished> {
    this.signal(signal);
    return this.exited;
  }
}

const children = new Set<BatonProcess>();

/** Starts `baton ...args` in `cwd`, left running. */
export function spawnBaton(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): BatonProcess {
  const proc = spawn(process.execPath, ["--import", TSX_LOADER, BIN, ...args], {
    cwd: options.cwd,
    env: childEnv(options.env ?? {}),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = new BatonProcess(proc);
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** Runs `baton ...args` to its end (SIGKILLed after `timeoutMs`). */
export async function runBaton(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Finished> {
  const child = spawnBaton(args, options);
  const timer = setTimeout(() => child.signal("SIGKILL"), options.timeoutMs ?? 90_000);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

afterEach(async () => {
  const all = [...children];
  children.clear();
  await Promise.all(all.map((child) => child.kill("SIGKILL")));
});

/** A port free right now (the OS picked it), for configs that need a fixed one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Writes `functions.ts` into `dir`: Hello (calls Greet), SlowFlow (calls Slow, which writes
 * `slow-started` into `dir`, waits until the test creates `slow-go` there, looking every `ms` of
 * its input, then writes `slow-done`), Waiter (waits for the event "go").
 */
export function writeFunctions(dir: string, file = "functions.ts"): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    `import { existsSync, writeFileSync } from "node:fs";
import { activity, orchestration } from ${JSON.stringify(BATON_INDEX)};

export const greet = activity("Greet", async (name: string) => \`Hello, \${name}!\`);
export const hello = orchestration("Hello", async (ctx, name: string) => ctx.callActivity(greet, name));

export const slow = activity("Slow", async (ms: number) => {
  writeFileSync(${JSON.stringify(join(dir, "slow-started"))}, "started");
  while (!existsSync(${JSON.stringify(join(dir, "slow-go"))})) await new Promise((resolve) => setTimeout(resolve, ms));
  writeFileSync(${JSON.stringify(join(dir, "slow-done"))}, "done");
  return "slept";
});
export const slowFlow = orchestration("SlowFlow", async (ctx, ms: number) => ctx.callActivity(slow, ms));

export const waiter = orchestration("Waiter", async (ctx) => ctx.waitForExternalEvent("go"));
`,
  );
  return path;
}

/** POST /api/orchestrators/<name>/<id> with `input` as the JSON body. */
export async function startOverHttp(apiUrl: string, name: string, instanceId: string, input: unknown, token?: string): Promise<void> {
  const response = await fetch(`${apiUrl}/api/orchestrators/${name}/${instanceId}`, {
    method: "POST",
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: JSON.stringify(input),
  });
  if (response.status !== 202) throw new Error(`start ${name} answered ${response.status}: ${await response.text()}`);
}

/** GET /api/instances/<id>/wait until the instance has ended; its status. */
export async function waitOverHttp(apiUrl: string, instanceId: string, token?: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 10; i++) {
    const response = await fetch(`${apiUrl}/api/instances/${instanceId}/wait?timeout=30s`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (response.status === 200) return (await response.json()) as Record<string, unknown>;
    if (response.status !== 202) throw new Error(`wait answered ${response.status}: ${await response.text()}`);
  }
  throw new Error(`${instanceId} did not end`);
}
