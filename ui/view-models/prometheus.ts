/**
 * Reads the figures the Workers page shows out of GET /api/metrics (Prometheus text): per
 * function, the work ready to claim (`baton_work_ready`) and how long the oldest ready item
 * has waited (`baton_work_ready_oldest_age_seconds`), both labelled by queue and function.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ReadyWork {
  queue: string;
  function: string;
  ready: number;
  oldestAgeSeconds: number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Every sample line of a Prometheus text exposition (comments and blank lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? "").matchAll(LABEL)) labels[key!] = unescape(raw!);
    samples.push({ name: match[1]!, labels, value: parseValue(match[3]!) });
  }
  return samples;
}

/** Ready work per queue and function, most waited-on first. */
export function readyWork(samples: readonly Sample[]): ReadyWork[] {
  const rows = new Map<string, ReadyWork>();
  const rowOf = (labels: Record<string, string>): ReadyWork => {
    const key = `${labels.queue}\u0000${labels.function}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { queue: labels.queue ?? "", function: labels.function ?? "", ready: 0, oldestAgeSeconds: 0 }));
    return row;
  };
  for (const sample of samples) {
    if (sample.name === "baton_work_ready") rowOf(sample.labels).ready = sample.value;
    if (sample.name === "baton_work_ready_oldest_age_seconds") rowOf(sample.labels).oldestAgeSeconds = sample.value;
  }
  return [...rows.values()].sort((a, b) => b.oldestAgeSeconds - a.oldestAgeSeconds || a.function.localeCompare(b.function));
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function parseValue(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}
