/**
 * The side-log checks after a chaos run: the activities' own record of what ran (one line per
 * attempt's start and end, with pid and time), held against the stored histories and the
 * timeline of faults.
 * - One call of an orchestration (instance, call id) ran under one idempotency key: two keys
 *   mean the call was scheduled twice (a second execution, or a second sequence number).
 * - Every key belongs to an instance the workload made.
 * - Attempt n+1 of a call started only after a run of attempt n failed (retry by design).
 * - A run of the same attempt again (a re-run) follows a run cut off by a fault that hit its
 *   process (killed, frozen, its connections terminated) or every process (server restart,
 *   disk full), or one whose worker said it lost the lease, or it is itself the stale run: its
 *   worker was frozen while the first run took place (it claimed the attempt before the
 *   freeze and ran it after, its lease gone); any other re-run is unexplained.
 * - Every result in a history comes from a run that ended well, and every call a completed
 *   instance scheduled ran.
 * Also measures how long finished activities waited for their result to reach the history: from
 * the end of the last run that ended well before it, to the start of the episode recording it.
 */
import type { HistoryEntry } from "../../src/index.js";
import type { LogEntry } from "../crash/kit/activity-log.js";
import type { FixtureProcess } from "../crash/kit/child-processes.js";
import { keyInstance } from "./functions.js";
import type { Violation } from "./instance-checks.js";
import { faultsBetween, type Timeline } from "./timeline.js";

export interface SideLogFindings {
  calls: number;
  starts: number;
  retriesByDesign: number;
  /** Re-runs of an attempt, by cause (the first applicable of killed, frozen, disconnected, …). */
  reruns: Map<string, number>;
  /** ms from a call's first successful end to the start of the episode that recorded its result. */
  resultLatenciesMs: number[];
  /** The three results that waited longest, to look into. */
  slowestResults: { key: string; ms: number }[];
  violations: Violation[];
}

const keyOf = (instanceId: string, history: readonly HistoryEntry[], seq: number): string | undefined => {
  const started = history.find((e) => e.type === "ExecutionStarted");
  return started ? `${instanceId}:${started.executionId as string}:${seq}` : undefined;
};

export function checkSideLog(
  log: readonly LogEntry[],
  histories: ReadonlyMap<string, HistoryEntry[]>,
  completed: ReadonlySet<string>,
  timeline: Timeline,
  workers: readonly FixtureProcess[],
): SideLogFindings {
  const findings: SideLogFindings = { calls: 0, starts: 0, retriesByDesign: 0, reruns: new Map(), resultLatenciesMs: [], slowestResults: [], violations: [] };
  const starts = log.filter((e) => e.kind === "start");
  findings.starts = starts.length;
  const runsByKey = new Map<string, LogEntry[]>();
  for (const s of starts) runsByKey.set(s.key, [...(runsByKey.get(s.key) ?? []), s]);
  findings.calls = runsByKey.size;
  const ends = endsOfRuns(log);

  checkKeysPerCall(starts, histories, findings);
  const saidLeaseLost = leaseLossReports(workers);
  for (const [key, runs] of runsByKey) {
    const byAttempt = new Map<number, LogEntry[]>();
    for (const run of runs) byAttempt.set(run.attempt!, [...(byAttempt.get(run.attempt!) ?? []), run]);
    for (const [attempt, attemptRuns] of byAttempt) {
      if (attempt > 1) {
        const previousFailed = (byAttempt.get(attempt - 1) ?? []).some((r) => ends.get(r)?.outcome === "fail");
        if (previousFailed) findings.retriesByDesign++;
        else findings.violations.push({ invariant: "a retry follows a failed attempt", instanceId: keyInstance(key), detail: `${key}: attempt ${attempt} started, but no run of attempt ${attempt - 1} failed` });
      }
      for (let i = 1; i < attemptRuns.length; i++) {
        const earlier = attemptRuns[i - 1]!;
        const again = attemptRuns[i]!;
        const cause = rerunCause(timeline, saidLeaseLost, keyInstance(key), earlier, again);
        findings.reruns.set(cause ?? "unexplained", (findings.reruns.get(cause ?? "unexplained") ?? 0) + 1);
        if (cause === undefined) {
          findings.violations.push({
            invariant: "an attempt runs again only after a fault cut off its run",
            instanceId: keyInstance(key),
            detail: `${key} attempt ${attempt}: run in ${earlier.pid} at line ${earlier.line} (${ends.get(earlier)?.outcome ?? "no end"}), again in ${again.pid} at line ${again.line}, ${again.atMs! - earlier.atMs!} ms later, with no fault on ${earlier.pid} in between`,
          });
        }
      }
    }
  }
  checkResults(runsByKey, ends, histories, completed, findings);
  return findings;
}

/** Each start's end in the same process (the next end of the same key there), if any. */
function endsOfRuns(log: readonly LogEntry[]): Map<LogEntry, LogEntry> {
  const open = new Map<string, LogEntry>();
  const ends = new Map<LogEntry, LogEntry>();
  for (const entry of log) {
    const run = `${entry.key} ${entry.pid}`;
    if (entry.kind === "start") open.set(run, entry);
    else {
      const start = open.get(run);
      if (start) ends.set(start, entry);
      open.delete(run);
    }
  }
  return ends;
}

