/**
 * The replay check: the server replays the stored history against the code it has loaded and
 * says whether it still matches, or where it first diverges (a deploy that would break it):
 * for one instance, or for every instance a filter matches.
 */
import { useState } from "preact/hooks";
import { api, type InstanceFilter, type ReplayCheckResult, type ReplayCheckSummary } from "../api.js";
import { ErrorLine } from "../components/common.js";
import { routeHash } from "../view-models/route.js";

export function ReplayCheck({ instanceId }: { instanceId: string }) {
  const [result, setResult] = useState<ReplayCheckResult>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const check = (): void => {
    setBusy(true);
    setError(undefined);
    api.replayCheck(instanceId).then(
      (answer) => {
        setResult(answer);
        setBusy(false);
      },
      (failure: Error) => {
        setResult(undefined);
        setError(failure);
        setBusy(false);
      },
    );
  };
  return (
    <div class="replay-check" role="region" aria-label="Replay check">
      <button type="button" onClick={check} disabled={busy}>
        {busy ? "Checking…" : "Check replay against the loaded code"}
      </button>
      <div aria-live="polite">
        {result?.ok ? <p class="ok">Replay OK: the {result.events} recorded events match the code.</p> : null}
        {result && !result.ok ? (
          <p class="error" data-divergence-index={result.divergence.index}>
            Diverges at event {result.divergence.index} ({result.divergence.recorded.type}
            {result.divergence.recorded.name ? ` ${result.divergence.recorded.name}` : ""}): {result.divergence.message}
          </p>
        ) : null}
        {error ? <ErrorLine error={error} /> : null}
      </div>
    </div>
  );
}

/**
 * The same check over every instance a filter matches (running ones, say), before a deploy:
 * how many still replay against the code this server loaded, and where each other one parts.
 */
export function ReplayCheckWhere({ filter }: { filter: InstanceFilter }) {
  const [summary, setSummary] = useState<ReplayCheckSummary>();
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const check = (): void => {
    setBusy(true);
    setError(undefined);
    api.replayCheckWhere(filter).then(
      (answer) => {
        setSummary(answer);
        setBusy(false);
      },
      (failure: Error) => {
        setSummary(undefined);
        setError(failure);
        setBusy(false);
      },
    );
  };
  return (
    <div class="replay-check" role="region" aria-label="Replay check of the matching instances">
      <h2>Before a deploy</h2>
      <p>Replays the history of every instance the filter matches against the code this server has loaded.</p>
      <button type="button" onClick={check} disabled={busy}>
        {busy ? "Checking…" : "Check replay of the matching instances"}
      </button>
      <div aria-live="polite">
        {summary ? (
          <p class={summary.diverged.length ? "error" : "ok"}>
            {summary.checked} checked: {summary.diverged.length ? `${summary.diverged.length} diverge.` : "every one replays."}
            {summary.noCode.length ? ` Not checked (no code loaded here): ${summary.noCode.join(", ")}.` : ""}
          </p>
        ) : null}
        {summary?.diverged.length ? (
          <ul class="errors">
            {summary.diverged.map((d) => (
              <li key={d.instanceId} data-instance-id={d.instanceId}>
                <a href={routeHash({ page: "instance", instanceId: d.instanceId })}>{d.instanceId}</a> ({d.name}), event {d.divergence.index}: {d.divergence.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {error ? <ErrorLine error={error} /> : null}
    </div>
  );
}
