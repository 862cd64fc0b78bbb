/** Human-readable output of the `baton` command: tables, a status card, a history timeline. */
import type { HistoryEntry } from "../engine/history-entry.js";
import type { PendingJson, StatusJson } from "./admin.js";

const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
export const dim = paint(2);
export const bold = paint(1);
export const red = paint(31);
const green = paint(32);
export const yellow = paint(33);
const cyan = paint(36);

export function statusColor(status: string): string {
  if (status === "Completed") return green(status);
  if (status === "Failed" || status === "Terminated") return red(status);
  if (status === "Suspended" || status === "Pending") return yellow(status);
  return cyan(status);
}

/** Columns padded to their widest cell (ANSI colour codes do not count). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const visible = (text: string): number => text.replace(/\u001b\[\d+m/g, "").length;
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => visible(row[i] ?? ""))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat(widths[i]! - visible(cell))))
      .join("  ")
      .trimEnd();
  return [bold(line(headers)), ...rows.map(line)].join("\n");
}

export function short(value: unknown, max = 60): string {
  if (value === undefined) return "";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text cut to `max` characters, unquoted (an error message reads as written). */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function time(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, "Z");
}

export function statusCard(status: StatusJson): string {
  const lines = [
    `${bold(status.instanceId)}  ${status.name}  ${statusColor(status.runtimeStatus)}`,
    `created   ${time(status.createdAt)}`,
    `updated   ${time(status.lastUpdatedAt)}`,
  ];
  if (status.input !== undefined) lines.push(`input     ${short(status.input, 200)}`);
  if (status.output !== undefined) lines.push(`output    ${short(status.output, 200)}`);
  if (status.customStatus !== undefined && status.customStatus !== null) lines.push(`custom    ${short(status.customStatus, 200)}`);
  if (status.failureDetails) lines.push(red(`failure   ${status.failureDetails.name ?? "Error"}: ${status.failureDetails.message ?? ""}`));
  if (status.stalled) lines.push(yellow(`stalled   ${status.stalled.code}: ${status.stalled.message}`));
  if (status.waitingForWorker) lines.push(yellow(`waiting   ${status.waitingForWorker.message}`));
  if (status.pending) lines.push(...pendingLines(status.pending));
  return lines.join("\n");
}

/** Why the instance waits: one line per activity, timer, awaited event and running child. */
function pendingLines(pending: PendingJson): string[] {
  const items = [
    ...pending.activities.map((a) => {
      const when = a.state === "running" ? "running" : `waiting${a.nextAttemptAt ? ` until ${time(a.nextAttemptAt)}` : ""}`;
      const failure = a.lastFailure ? red(` (last failure ${a.lastFailure.name}: ${clip(a.lastFailure.message, 120)})`) : "";
      return `activity #${a.seq} ${a.name} attempt ${a.attempt}, ${when}${failure}`;
    }),
    ...pending.timers.map((t) => `timer #${t.seq} fires ${time(t.fireAt)}`),
    ...pending.events.map((name) => `event "${name}"`),
    ...pending.children.map((c) => `child ${c.instanceId} ${c.name} ${statusColor(c.runtimeStatus)}`),
    ...(pending.truncated ? [dim("… and more (each list shows its first 100)")] : []),
  ];
  return items.map((item, i) => `${i === 0 ? "pending   " : "          "}${item}`);
}

/** One history event as a short line: what happened, to which call. */
export function describeEvent(event: HistoryEntry | (Record<string, unknown> & { type: string })): string {
  const e = event as Record<string, unknown>;
  const seq = e.seq === undefined ? "" : ` #${String(e.seq)}`;
  switch (event.type) {
    case "EpisodeStarted":
      return "episode";
    case "ExecutionStarted":
      return `started ${String(e.name ?? "")}${e.input === undefined ? "" : ` with ${short(e.input)}`}`;
    case "TaskScheduled":
      return `call${seq} ${String(e.name)}${e.input === undefined ? "" : `(${short(e.input, 40)})`}`;
    case "TaskCompleted":
      return green(`done${seq}`) + (e.output === undefined ? "" : ` → ${short(e.output)}`) + retried(e);
    case "TaskFailed":
      return red(`failed${seq}`) + ` ${short((e.error as { message?: string } | undefined)?.message ?? "")}`;
    case "TimerCreated":
      return `timer${seq} until ${new Date(e.fireAt as number).toISOString()}`;
    case "TimerFired":
      return `timer${seq} fired`;
    case "EventRaised":
      return `event "${String(e.name)}"${e.data === undefined ? "" : ` ${short(e.data)}`}`;
    case "ExecutionCompleted":
      return green("completed") + (e.output === undefined ? "" : ` → ${short(e.output)}`);
    case "ExecutionFailed":
      return red("failed") + ` ${short((e.failure as { message?: string } | undefined)?.message ?? (e.error as { message?: string } | undefined)?.message ?? "")}`;
    case "ExecutionTerminated":
      return red("terminated") + (e.reason === undefined ? "" : ` (${String(e.reason)})`);
    default: {
      const { type, timestamp: _t, ...rest } = e;
      const details = Object.keys(rest).length ? ` ${short(rest)}` : "";
      return `${String(type)}${details}`;
    }
  }
}

/** The history as a timeline: offset from the start, then what happened (episode starts dimmed). */
export function timeline(history: readonly (Record<string, unknown> & { type: string; timestamp: string })[]): string {
  if (history.length === 0) return dim("(no history yet)");
  const start = new Date(history[0]!.timestamp).getTime();
  return history
    .map((event) => {
      const offset = `+${((new Date(event.timestamp).getTime() - start) / 1000).toFixed(3)}s`.padStart(11);
      const text = describeEvent(event);
      return event.type === "EpisodeStarted" ? dim(`${offset}  ${text}`) : `${offset}  ${text}`;
    })
    .join("\n");
}

/** A success after failed attempts: how many it took and the last failure. */
function retried(e: Record<string, unknown>): string {
  if (typeof e.attempts !== "number") return "";
  const last = e.lastFailure as { name?: string; message?: string } | undefined;
  return dim(` after ${e.attempts} attempts${last ? ` (last failure ${last.name ?? "Error"}: ${clip(last.message ?? "", 80)})` : ""}`);
}
