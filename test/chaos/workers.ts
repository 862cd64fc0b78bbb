/**
 * The worker processes of a chaos run: real `node --import tsx test/chaos/worker.ts` children
 * on one store, each with its own PostgreSQL application_name, replaced when one is killed.
 * Every worker ever started is kept, for what it said on stderr.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnScript, type Exit, type FixtureProcess } from "../crash/kit/child-processes.js";

const WORKER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "worker.ts");

export interface WorkerSettings {
  storeUrl: string;
  logFile: string;
  leaseMs: number;
  maxActivities: number;
}

export class WorkerPool {
  /** Every worker started, in order. */
  readonly all: FixtureProcess[] = [];
  /** Pids of workers frozen right now. */
  readonly frozen = new Set<number>();
  /** Pids of workers that printed "ready". */
  private readonly ready = new Set<number>();
  private readonly starting = new Set<Promise<void>>();
  /** Replacement starts that failed, by the error they printed. */
  readonly startFailures = new Map<string, number>();

  constructor(private readonly settings: WorkerSettings) {}

  /** Workers alive (frozen ones included). */
  live(): FixtureProcess[] {
    return this.all.filter((w) => w.alive);
  }

  /** Workers alive, ready and not frozen. */
  running(): FixtureProcess[] {
    return this.live().filter((w) => this.ready.has(w.pid) && !this.frozen.has(w.pid));
  }

  /** Starts one worker; resolves once it is ready (its loops run). */
  async startOne(): Promise<FixtureProcess> {
    const env = { CHAOS_LEASE_MS: String(this.settings.leaseMs), CHAOS_MAX_ACTIVITIES: String(this.settings.maxActivities) };
    const worker = spawnScript(WORKER_SCRIPT, [this.settings.storeUrl, this.settings.logFile], env, "baton-chaos");
    this.all.push(worker);
    await worker.ready(120_000);
    this.ready.add(worker.pid);
    return worker;
  }

  /** Starts `count` workers at once and waits for all. */
  async start(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.startOne()));
  }

  /**
   * Starts a replacement without waiting for it (a fault loop must not stall on a slow start).
   * A start the store refuses (say, on a full disk) is tried again each second, as a
   * supervisor would; one killed while it starts is not (the kill fault replaces it).
   */
  replace(): void {
    const started: Promise<void> = (async () => {
      for (let tries = 0; tries < 60; tries++) {
        try {
          await this.startOne();
          return;
        } catch (error) {
          if (/"signal":"SIGKILL"/.test((error as Error).message)) return;
          const reason = /^\w*Error: .*$/m.exec((error as Error).message)?.[0] ?? (error as Error).message.split("\n")[0]!;
          this.startFailures.set(reason, (this.startFailures.get(reason) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
    this.starting.add(started);
    void started.finally(() => this.starting.delete(started));
  }

  /** Whether the worker printed "ready" (one that never did failed to start). */
  wasReady(pid: number): boolean {
    return this.ready.has(pid);
  }

  /** Thaws every frozen worker. */
  thawAll(): void {
    for (const worker of this.live()) if (this.frozen.has(worker.pid)) worker.signal("SIGCONT");
    this.frozen.clear();
  }

  /** Waits for replacements in flight, then tops the pool up to `count` running workers. */
  async ensure(count: number): Promise<void> {
    await Promise.all([...this.starting]);
    const missing = count - this.running().length;
    if (missing > 0) await this.start(missing);
  }

  /**
   * SIGTERM to every live worker (thawed first): each must stop gracefully (exit 0) within
   * `timeoutMs`; one that does not is SIGKILLed. Returns how each exited.
   */
  async stopAll(timeoutMs = 60_000): Promise<{ worker: FixtureProcess; exit: Exit | "hung" }[]> {
    await Promise.all([...this.starting]);
    this.thawAll();
    return Promise.all(
      this.live().map(async (worker) => {
        worker.signal("SIGTERM");
        try {
          return { worker, exit: await worker.waitForExit(timeoutMs) };
        } catch {
          await worker.kill("SIGKILL");
          return { worker, exit: "hung" as const };
        }
      }),
    );
  }
}
