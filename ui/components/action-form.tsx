/**
 * The fields an action asks for inside its confirmation: a reason (terminate, suspend,
 * resume, rewind) or an event's name and JSON data (raise event). Reports whether they are
 * complete, so the confirm button can wait until they are.
 */
import { useState } from "preact/hooks";
import type { InstanceAction } from "../api.js";
import { TAKES_REASON } from "../view-models/actions.js";
import type { JsonInput } from "../view-models/json-input.js";
import { JsonEditor } from "./json-editor.js";

export interface ActionFields {
  reason: string;
  eventName: string;
  eventData: JsonInput;
}

export const EMPTY_FIELDS: ActionFields = { reason: "", eventName: "", eventData: { ok: true, value: undefined } };

export function fieldsComplete(action: InstanceAction, fields: ActionFields): boolean {
  return action !== "raiseEvent" || (fields.eventName.trim() !== "" && fields.eventData.ok);
}

export function ActionFieldsForm({ action, onChange }: { action: InstanceAction; onChange: (fields: ActionFields) => void }) {
  const [fields, setFields] = useState(EMPTY_FIELDS);
  const update = (change: Partial<ActionFields>): void => {
    const next = { ...fields, ...change };
    setFields(next);
    onChange(next);
  };
  if (action === "raiseEvent") {
    return (
      <>
        <div class="field">
          <label for="event-name">Event name</label>
          <input id="event-name" value={fields.eventName} onInput={(e) => update({ eventName: e.currentTarget.value })} />
        </div>
        <JsonEditor id="event-data" label="Data (JSON)" onChange={(eventData) => update({ eventData })} />
      </>
    );
  }
  if (!TAKES_REASON.has(action)) return null;
  return (
    <div class="field">
      <label for="action-reason">Reason (optional, kept in the history)</label>
      <input id="action-reason" value={fields.reason} onInput={(e) => update({ reason: e.currentTarget.value })} />
    </div>
  );
}
