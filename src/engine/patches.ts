/**
 * Versioning with `ctx.patched(changeId)`. An execution takes a change's new path when its
 * history records the change (PatchApplied), or when it first asks at the live frontier;
 * replaying a point the execution passed without the change gives the old path. The answer
 * is fixed at the first question for the rest of the execution, and a new path taken live is
 * recorded at the end of the episode. `deprecatePatch` records the change without asking,
 * once the old path is gone from the code.
 */
export class Patches {
  /** Changes whose new path this execution took (PatchApplied in history, or decided live). */
  private readonly applied = new Set<string>();
  /** Each change's answer, fixed at its first question for the rest of the execution. */
  private readonly answers = new Map<string, boolean>();
  /** Changes the code marked with deprecatePatch. */
  private readonly deprecated = new Set<string>();
  /** Patches decided in this episode, to record. */
  private readonly unrecorded: string[] = [];

  constructor(private readonly run: { readonly isReplaying: boolean }) {}

  /** History says this execution took the change's new path. */
  recorded(changeId: string): void {
    this.applied.add(changeId);
  }

  /** Whether the code asked about the change (patched or deprecatePatch) in this execution. */
  asked(changeId: string): boolean {
    return this.answers.has(changeId) || this.deprecated.has(changeId);
  }

  patched(changeId: string): boolean {
    let answer = this.answers.get(changeId);
    if (answer === undefined) {
      // Replaying a point the execution passed without this patch: the old path. At the live
      // frontier (a new execution, or one that had not reached the change): the new path.
      answer = this.applied.has(changeId) || !this.run.isReplaying;
      if (answer) this.record(changeId);
      this.answers.set(changeId, answer);
    }
    return answer;
  }

  deprecate(changeId: string): void {
    this.deprecated.add(changeId);
    if (!this.run.isReplaying) this.record(changeId);
  }

  /** The changes to record as PatchApplied at the end of this episode; clears them. */
  takeUnrecorded(): string[] {
    return this.unrecorded.splice(0);
  }

  private record(changeId: string): void {
    if (this.applied.has(changeId)) return;
    this.applied.add(changeId);
    this.unrecorded.push(changeId);
  }
}
