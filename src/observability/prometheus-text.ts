/**
 * The Prometheus text exposition format (version 0.0.4): one `# HELP` and `# TYPE` line per
 * family, then a line per sample; a histogram's buckets are cumulative and end with `+Inf`.
 */
import type { Sample, HistogramSample, Labels } from "./local-metrics.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: readonly Sample[] }
  | { name: string; help: string; type: "histogram"; bounds: readonly number[]; samples: readonly HistogramSample[] };

export function prometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type !== "histogram") {
      for (const s of family.samples) lines.push(`${family.name}${labelText(s.labels)} ${numberText(s.value)}`);
      continue;
    }
    for (const s of family.samples) {
      family.bounds.forEach((bound, i) => lines.push(`${family.name}_bucket${labelText(s.labels, numberText(bound))} ${s.buckets[i]}`));
      lines.push(`${family.name}_bucket${labelText(s.labels, "+Inf")} ${s.count}`);
      lines.push(`${family.name}_sum${labelText(s.labels)} ${numberText(s.sum)}`, `${family.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
  return lines.length ? `${lines.join("\n")}\n` : "";
}

function labelText(labels: Labels, le?: string): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeValue(value)}"`);
  if (le !== undefined) pairs.push(`le="${le}"`);
  return pairs.length ? `{${pairs.join(",")}}` : "";
}

function escapeValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}
