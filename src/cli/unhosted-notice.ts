/**
 * `baton dev`'s line for work that waits for a function no running worker hosts (a typo in
 * `ctx.callActivity("Greet")`, an export forgotten): once per function name, naming the first
 * instance found waiting and the fix.
 *
 * Cheap by construction: the store is asked only when a committed episode schedules a function
 * this worker does not host (another worker may host it: the instance's status says), plus one
 * look at start (work left waiting by an earlier run) and a slow look at instances still
 * Pending (started through the API for an orchestration no one hosts any more).
 */
import type { BatonClient } from "../client/client.js";
import type { HistoryEntry } from "../engine/history-entry.js";
import { RuntimeStatus } from "../client/instance-status.js";
import { yellow } from "./format.js";

/** How often instances still Pending are looked at. */
const PENDING_CHECK_MS = 15_000;
/** Instances looked at per look: a store full of waiting work is not read whole. */
const MAX_INSTANCES_PER_LOOK = 100;

type Kind = "activity" | "orchestration";

export class UnhostedNotice {
  private readonly said = new Set<string>();
  private readonly asking = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Pick<BatonClient, "getStatus" | "list">,
    private readonly hosted: { activities: ReadonlySet<string>; orchestrations: ReadonlySet<string> },
    private readonly out: (line: string) => void,
    /** Told each name said (a supervisor may say when it is hosted again). */
    private readonly onSaid: (kind: Kind, name: string) => void = () => undefined,
  ) {}

  /** Looks at work left waiting, then at Pending instances now and then, until stop(). */
  start(): void {
    void this.look([RuntimeStatus.Pending, RuntimeStatus.Running]);
    const again = (): void => {
      this.timer = setTimeout(() => void this.look([RuntimeStatus.Pending]).finally(again), PENDING_CHECK_MS).unref();
    };
    again();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The events a committed episode appended: asks about the functions it scheduled that are not hosted here. */
  history(instanceId: string, events: readonly HistoryEntry[]): void {
    for (const event of events) {
      const e = event as HistoryEntry & { name?: string; instanceId?: string };
      if (event.type === "TaskScheduled" && !this.hosted.activities.has(String(e.name))) void this.ask(instanceId, "activity", String(e.name));
      if (event.type === "SubOrchestrationScheduled" && !this.hosted.orchestrations.has(String(e.name))) {
        void this.ask(String(e.instanceId), "orchestration", String(e.name));
      }
    }
  }

  private async look(statuses: RuntimeStatus[]): Promise<void> {
    try {
      const page = await this.client.list({ runtimeStatus: statuses, pageSize: MAX_INSTANCES_PER_LOOK });
      for (const instance of page.instances) {
        // Running instances may wait for an activity; Pending ones only for their orchestration.
        if (instance.runtimeStatus === RuntimeStatus.Pending && this.hosted.orchestrations.has(instance.name)) continue;
        await this.check(instance.instanceId);
      }
    } catch {
      // The store is closing or away: the next look, or the next episode, tries again.
    }
  }

  private async ask(instanceId: string, kind: Kind, name: string): Promise<void> {
    const key = `${kind} ${name}`;
    if (this.said.has(key) || this.asking.has(key)) return;
    this.asking.add(key);
    try {
      await this.check(instanceId);
    } catch {
      // As in look().
    } finally {
      this.asking.delete(key);
    }
  }

  private async check(instanceId: string): Promise<void> {
    const waiting = (await this.client.getStatus(instanceId, { showInput: false, showPending: false }))?.waitingForWorker;
    if (!waiting) return;
    if (waiting.orchestration !== undefined) this.say(instanceId, "orchestration", waiting.orchestration);
    for (const name of waiting.activities ?? []) this.say(instanceId, "activity", name);
  }

  private say(instanceId: string, kind: Kind, name: string): void {
    const key = `${kind} ${name}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    this.onSaid(kind, name);
    this.out(
      yellow(
        `baton dev: ${instanceId} waits for ${kind} "${name}", which no running worker hosts. ` +
          `Export it from the functions module (check the name's spelling), or start a worker that hosts it.`,
      ),
    );
  }
}
