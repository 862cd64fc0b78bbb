/**
 * "Why it is waiting": what getStatus says a live instance waits on — a worker hosting its
 * code, activities (running, or waiting for an attempt, with the failure that made them
 * retry), timers, events, children — or why it is stalled.
 */
import type { InstanceStatus } from "../api.js";
import { When } from "../components/common.js";
import { routeHash } from "../view-models/route.js";

export function WhyWaiting({ status }: { status: InstanceStatus }) {
  const { pending, waitingForWorker, stalled } = status;
  const empty = !pending || (!pending.activities.length && !pending.timers.length && !pending.events.length && !pending.children.length);
  if (!waitingForWorker && !stalled && empty) return null;
  return (
    <div class="waiting" role="region" aria-label="Why it is waiting">
      <h2>Why it is waiting</h2>
      {stalled ? (
        <p class="warning">
          Stalled since <When iso={stalled.since} />: <code>{stalled.code}</code> {stalled.message}
        </p>
      ) : null}
      {waitingForWorker ? <p class="warning">{waitingForWorker.message}</p> : null}
      {pending ? (
        <ul>
          {pending.activities.map((activity) => (
            <li key={`a${activity.seq}`}>
              Activity <strong>{activity.name}</strong> (#{activity.seq}), attempt {activity.attempt}:{" "}
              {activity.state === "running" ? "running on a worker" : "waiting for a worker"}
              {activity.nextAttemptAt ? (
                <>
                  , not before <When iso={activity.nextAttemptAt} />
                </>
              ) : null}
              {activity.lastFailure ? (
                <span class="error">
                  {" "}
                  — last attempt failed: {activity.lastFailure.name}: {activity.lastFailure.message}
                </span>
              ) : null}
            </li>
          ))}
          {pending.timers.map((timer) => (
            <li key={`t${timer.seq}`}>
              Timer #{timer.seq} fires at <When iso={timer.fireAt} />
            </li>
          ))}
          {pending.events.map((name) => (
            <li key={`e${name}`}>
              Event <strong>{name}</strong> (not raised yet)
            </li>
          ))}
          {pending.children.map((child) => (
            <li key={`c${child.instanceId}`}>
              Child <a href={routeHash({ page: "instance", instanceId: child.instanceId })}>{child.instanceId}</a> ({child.name}) is{" "}
              {child.runtimeStatus}
            </li>
          ))}
          {pending.truncated ? <li>… and more (each list shows its first 100)</li> : null}
        </ul>
      ) : null}
    </div>
  );
}
