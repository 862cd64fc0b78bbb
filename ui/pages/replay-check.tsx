/**
 * The replay check: the server replays the stored history against the code it has loaded and
 * says whether it still matches, or where it first diverges (a deploy that would break it).
 */
import { useState } from "preact/hooks";
import { api, type ReplayCheckResult } from "../api.js";
import { ErrorLine } from "../components/common.js";

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
