/**
 * What a chaos run injected, and when (ms since the epoch, on this machine's clock, the one the
 * workers' side log and histories use): the record the checks classify re-runs by, and the
 * report counts.
 */
export interface Window {
  fromMs: number;
  toMs: number;
}

export interface DiskFullEpisode extends Window {
  ballastBytes: number;
  partialMs: number;
  /** Instances Pending, Running or Suspended when the little space came back (work was waiting). */
  liveAtPartial: number;
}

export interface Timeline {
  /** Workers SIGKILLed: pid → when. */
  kills: Map<number, number>;
  /** Workers frozen (SIGSTOP … SIGCONT): pid → windows. */
  freezes: Map<number, Window[]>;
  /** Freezes given up (the worker was inside a transaction at every try, …): reason → count. */
  freezesSkipped: Map<string, number>;
  /** Backends of worker connections terminated: worker pid → when, one entry per backend. */
  terminations: Map<number, number[]>;
  /** Storms of terminations (all workers' connections, or some). */
  storms: Window[];
  /** PostgreSQL server restarts. */
  restarts: Window[];
  /** Disk-full episodes (SQLite on a small tmpfs): full from fromMs, a little space back at partialMs, all of it at toMs. */
  diskFull: DiskFullEpisode[];
  /** Faults that could not run here, with why (printed, never silent). */
  skipped: string[];
  /** When faults started, and when the quiet period began. */
  faultsFromMs: number;
  quietFromMs: number;
}

export function emptyTimeline(): Timeline {
  return {
    kills: new Map(),
    freezes: new Map(),
    freezesSkipped: new Map(),
    terminations: new Map(),
    storms: [],
    restarts: [],
    diskFull: [],
    skipped: [],
    faultsFromMs: Date.now(),
    quietFromMs: Number.POSITIVE_INFINITY,
  };
}

const overlaps = (w: Window, fromMs: number, toMs: number): boolean => w.fromMs <= toMs && w.toMs >= fromMs;

/**
 * Why a run of an activity attempt by `pid`, started at `fromMs`, may have been cut off or
 * had its result lost before `toMs` (when the attempt started again): the faults that hit that
 * process, or every process, in between. Most specific first.
 */
export function faultsBetween(timeline: Timeline, pid: number, fromMs: number, toMs: number): string[] {
  const causes: string[] = [];
  const killedAt = timeline.kills.get(pid);
  if (killedAt !== undefined && killedAt >= fromMs) causes.push("killed");
  if ((timeline.freezes.get(pid) ?? []).some((w) => overlaps(w, fromMs, toMs))) causes.push("frozen");
  if ((timeline.terminations.get(pid) ?? []).some((at) => at >= fromMs && at <= toMs)) causes.push("disconnected");
  if (timeline.restarts.some((w) => overlaps(w, fromMs, toMs))) causes.push("server restart");
  if (timeline.diskFull.some((w) => overlaps(w, fromMs, toMs))) causes.push("disk full");
  return causes;
}
