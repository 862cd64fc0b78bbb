/**
 * One history entry in full, for the detail panes of the timeline and the history list: its
 * type, time and fields, payloads as indented JSON cut at MAX_FIELD_CHARS (a payload can be
 * large; the CLI and the API give it whole). A sub-orchestration's id links to its own page,
 * running or long finished.
 */
import type { JSX } from "preact";
import { routeHash } from "../view-models/route.js";
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
              {type === "SubOrchestrationScheduled" && name === "instanceId" && typeof value === "string" ? (
                <a href={routeHash({ page: "instance", instanceId: value })}>{value}</a>
              ) : (
                <pre>{fieldText(value)}</pre>
              )}
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