function checkKeysPerCall(starts: readonly LogEntry[], histories: ReadonlyMap<string, HistoryEntry[]>, findings: SideLogFindings): void {
  const keysByCall = new Map<string, Set<string>>();
  for (const s of starts) {
    const call = `${keyInstance(s.key)} ${s.callId}`;
    keysByCall.set(call, (keysByCall.get(call) ?? new Set()).add(s.key));
  }
  for (const [call, keys] of keysByCall) {
    const [instanceId, callId] = call.split(" ") as [string, string];
    if (!histories.has(instanceId)) {
      findings.violations.push({ invariant: "activities run only for instances the workload made", instanceId, detail: `call ${callId} ran (keys ${[...keys].join(", ")}) for an instance no history knows` });
    }
    if (keys.size > 1) {
      findings.violations.push({ invariant: "one idempotency key per call", instanceId, detail: `call ${callId} ran under ${keys.size} keys: ${[...keys].join(", ")}` });
    }
  }
}

function checkResults(
  runsByKey: ReadonlyMap<string, LogEntry[]>,
  ends: ReadonlyMap<LogEntry, LogEntry>,
  histories: ReadonlyMap<string, HistoryEntry[]>,
  completed: ReadonlySet<string>,
  findings: SideLogFindings,
): void {
  for (const [instanceId, history] of histories) {
    for (const event of history) {
      if (event.type !== "TaskScheduled" && event.type !== "TaskCompleted") continue;
      const key = keyOf(instanceId, history, event.seq as number);
      if (key === undefined) continue;
      const runs = runsByKey.get(key) ?? [];
      if (event.type === "TaskScheduled") {
        if (runs.length === 0 && completed.has(instanceId)) findings.violations.push({ invariant: "every scheduled call ran", instanceId, detail: `${key} is scheduled in the history but never started` });
        continue;
      }
      const okEnds = runs.map((r) => ends.get(r)).filter((e): e is LogEntry => e?.outcome === "ok");
      if (okEnds.length === 0) {
        findings.violations.push({ invariant: "every result comes from a run that ended well", instanceId, detail: `${key}: TaskCompleted in the history, but no run of it ended well in the side log` });
        continue;
      }
      // The run whose result was recorded: the last that ended well before the episode that recorded it.
      const recordedAt = event.timestamp.getTime();
      const before = okEnds.map((e) => e.atMs!).filter((at) => at <= recordedAt);
      const endedAt = before.length > 0 ? Math.max(...before) : Math.min(...okEnds.map((e) => e.atMs!));
      const ms = Math.max(0, recordedAt - endedAt);
      findings.resultLatenciesMs.push(ms);
      findings.slowestResults = [...findings.slowestResults, { key, ms }].sort((a, b) => b.ms - a.ms).slice(0, 3);
    }
  }
}

/** Per worker pid: when it said it lost a lease or dropped a result, and for which instance. */
function leaseLossReports(workers: readonly FixtureProcess[]): Map<number, { atMs: number; line: string }[]> {
  const reports = new Map<number, { atMs: number; line: string }[]>();
  for (const worker of workers) {
    const lines = worker.stderr.split("\n").filter((l) => /lease lost|result discarded|commit failed|renewing leases failed/i.test(l));
    reports.set(worker.pid, lines.map((line) => ({ atMs: Number(line.split(" ")[1]), line })));
  }
  return reports;
}

const FROZEN_BEFORE_RUN = "frozen between its claim and its run (the later run)";

/** Whether `pid` was frozen at `earlierMs` (when the other run started) and thawed by `laterMs` (its own run). */
function frozenBefore(timeline: Timeline, pid: number, earlierMs: number, laterMs: number): boolean {
  return (timeline.freezes.get(pid) ?? []).some((w) => w.fromMs <= earlierMs && w.toMs >= earlierMs && w.toMs <= laterMs);
}

function rerunCause(
  timeline: Timeline,
  saidLeaseLost: ReadonlyMap<number, { atMs: number; line: string }[]>,
  instanceId: string,
  earlier: LogEntry,
  again: LogEntry,
): string | undefined {
  const faults = faultsBetween(timeline, earlier.pid, earlier.atMs!, again.atMs!);
  if (faults.length > 0) return faults[0];
  // The later run may be the stale one: its worker claimed the attempt, was frozen before it
  // ran it, and ran it once thawed, after its lease had passed to the earlier run's worker.
  if (frozenBefore(timeline, again.pid, earlier.atMs!, again.atMs!)) return FROZEN_BEFORE_RUN;
  const said = (saidLeaseLost.get(earlier.pid) ?? []).some(
    (r) => r.atMs >= earlier.atMs! && (`${r.line} `.includes(` instanceId=${instanceId} `) || /renewing leases failed|commit failed/i.test(r.line)),
  );
  return said ? "lease lost (the worker said so)" : undefined;
}
