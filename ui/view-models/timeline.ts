/**
 * History entries → timeline rows: the durable calls of an instance as bars on a time axis.
 * Pure (no DOM, no fetch), so the rules below are tested without a browser.
 *
 * One row per durable call, keyed by execution and seq (seq restarts after continue-as-new):
 * - activity: TaskScheduled → TaskCompleted | TaskFailed. Retries run from the queue show as
 *   `attempts` on the bar (TaskCompleted may carry attempts and lastFailure, TaskFailed always
 *   carries attempts); retries the orchestration decides are rows of their own (attempt > 1).
 * - timer: TimerCreated → TimerFired. A timer the execution ended without firing was cancelled
 *   (cancels are not recorded, only the absence of the fire); one still open is pending.
 * - sub-orchestration: SubOrchestrationScheduled → SubOrchestrationCompleted | Failed.
 * - an external event: a point where it was raised (waiting is not recorded; a wait with a
 *   timeout shows as its timer).
 * - execution markers (started, completed, failed, terminated, continued as new, rewound,
 *   suspended, resumed, custom status, patch): points on a row of their own.
 * EpisodeStarted only marks where episodes begin; it makes no row.
 *
 * Entries arrive as the HTTP API gives them (JSON: timestamps as ISO strings or numbers), and
 * may be a prefix of the history (pages load on demand): an unmatched call is open, not lost.
 */

export interface ErrorSummary {
  name: string;
  message: string;
}

/** A history entry as GET /api/instances/:id/history returns it. */
export type HistoryEntryJson = { type: string; timestamp: string | number } & Record<string, unknown>;

export const RowKind = { Activity: "activity", Timer: "timer", SubOrchestration: "subOrchestration", Event: "event", Marker: "marker" } as const;
export type RowKind = (typeof RowKind)[keyof typeof RowKind];

export const RowState = {
  Running: "running",
  Completed: "completed",
  Failed: "failed",
  Pending: "pending",
  Fired: "fired",
  Cancelled: "cancelled",
  Point: "point",
} as const;
export type RowState = (typeof RowState)[keyof typeof RowState];

export interface TimelineRow {
  /** Stable across page loads: `<execution>:<kind>:<seq or index>`. */
  key: string;
  kind: RowKind;
  label: string;
  state: RowState;
  /** 0 for the first execution, +1 after each continue-as-new. */
  execution: number;
  seq: number | undefined;
  startMs: number;
  /** undefined while open (no outcome in the entries loaded); equals startMs for a point. */
  endMs: number | undefined;
  /** Attempts the outcome reports (queue retries), when more than one. */
  attempts: number | undefined;
  /** The error of a failure, or the last failed attempt before a success. */
  error: ErrorSummary | undefined;
  /** Positions in the history of the entries this row was made of. */
  entryIndexes: number[];
}

const MARKER_LABELS: Readonly<Record<string, string>> = {
  ExecutionStarted: "started",
  ExecutionCompleted: "completed",
  ExecutionFailed: "failed",
  ExecutionTerminated: "terminated",
  ExecutionContinuedAsNew: "continued as new",
  ExecutionRewound: "rewound",
  ExecutionSuspended: "suspended",
  ExecutionResumed: "resumed",
  CustomStatusSet: "custom status",
  PatchApplied: "patch",
};

const ENDINGS = new Set(["ExecutionCompleted", "ExecutionFailed", "ExecutionTerminated", "ExecutionContinuedAsNew"]);

export function entryTimeMs(entry: HistoryEntryJson): number {
  return typeof entry.timestamp === "number" ? entry.timestamp : Date.parse(entry.timestamp);
}

