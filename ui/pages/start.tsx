/** Start: an orchestration by name (from the announced functions) with a JSON input and an optional id. */
import { useState } from "preact/hooks";
import { api } from "../api.js";
import { useCanAct } from "../app.js";
import { ErrorLine } from "../components/common.js";
import { JsonEditor } from "../components/json-editor.js";
import { navigate, useLoad } from "../hooks.js";
import type { JsonInput } from "../view-models/json-input.js";

export function StartPage({ name: initialName }: { name?: string }) {
  const canAct = useCanAct();
  const [functions] = useLoad(() => api.functions(), []);
  const [name, setName] = useState(initialName ?? "");
  const [instanceId, setInstanceId] = useState("");
  const [input, setInput] = useState<JsonInput>({ ok: true, value: undefined });
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  if (!canAct) return <p>This dashboard is read-only: starting instances is turned off.</p>;
  const names = functions.state === "ok" ? functions.value.orchestrations : [];
  return (
    <section aria-labelledby="start-title">
      <h1 id="start-title">Start an orchestration</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!input.ok) return;
          setBusy(true);
          setError(undefined);
          api.startNew(name.trim(), input.value, instanceId.trim() || undefined).then(
            ({ id }) => navigate({ page: "instance", instanceId: id }),
            (failure: Error) => {
              setError(failure);
              setBusy(false);
            },
          );
        }}
      >
        <div class="field">
          <label for="start-name">Orchestration</label>
          <input id="start-name" list="orchestration-names" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          <datalist id="orchestration-names">
            {names.map((fn) => (
              <option key={fn.name} value={fn.name}>
                {fn.hosted ? "hosted" : "no live worker hosts it"}
              </option>
            ))}
          </datalist>
        </div>
        <div class="field">
          <label for="start-id">Instance id (optional; a new one is made)</label>
          <input id="start-id" value={instanceId} onInput={(e) => setInstanceId(e.currentTarget.value)} />
        </div>
        <JsonEditor id="start-input" label="Input (JSON)" onChange={setInput} />
        {error ? <ErrorLine error={error} /> : null}
        <button type="submit" class="primary" disabled={busy || !input.ok || name.trim() === ""}>
          Start
        </button>
      </form>
    </section>
  );
}
