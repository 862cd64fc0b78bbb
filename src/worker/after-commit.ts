/**
 * What the worker does once a group commit has landed: start the work claimed in the same
 * transaction, tell `onHistory` the events each episode appended, fire the signal of the
 * attempts of instances that ended, tell waiters that an instance ended, and make sure the
 * claim loop looks again when the committed ops made work visible that this commit's claim
 * could not take (due later, or no claim went with it).
 */
import { toHistoryEntry, type HistoryEntry } from "../engine/history-entry.js";
import type { Logger } from "../definitions/logger.js";
import { commandsCarriedOut } from "../engine/command.js";
import type { HistoryEvent } from "../engine/history-event.js";
import type { ClaimedWork, CommitOp, CommitOutcome, WorkClaim } from "../store/store.js";
import type { ClaimPlanner } from "./claim-planner.js";
import type { CompletionNotifier } from "../support/completion-notifier.js";
import type { Dispatcher } from "./dispatcher.js";

export interface AfterCommitDeps {
  logger: Logger;
  notifier: CompletionNotifier;
  /** Told the events each committed episode appended (BatonOptions.onHistory). */
  onHistory: ((instanceId: string, events: readonly HistoryEntry[]) => void) | undefined;
  claims: ClaimPlanner;
  dispatcher: Dispatcher;
  /** The claim loop looks at `at`, or now. */
  wakeAt: (at: number) => void;
  wake: () => void;
}

export class AfterCommit {
  constructor(private readonly deps: AfterCommitDeps) {}

  /** `claimed` is what the batch claimed with it; undefined when it asked for no claim. */
  committed(ops: readonly CommitOp[], outcomes: readonly CommitOutcome[], claimed: { request: WorkClaim; work: ClaimedWork } | undefined): void {
    const { claims, dispatcher, notifier, logger } = this.deps;
    if (claimed) {
      claims.answered(claimed.request, claimed.work);
      void dispatcher.startClaimed(claimed.work, ops).catch((error: unknown) => logger.error("starting claimed work failed", { err: error }));
    }
    // Work visible by the claim's time was claimed with it; anything due later (even if due by
    // now) gets a wake-up at its time: a fresh clock here would let it fall between the two.
    const claimedUpTo = claimed ? claimed.request.orchestrations.now : -Infinity;
    let moreWork = false;
    ops.forEach((op, i) => {
      if (outcomes[i] !== "ok") return;
      if (op.type === "episode") {
        this.reportHistory(op.instanceId, op.result.newEvents);
        const status = op.result.runtimeStatus;
        if (status !== "Running") dispatcher.cancelAttemptsOf(op.instanceId);
        // Only the end of an instance: a new generation is not what waiters wait for.
        if (status === "Completed" || status === "Failed" || status === "Terminated") notifier.notify(op.instanceId);
        if (status === "ContinuedAsNew") moreWork = true; // the next generation's start
        for (const command of commandsCarriedOut(op.result)) {
          if (command.type === "CancelTimer") continue;
          const visibleAt =
            command.type === "CreateTimer" ? command.fireAt : command.type === "ScheduleTask" ? (command.visibleAt ?? 0) : 0;
          if (visibleAt > claimedUpTo) this.deps.wakeAt(visibleAt);
          else moreWork = true;
        }
      } else if (op.type === "activityCompleted" || op.type === "activityFailed") {
        moreWork = true;
      } else if (op.type === "activityRetry") {
        this.deps.wakeAt(op.visibleAt);
      }
    });
    // Work these ops made visible was claimed in the same transaction, up to the free slots;
    // what did not fit is claimed when a slot frees. Without that claim, look now.
    if (moreWork && !claimed) this.deps.wake();
  }

  private reportHistory(instanceId: string, events: readonly HistoryEvent[]): void {
    const { onHistory, logger } = this.deps;
    if (!onHistory || events.length === 0) return;
    try {
      onHistory(instanceId, events.map(toHistoryEntry));
    } catch (error) {
      logger.error("onHistory threw", { instanceId, err: error });
    }
  }
}