/** The rows of the entries loaded so far, in the order their first entry appears. */
export function timelineRows(entries: readonly HistoryEntryJson[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let open = new Map<string, TimelineRow>();
  let execution = 0;

  // Rows are built with every field in one order and updated in place: one object shape, so a
  // history of 10,000 entries takes a few milliseconds (spreads made it a hundred).
  const close = (key: string, index: number, timeMs: number, state: RowState, attempts?: unknown, error?: unknown): void => {
    const row = open.get(key);
    if (!row) return; // its start is before the entries loaded: nothing to draw it from
    open.delete(key);
    row.endMs = timeMs;
    row.state = state;
    row.attempts = manyAttempts(attempts);
    row.error = errorOf(error);
    row.entryIndexes.push(index);
  };
  const start = (key: string, index: number, kind: RowKind, label: string, state: RowState, seq: number | undefined, timeMs: number): void => {
    const row = newRow(`${execution}:${key}`, kind, label, state, execution, seq, timeMs, undefined, undefined, index);
    rows.push(row);
    open.set(key, row);
  };
  const point = (key: string, index: number, kind: RowKind, label: string, timeMs: number, error?: unknown): void => {
    rows.push(newRow(`${execution}:${key}`, kind, label, RowState.Point, execution, undefined, timeMs, timeMs, errorOf(error), index));
  };

  entries.forEach((entry, index) => {
    const timeMs = entryTimeMs(entry);
    const seq = typeof entry.seq === "number" ? entry.seq : undefined;
    switch (entry.type) {
      case "TaskScheduled": {
        const attempt = typeof entry.attempt === "number" && entry.attempt > 1 ? ` #${entry.attempt}` : "";
        start(`task:${seq}`, index, RowKind.Activity, `${String(entry.name)}${attempt}`, RowState.Running, seq, timeMs);
        break;
      }
      case "TaskCompleted":
        close(`task:${seq}`, index, timeMs, RowState.Completed, entry.attempts, entry.lastFailure);
        break;
      case "TaskFailed":
        close(`task:${seq}`, index, timeMs, RowState.Failed, entry.attempts, entry.error);
        break;
      case "TimerCreated":
        start(`timer:${seq}`, index, RowKind.Timer, `timer until ${new Date(fireAtMs(entry, timeMs)).toISOString().slice(11, 23)}`, RowState.Pending, seq, timeMs);
        break;
      case "TimerFired":
        close(`timer:${seq}`, index, timeMs, RowState.Fired);
        break;
      case "SubOrchestrationScheduled":
        start(`sub:${seq}`, index, RowKind.SubOrchestration, `${String(entry.name)} (${String(entry.instanceId)})`, RowState.Running, seq, timeMs);
        break;
      case "SubOrchestrationCompleted":
        close(`sub:${seq}`, index, timeMs, RowState.Completed);
        break;
      case "SubOrchestrationFailed":
        close(`sub:${seq}`, index, timeMs, RowState.Failed, undefined, entry.error);
        break;
      case "EventRaised":
        point(`event:${index}`, index, RowKind.Event, `event ${String(entry.name)}`, timeMs);
        break;
      case "EpisodeStarted":
        break;
      default: {
        const label = MARKER_LABELS[entry.type] ?? entry.type;
        const detail = entry.type === "PatchApplied" ? ` ${String(entry.changeId)}` : "";
        point(`marker:${index}`, index, RowKind.Marker, `${label}${detail}`, timeMs, entry.error);
        if (ENDINGS.has(entry.type)) {
          // What the execution left open never finishes: timers were cancelled, calls abandoned.
          for (const row of open.values()) {
            if (row.kind !== RowKind.Timer) continue;
            row.state = RowState.Cancelled;
            row.endMs = timeMs;
          }
          open = new Map();
          if (entry.type === "ExecutionContinuedAsNew") execution++;
        }
      }
    }
  });
  return rows;
}

/** The time span the rows cover; an open row reaches `nowMs`. */
export function timelineSpan(rows: readonly TimelineRow[], nowMs: number): { startMs: number; endMs: number } {
  let startMs = Infinity;
  let endMs = -Infinity;
  for (const row of rows) {
    startMs = Math.min(startMs, row.startMs);
    endMs = Math.max(endMs, row.endMs ?? Math.max(nowMs, row.startMs));
  }
  if (startMs === Infinity) return { startMs: nowMs, endMs: nowMs };
  return { startMs, endMs };
}

function newRow(
  key: string,
  kind: RowKind,
  label: string,
  state: RowState,
  execution: number,
  seq: number | undefined,
  startMs: number,
  endMs: number | undefined,
  error: ErrorSummary | undefined,
  index: number,
): TimelineRow {
  return { key, kind, label, state, execution, seq, startMs, endMs, attempts: undefined, error, entryIndexes: [index] };
}

function manyAttempts(value: unknown): number | undefined {
  return typeof value === "number" && value > 1 ? value : undefined;
}

function errorOf(value: unknown): ErrorSummary | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { name, message } = value as Record<string, unknown>;
  return { name: String(name ?? "Error"), message: String(message ?? "") };
}

function fireAtMs(entry: HistoryEntryJson, fallbackMs: number): number {
  const value = entry.fireAt;
  const ms = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : fallbackMs;
}
