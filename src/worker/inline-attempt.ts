/**
 * One activity attempt run inline (see inline-activities.ts), from its start until its outcome
 * is committed or dropped. It waits on two things, each a promise of its own:
 * - `finished`: the attempt itself ends, with the op that would commit its outcome (`outcome`);
 * - `episodeLanded`: the episode that scheduled it committed (true) or did not (false), as
 *   the episode tells through `afterEpisode()`.
 *
 * States:
 * - running: the attempt runs; it holds an activity slot.
 * - consumed: the episode took its final result into its own events, committed with them.
 *   Nothing is left to commit: the slot is free at once (the episode's commit then claims more).
 * - handed off (not consumed): the episode committed its task leased to this worker. Once the
 *   episode has landed and the attempt has finished, the outcome is committed exactly as for a
 *   task claimed from the queue, unless the worker stopped meanwhile (`abandoned`: the task
 *   was released to the queue).
 * - dropped: the episode did not land, so the task does not exist: the outcome is discarded.
 * Every path ends in `done`, which frees the slot.
 */
import type { Context } from "@opentelemetry/api";
import { ClosedError } from "../errors.js";
import { faultPoint } from "../observability/fault-points.js";
import type { ActivityWorkItem, CommitOp } from "../store/store.js";
import { executeAttempt, submitOutcome, type ActivityRunnerDeps } from "./activity-runner.js";
import { AttemptAbort } from "./attempt-abort.js";
import { attemptFields } from "./log-context.js";

export class InlineAttempt {
  readonly abort = new AttemptAbort();
  /** Set once the attempt has finished: the op its outcome would commit. */
  outcome: CommitOp | undefined;
  /** Settles with `outcome` when the attempt finishes. */
  readonly finished: Promise<CommitOp>;
  /** Settles when nothing is left to do: the outcome was consumed, committed or dropped. */
  readonly done: Promise<void>;
  /** Settles with whether the episode that scheduled the attempt committed. */
  private readonly episodeLanded: Promise<boolean>;
  private tellEpisodeLanded!: (landed: boolean | Promise<boolean>) => void;
  private consumed = false;

  constructor(
    readonly task: ActivityWorkItem,
    private readonly deps: ActivityRunnerDeps,
    /** The attempt no longer runs: called once its result is consumed, else once it is done. */
    private readonly onSlotFree: () => void,
    /** The span of the episode that started it (see EpisodeSpan.attemptsParent). */
    traceParent?: Context,
  ) {
    this.finished = executeAttempt(task, this.abort, deps, traceParent).then((op) => (this.outcome = op));
    this.episodeLanded = new Promise<boolean>((resolve) => (this.tellEpisodeLanded = resolve));
    this.done = this.settle()
      .catch((error: unknown) => deps.logger.error("activity attempt could not be completed", { ...attemptFields(task), err: error }))
      .finally(onSlotFree);
  }

  /** The worker stopped and aborted this attempt: its task is left to the queue, for any worker. */
  get abandoned(): boolean {
    return this.abort.aborted && this.abort.reason instanceof ClosedError;
  }

  /** The episode takes the result: it is committed with the episode's events. */
  consume(): void {
    faultPoint("activity-after-run-before-complete");
    this.deps.attemptFinished?.(this.task);
    this.consumed = true;
    this.onSlotFree();
  }

  /** Called once per attempt with the episode's commit: whether it landed. */
  afterEpisode(landed: boolean | Promise<boolean>): void {
    this.tellEpisodeLanded(landed);
  }

  private async settle(): Promise<void> {
    const { task, deps } = this;
    const landed = await this.episodeLanded;
    // Still running counts as running (stop() waits for it), whatever becomes of its result.
    const op = await this.finished;
    if (!landed) {
      deps.logger.warn("activity result discarded, the episode that scheduled it did not commit", attemptFields(task));
      return;
    }
    // A handed-off task's row exists only now that the episode that schedules it committed.
    if (!this.consumed) await submitOutcome(task, this.abort, op, deps);
  }
}
