/**
 * Instance: its status, why it waits, its failure, input/output/custom status, its parent and
 * children, its history (timeline, compact list, raw JSON), the actions allowed in its status
 * and the replay check. Reloaded whenever the stream reports a change to it.
 */
import { useEffect } from "preact/hooks";
import { api, subscribe, type InstanceStatus } from "../api.js";
import { ErrorLine, JsonView, StatusBadge, When } from "../components/common.js";
import { useLoad } from "../hooks.js";
import { routeHash } from "../view-models/route.js";
import { History } from "./history.js";
import { InstanceActions } from "./instance-actions.js";
import { ReplayCheck } from "./replay-check.js";
import { WhyWaiting } from "./why-waiting.js";

export function InstancePage({ instanceId }: { instanceId: string }) {
  const [loaded, reload] = useLoad(() => api.status(instanceId), [instanceId]);
  useEffect(
    () =>
      subscribe({
        instances: (changes) => {
          if (changes.some((change) => change.instanceId === instanceId)) reload();
        },
      }),
    [instanceId, reload],
  );

  if (loaded.state === "loading") return <p>Loading {instanceId}…</p>;
  if (loaded.state === "error") {
    return (
      <section>
        <h1>{instanceId}</h1>
        <ErrorLine error={loaded.error} />
        <a href="#/instances">Back to the instances</a>
      </section>
    );
  }
  const status = loaded.value;
  return (
    <section aria-labelledby="instance-title" class="instance">
      <h1 id="instance-title">
        <span class="instance-id">{status.instanceId}</span> <StatusBadge status={status.runtimeStatus} />
      </h1>
      <dl class="facts">
        <dt>Orchestration</dt>
        <dd>{status.name}</dd>
        <dt>Created</dt>
        <dd>
          <When iso={status.createdAt} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <When iso={status.lastUpdatedAt} />
        </dd>
        <Relatives status={status} />
      </dl>
      <InstanceActions status={status} onDone={reload} />
      <ReplayCheck instanceId={status.instanceId} />
      <WhyWaiting status={status} />
      {status.failureDetails ? (
        <div class="failure" role="region" aria-label="Failure">
          <h2>Failure</h2>
          <p>
            <code>{status.failureDetails.code}</code> {status.failureDetails.name}: {status.failureDetails.message}
          </p>
          {status.failureDetails.stack ? <pre class="stack">{status.failureDetails.stack}</pre> : null}
        </div>
      ) : null}
      <div class="payloads">
        <div>
          <h2>Input</h2>
          <JsonView label="Input" value={status.input} />
        </div>
        <div>
          <h2>Output</h2>
          <JsonView label="Output" value={status.output} />
        </div>
        <div>
          <h2>Custom status</h2>
          <JsonView label="Custom status" value={status.customStatus} />
        </div>
      </div>
      <History status={status} />
    </section>
  );
}

/** A sub-orchestration's parent (the store records it), and the children still running. */
function Relatives({ status }: { status: InstanceStatus }) {
  const parent = status.parentInstanceId;
  const children = status.pending?.children ?? [];
  return (
    <>
      {parent ? (
        <>
          <dt>Parent</dt>
          <dd>
            <a href={routeHash({ page: "instance", instanceId: parent })}>{parent}</a>
          </dd>
        </>
      ) : null}
      {children.length ? (
        <>
          <dt>Children running</dt>
          <dd>
            <ul class="inline">
              {children.map((child) => (
                <li key={child.instanceId}>
                  <a href={routeHash({ page: "instance", instanceId: child.instanceId })}>{child.instanceId}</a> ({child.name},{" "}
                  {child.runtimeStatus})
                </li>
              ))}
            </ul>
          </dd>
        </>
      ) : null}
    </>
  );
}
