/** The small pieces every page uses: a status badge, a JSON view, an error line, dates. */
import type { RuntimeStatus } from "../api.js";

export function StatusBadge({ status }: { status: RuntimeStatus }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function JsonView({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      {value === undefined ? "—" : JSON.stringify(value, null, 2)}
    </pre>
  );
}

export function ErrorLine({ error }: { error: Error }) {
  const code = (error as { code?: string }).code;
  return (
    <p class="error" role="alert">
      {code ? <code>{code}</code> : null} {error.message}
    </p>
  );
}

export function When({ iso }: { iso: string }) {
  const date = new Date(iso);
  return <time dateTime={iso} title={date.toISOString()}>{date.toLocaleString()}</time>;
}

/** "3 s", "4 min", "2 h" — for ages and waits. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
