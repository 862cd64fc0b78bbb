/**
 * The client side of a chaos run, in the driver process: it starts the planned instances at
 * their times, raises the events ChaosEvents instances wait for, suspends and resumes some
 * instances, terminates the ChaosHold ones, and (fault "clients") races getStatus and list
 * against everything else. Every call that fails is tried again until it is known to have
 * taken effect: the driver must know exactly what was acknowledged, since an acknowledged
 * instance must complete.
 *
 * A call that fails may still have been applied (PostgreSQL: a COMMIT whose answer was lost),
 * so: a startNew repeated after a failure and answered INSTANCE_ALREADY_EXISTS was applied; an
 * event may arrive twice, which ChaosEvents ignores; a suspension, resumption or termination is
 * checked with getStatus before it is repeated.
 */
import type { BatonClient } from "../../src/index.js";
import { eventValue } from "./functions.js";
import { expectedRun } from "./expectations.js";
import { pause } from "./faults.js";
import type { PlannedInstance } from "./workload.js";
import type { Random } from "./random.js";

export interface DriverStats {
  started: number;
  /** Client calls by operation, and the failures among them by error code. */
  calls: Map<string, number>;
  failures: Map<string, number>;
  /** Statuses read while the run went on that already contradicted the expected outcome. */
  wrongEarly: string[];
  /** Role actions (start, events, suspend/resume, terminate) that never took effect by the deadline. */
  undelivered: string[];
}

