/** A textarea for JSON that says, as it is typed, whether it is valid (and where it is not). */
import { useState } from "preact/hooks";
import { parseJsonInput, type JsonInput } from "../view-models/json-input.js";

export function JsonEditor(props: { id: string; label: string; initial?: string; onChange: (input: JsonInput) => void }) {
  const [text, setText] = useState(props.initial ?? "");
  const parsed = parseJsonInput(text);
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        class="json-editor"
        rows={5}
        spellcheck={false}
        value={text}
        aria-invalid={!parsed.ok}
        aria-describedby={`${props.id}-check`}
        onInput={(event) => {
          const value = event.currentTarget.value;
          setText(value);
          props.onChange(parseJsonInput(value));
        }}
      />
      <small id={`${props.id}-check`} class={parsed.ok ? "hint" : "error"}>
        {parsed.ok ? (parsed.value === undefined ? "Empty: no value is sent." : "Valid JSON.") : parsed.message}
      </small>
    </div>
  );
}
