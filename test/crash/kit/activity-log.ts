/**
 * The log the crash-test activity writes, one line per start and per end:
 *   start <idempotencyKey> <attempt> <pid>
 *   end <idempotencyKey> <pid>
 * The chaos suite's activities add when (ms since the epoch) and, on a start, which call of
 * the orchestration it is; on an end, whether the attempt succeeded:
 *   start <idempotencyKey> <attempt> <pid> <atMs> <callId>
 *   end <idempotencyKey> <pid> <atMs> ok|fail
 * Appends from several processes interleave by line, in the order they were written.
 */
import { existsSync, readFileSync } from "node:fs";

export interface LogEntry {
  kind: "start" | "end";
  key: string;
  pid: number;
  attempt?: number;
  /** Line number in the log: lines from different processes are ordered by when they were written. */
  line: number;
  /** When the line was written (chaos log only). */
  atMs?: number;
  /** Which call of its orchestration a start is for (chaos log only). */
  callId?: string;
  /** How an attempt ended (chaos log only). */
  outcome?: "ok" | "fail";
}

export function readActivityLog(logFile: string): LogEntry[] {
  if (!existsSync(logFile)) return [];
  const lines = readFileSync(logFile, "utf8").split("\n").filter((l) => l !== "");
  return lines.map((text, line) => {
    const parts = text.split(" ");
    if (parts[0] === "start" && parts.length === 4) {
      return { kind: "start", key: parts[1]!, attempt: Number(parts[2]), pid: Number(parts[3]), line };
    }
    if (parts[0] === "end" && parts.length === 3) return { kind: "end", key: parts[1]!, pid: Number(parts[2]), line };
    if (parts[0] === "start" && parts.length === 6) {
      return { kind: "start", key: parts[1]!, attempt: Number(parts[2]), pid: Number(parts[3]), atMs: Number(parts[4]), callId: parts[5]!, line };
    }
    if (parts[0] === "end" && parts.length === 5 && (parts[4] === "ok" || parts[4] === "fail")) {
      return { kind: "end", key: parts[1]!, pid: Number(parts[2]), atMs: Number(parts[3]), outcome: parts[4], line };
    }
    throw new Error(`malformed activity log line ${line}: ${JSON.stringify(text)}`);
  });
}

/**
 * Waits until the log holds `lines` lines. The deadline is on progress: it fails once `stallMs`
 * pass without a new line, however long the whole takes on a busy machine.
 */
export async function waitForLogLines(logFile: string, lines: number, stallMs: number): Promise<void> {
  let seen = 0;
  let progressAt = Date.now();
  for (;;) {
    const length = readActivityLog(logFile).length;
    if (length >= lines) return;
    if (length > seen) [seen, progressAt] = [length, Date.now()];
    if (Date.now() - progressAt > stallMs) throw new Error(`Timed out waiting for ${lines} activity log lines: ${seen}, and none more in ${stallMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function startsByKey(entries: readonly LogEntry[]): Map<string, LogEntry[]> {
  const byKey = new Map<string, LogEntry[]>();
  for (const entry of entries) {
    if (entry.kind !== "start") continue;
    byKey.set(entry.key, [...(byKey.get(entry.key) ?? []), entry]);
  }
  return byKey;
}

export function duplicatedKeys(entries: readonly LogEntry[]): string[] {
  return [...startsByKey(entries)].filter(([, starts]) => starts.length > 1).map(([key]) => key);
}

/**
 * Problems with how activities ran; [] when:
 * - every call the histories record ran to its end at least once, and the log names no other call;
 * - every `end` follows a `start` of the same call in the same process;
 * - a call ran more than once only in processes that lost their work (`lostPids`: killed,
 *   stopped after releasing it, or frozen past their leases): at most one run of each call
 *   is by a process that kept its leases, so a live worker never runs a call twice and two
 *   live workers never run the same call.
 */
export function activityLogProblems(entries: readonly LogEntry[], keys: readonly string[], lostPids: ReadonlySet<number>): string[] {
  const problems: string[] = [];
  const starts = startsByKey(entries);
  const endLines = endLinesByRun(entries);
  const known = new Set(keys);
  for (const key of keys) if (!starts.has(key)) problems.push(`${key}: never started`);
  for (const key of starts.keys()) if (!known.has(key)) problems.push(`${key}: started but in no history`);
  // The first start of each call in each process, for ends: an end needs an earlier start there.
  const firstStartLine = new Map<string, number>();
  for (const entry of entries) {
    if (entry.kind === "start" && !firstStartLine.has(runOf(entry))) firstStartLine.set(runOf(entry), entry.line);
  }
  for (const end of entries) {
    if (end.kind !== "end") continue;
    const first = firstStartLine.get(runOf(end));
    if (first === undefined || first >= end.line) problems.push(`${end.key}: ended in ${end.pid} without starting there`);
  }
  for (const [key, runs] of starts) {
    const byKeepers = runs.filter((r) => !lostPids.has(r.pid));
    if (byKeepers.length > 1) {
      problems.push(`${key}: ran ${byKeepers.length} times in processes that kept their leases (lines ${byKeepers.map((r) => r.line).join(", ")})`);
    }
    if (!runs.some((r) => hasLaterEnd(endLines, r))) problems.push(`${key}: no run of it ended`);
  }
  return problems;
}

/** The most runs that were in progress at once, replaying the start and end lines in log order. */
export function maxOverlap(entries: readonly LogEntry[]): number {
  let running = 0;
  let most = 0;
  for (const entry of entries) {
    running += entry.kind === "start" ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}

/** Starts in `entries` (by `pid`, when given) with no later end in the same process. */
export function unended(entries: readonly LogEntry[], pid?: number): LogEntry[] {
  const endLines = endLinesByRun(entries);
  return entries.filter((s) => s.kind === "start" && (pid === undefined || s.pid === pid) && !hasLaterEnd(endLines, s));
}

/** A call in one process: runs of the same call in the same process share it. */
const runOf = (entry: LogEntry): string => `${entry.key} ${entry.pid}`;

/** The line of the last end of each call in each process (logs of thousands of lines: no quadratic scans). */
function endLinesByRun(entries: readonly LogEntry[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const entry of entries) if (entry.kind === "end") last.set(runOf(entry), entry.line);
  return last;
}

/** Whether the same call ended in the same process after `start`. */
function hasLaterEnd(lastEndLine: ReadonlyMap<string, number>, start: LogEntry): boolean {
  return (lastEndLine.get(runOf(start)) ?? -1) > start.line;
}