export const errorCode = (error: unknown): string =>
  String((error as { code?: unknown }).code ?? (error as Error).name ?? "unknown");

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Driver {
  readonly stats: DriverStats = { started: 0, calls: new Map(), failures: new Map(), wrongEarly: [], undelivered: [] };
  readonly acknowledged = new Set<string>();
  private readonly roles: Promise<void>[] = [];
  private readonly expected = new Map<string, unknown>();

  constructor(
    private readonly client: BatonClient,
    private readonly planned: readonly PlannedInstance[],
    private readonly random: Random,
    /** Aborted when the quiet period begins. */
    private readonly quiet: AbortSignal,
    /** Whether client calls race the run (fault "clients"); otherwise terminations wait for the quiet period. */
    private readonly racing: boolean,
    /** No call is tried after this (ms since the epoch). */
    private readonly deadlineMs: () => number,
  ) {
    for (const p of planned) this.expected.set(p.instanceId, expectedRun(p.name, p.input).output);
  }

  /** Starts every planned instance at its time (from `runStartMs`); each role action runs on its own. */
  async startAll(runStartMs: number): Promise<void> {
    for (const plan of this.planned) {
      const wait = runStartMs + plan.startAfterMs - Date.now();
      if (wait > 0) await sleep(wait);
      this.roles.push(this.startAndPlay(plan));
    }
  }

  /** Resolves once every role action has taken effect (or given up at the deadline). */
  async settled(): Promise<void> {
    await Promise.all(this.roles);
  }

  /** getStatus and list calls at random, until the quiet period. */
  async race(): Promise<void> {
    if (!this.racing) return;
    const random = this.random.fork("race");
    while (await pause(random.between(20, 80), this.quiet)) {
      const ids = [...this.acknowledged];
      if (ids.length === 0) continue;
      const roll = random.next();
      if (roll < 0.8) {
        const id = random.pick(ids);
        const status = await this.call("getStatus", () => this.client.getStatus(id, { showHistory: roll < 0.1 })).catch(() => null);
        if (status?.runtimeStatus === "Completed" && this.expected.has(id) && JSON.stringify(status.output) !== JSON.stringify(this.expected.get(id))) {
          this.stats.wrongEarly.push(`${id}: Completed with ${JSON.stringify(status.output)}, expected ${JSON.stringify(this.expected.get(id))}`);
        }
      } else {
        const statuses = random.chance(0.5) ? ["Running" as const, "Suspended" as const] : ["Completed" as const, "Terminated" as const];
        await this.call("list", () => this.client.list({ runtimeStatus: statuses, pageSize: 50 })).catch(() => undefined);
      }
    }
  }

  private async startAndPlay(plan: PlannedInstance): Promise<void> {
    if (!(await this.start(plan))) return;
    const random = this.random.fork(plan.instanceId);
    if (plan.role === "events") await this.raiseEvents(plan, random);
    if (plan.role === "suspend" && this.racing) await this.suspendAndResume(plan, random);
    if (plan.role === "terminate") await this.terminate(plan, random);
  }

  private async start(plan: PlannedInstance): Promise<boolean> {
    let failedBefore = false;
    const done = await this.retry(`start ${plan.instanceId}`, async () => {
      try {
        await this.call("startNew", () => this.client.startNew(plan.name, { input: plan.input, instanceId: plan.instanceId }));
      } catch (error) {
        // A start that failed may have been applied: its repeat then finds the instance.
        if (!(failedBefore && errorCode(error) === "INSTANCE_ALREADY_EXISTS")) {
          failedBefore = true;
          throw error;
        }
      }
    });
    if (done) {
      this.acknowledged.add(plan.instanceId);
      this.stats.started++;
    }
    return done;
  }

  private async raiseEvents(plan: PlannedInstance, random: Random): Promise<void> {
    for (let index = 0; index < (plan.events ?? 0); index++) {
      await sleep(random.between(0, 2000));
      await this.retry(`event ${index} to ${plan.instanceId}`, () =>
        this.call("raiseEvent", () => this.client.raiseEvent(plan.instanceId, "poke", { index, value: eventValue(index) })),
      );
    }
  }

  private async suspendAndResume(plan: PlannedInstance, random: Random): Promise<void> {
    // Only a started instance can be suspended: wait for its first episode (a loaded machine
    // takes seconds), then let it run a little.
    while ((await this.statusOf(plan.instanceId).catch(() => undefined)) === "Pending" && Date.now() < this.deadlineMs()) await sleep(100);
    await sleep(random.between(0, 1500));
    let suspended = false;
    await this.retry(`suspend ${plan.instanceId}`, async () => {
      try {
        await this.call("suspend", () => this.client.suspend(plan.instanceId, "chaos"));
        suspended = true;
      } catch (error) {
        if (errorCode(error) === "INSTANCE_NOT_RUNNING") return;
        if ((await this.statusOf(plan.instanceId)) !== "Suspended") throw error;
        suspended = true;
      }
    });
    if (!suspended) return;
    await sleep(random.between(300, 2000));
    await this.retry(`resume ${plan.instanceId}`, async () => {
      try {
        await this.call("resume", () => this.client.resume(plan.instanceId, "chaos"));
      } catch (error) {
        if (errorCode(error) === "INSTANCE_NOT_SUSPENDED") return;
        if ((await this.statusOf(plan.instanceId)) !== "Suspended") return;
        throw error;
      }
    });
  }

  private async terminate(plan: PlannedInstance, random: Random): Promise<void> {
    if (this.racing) await sleep(random.between(500, 8000));
    else await new Promise((resolve) => (this.quiet.aborted ? resolve(undefined) : this.quiet.addEventListener("abort", resolve)));
    await this.retry(`terminate ${plan.instanceId}`, async () => {
      try {
        await this.call("terminate", () => this.client.terminate(plan.instanceId, "chaos"));
      } catch (error) {
        if ((await this.statusOf(plan.instanceId)) === "Terminated") return;
        throw error;
      }
    });
  }

  private async statusOf(instanceId: string): Promise<string | undefined> {
    const status = await this.call("getStatus", () => this.client.getStatus(instanceId, { showInput: false }));
    return status?.runtimeStatus;
  }

  /** Counts the call and, if it fails, its error code. */
  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    this.stats.calls.set(operation, (this.stats.calls.get(operation) ?? 0) + 1);
    try {
      return await run();
    } catch (error) {
      const key = `${operation} ${errorCode(error)}`;
      this.stats.failures.set(key, (this.stats.failures.get(key) ?? 0) + 1);
      throw error;
    }
  }

  /**
   * Tries `act` until it resolves, pausing 200–500 ms after each failure; resolves true then,
   * or false once the deadline has passed (recorded as undelivered).
   */
  private async retry(what: string, act: () => Promise<unknown>): Promise<boolean> {
    for (;;) {
      try {
        await act();
        return true;
      } catch (error) {
        if (Date.now() > this.deadlineMs()) {
          this.stats.undelivered.push(`${what}: ${errorCode(error)} ${(error as Error).message.split("\n")[0]}`);
          return false;
        }
        await sleep(200 + Math.random() * 300);
      }
    }
  }
}
