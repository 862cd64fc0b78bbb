/** The Instance page's actions: those its status accepts, each confirmed first; hidden in read-only mode. */
import { useState } from "preact/hooks";
import { api, type InstanceAction, type InstanceStatus } from "../api.js";
import { useCanAct } from "../app.js";
import { ActionFieldsForm, EMPTY_FIELDS, fieldsComplete, type ActionFields } from "../components/action-form.js";
import { ErrorLine } from "../components/common.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { navigate } from "../hooks.js";
import { ACTION_LABELS, actionsFor, confirmationText, DESTRUCTIVE } from "../view-models/actions.js";

export function InstanceActions({ status, onDone }: { status: InstanceStatus; onDone: () => void }) {
  const canAct = useCanAct();
  const [open, setOpen] = useState<InstanceAction>();
  const [fields, setFields] = useState<ActionFields>(EMPTY_FIELDS);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  if (!canAct) return null;

  const run = async (action: InstanceAction): Promise<void> => {
    const id = status.instanceId;
    if (action === "raiseEvent") await api.raiseEvent(id, fields.eventName.trim(), fields.eventData.ok ? fields.eventData.value : undefined);
    else if (action === "restart") await api.restart(id);
    else if (action === "purge") await api.purge(id);
    else await api.act(id, action, fields.reason);
  };
  const confirm = (action: InstanceAction): void => {
    setBusy(true);
    setError(undefined);
    run(action).then(
      () => {
        setOpen(undefined);
        setBusy(false);
        if (action === "purge") navigate({ page: "instances", filter: {} });
        else onDone();
      },
      (failure: Error) => {
        setOpen(undefined);
        setBusy(false);
        setError(failure);
      },
    );
  };
  return (
    <div class="actions" role="toolbar" aria-label="Actions">
      {actionsFor(status.runtimeStatus).map((action) => (
        <button
          key={action}
          type="button"
          class={DESTRUCTIVE.has(action) ? "danger" : undefined}
          onClick={() => {
            setFields(EMPTY_FIELDS);
            setOpen(action);
          }}
        >
          {ACTION_LABELS[action]}…
        </button>
      ))}
      {error ? <ErrorLine error={error} /> : null}
      {open ? (
        <ConfirmDialog
          title={`${ACTION_LABELS[open]} ${status.instanceId}?`}
          confirmLabel={ACTION_LABELS[open]}
          danger={DESTRUCTIVE.has(open)}
          busy={busy || !fieldsComplete(open, fields)}
          onCancel={() => setOpen(undefined)}
          onConfirm={() => confirm(open)}
        >
          <p class="effect">{confirmationText(open, { instanceId: status.instanceId }, fields.eventName || "…")}</p>
          <ActionFieldsForm action={open} onChange={setFields} />
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
