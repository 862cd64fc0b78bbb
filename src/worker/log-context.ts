/**
 * The fields that say what a worker's log line is about: an episode of an instance, or one
 * attempt of an activity task. (The worker's id is bound once, by the worker, to every line.)
 */
import type { LogFields } from "../definitions/logger.js";
import type { ActivityWorkItem, OrchestrationWorkItem } from "../store/store.js";

/** An episode's context: the instance, its orchestration, the execution (generation). */
export function episodeFields(item: Pick<OrchestrationWorkItem, "instanceId" | "name" | "executionId">): LogFields {
  return { instanceId: item.instanceId, name: item.name, executionId: item.executionId };
}

/** An activity attempt's context: the instance, the activity, its call (seq) and attempt. */
export function attemptFields(task: ActivityWorkItem): LogFields {
  return { instanceId: task.instanceId, name: task.name, executionId: task.executionId, seq: task.seq, attempt: task.attempt };
}
