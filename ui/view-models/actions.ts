/**
 * What each action does, as the confirmation says it before it is done: the subject, the
 * effect, and whether it can be undone. Shared by the Instance page (one instance) and the
 * Bulk page (every instance a filter matches).
 */
import type { InstanceAction, RuntimeStatus } from "../api-types.js";

export const ACTION_LABELS: Record<InstanceAction, string> = {
  terminate: "Terminate",
  suspend: "Suspend",
  resume: "Resume",
  rewind: "Rewind",
  restart: "Restart",
  purge: "Purge",
  raiseEvent: "Raise event",
};

const EFFECTS: Record<InstanceAction, string> = {
  terminate: "ends it now as Terminated; activities already running finish but their results are ignored. This cannot be undone",
  suspend: "pauses it: no episode runs until it is resumed; results and events that arrive meanwhile wait, in order",
  resume: "lets it run again from where it was suspended",
  rewind: "takes it back to just before the episode that failed and runs that again; the work done before stays",
  restart: "starts it over under the same id, with the same input; its old history is replaced. Only a finished instance restarts",
  purge: "deletes it and its whole history from the store. This cannot be undone",
  raiseEvent: "delivers the event to it; an orchestration that waits for that name gets the data",
};

/** The confirmation's sentence, for one instance (`subject` its id) or many (a count). */
export function confirmationText(action: InstanceAction, subject: { instanceId: string } | { count: number }, eventName?: string): string {
  const what = "instanceId" in subject ? `instance ${subject.instanceId}` : `${subject.count} instance${subject.count === 1 ? "" : "s"}`;
  const verb = action === "raiseEvent" ? `Raise event "${eventName ?? ""}" on` : ACTION_LABELS[action];
  const effect = "instanceId" in subject ? EFFECTS[action] : EFFECTS[action].replace(/\bit\b/g, "each").replace(/\bits\b/g, "their");
  return `${verb} ${what}: ${effect}.`;
}

const LIVE: readonly RuntimeStatus[] = ["Pending", "Running", "Suspended"];
const FINISHED: readonly RuntimeStatus[] = ["Completed", "Failed", "Terminated", "ContinuedAsNew"];

/** The actions an instance in this status accepts, in the order the page offers them. */
export function actionsFor(status: RuntimeStatus): InstanceAction[] {
  const actions: InstanceAction[] = [];
  if (LIVE.includes(status)) actions.push("raiseEvent");
  if (status === "Pending" || status === "Running") actions.push("suspend");
  if (status === "Suspended") actions.push("resume");
  if (LIVE.includes(status)) actions.push("terminate");
  if (status === "Failed") actions.push("rewind");
  if (FINISHED.includes(status) && status !== "ContinuedAsNew") actions.push("restart");
  if (FINISHED.includes(status)) actions.push("purge");
  return actions;
}

/** Actions that take an optional reason (recorded in the history). */
export const TAKES_REASON: ReadonlySet<InstanceAction> = new Set(["terminate", "suspend", "resume", "rewind"]);
/** Actions whose effect cannot be undone: their button is styled as dangerous. */
export const DESTRUCTIVE: ReadonlySet<InstanceAction> = new Set(["terminate", "purge", "restart"]);
