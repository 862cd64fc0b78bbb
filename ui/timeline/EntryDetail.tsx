/**
 * One history entry in full, for the detail panes of the timeline and the history list: its
 * type, time and fields, payloads as indented JSON cut at MAX_FIELD_CHARS (a payload can be
 * large; the CLI and the API give it whole).
 */
import type { JSX } from "preact";
import type { HistoryEntryJson } from "../view-models/timeline.js";

const MAX_FIELD_CHARS = 4_000;

export function EntryDetail({ index, entry }: { index: number; entry: HistoryEntryJson }): JSX.Element {
  const { type, timestamp, ...fields } = entry;
  const time = new Date(typeof timestamp === "number" ? timestamp : Date.parse(timestamp)).toISOString();
  return (
    <section class="tl-entry">
      <h4>
        #{index} {type} <time dateTime={time}>{time}</time>
      </h4>
      <dl>
        {Object.entries(fields).map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              <pre>{fieldText(value)}</pre>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function fieldText(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2) ?? String(value);
  return text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}… (${text.length} characters)` : text;
}
