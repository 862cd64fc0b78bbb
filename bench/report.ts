/**
 * Turns scenario results into a console table and into the results section of
 * BENCHMARKS.md (between `<!-- results:start -->` and `<!-- results:end -->`).
 *
 * Each scenario has its own block in that section, carrying its figures as JSON in an HTML
 * comment, so that running a few scenarios replaces their blocks and keeps the others; the
 * summary table at the top is rebuilt from all blocks.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { machineLine, storeLine, type MachineInfo } from "./machine.js";
import type { MetricSpec, Scenario } from "./scenario.js";
import { formatNumber } from "./stats.js";

export interface ScenarioResult {
  id: string;
  command: string;
  /** ISO time the first run started. */
  date: string;
  machine: MachineInfo;
  /** Metrics of each successful run, in run order. */
  runs: Record<string, number>[];
  medians: Record<string, number>;
  /** 1-minute load average just before each run. */
  loadAverages: number[];
  /** Set when a run failed (check failed, crash, hang): the figures do not count. */
  failure?: string;
  /** The commit measured ("abc1234", "+changes" when src/ had uncommitted edits; "a → b" when it changed during the runs). */
  code?: string;
  /** Settings that change the workload, e.g. the W7 size. */
  settings?: Record<string, string>;
}

export const RESULTS_START = "<!-- results:start -->";
export const RESULTS_END = "<!-- results:end -->";

// ---- judging a figure ----

export function targetText(spec: MetricSpec): string {
  return spec.target ? `${spec.target.op === "<=" ? "≤" : "≥"} ${formatNumber(spec.target.value)}` : "";
}

export function metText(spec: MetricSpec, value: number | undefined): string {
  if (!spec.target || value === undefined) return "";
  const met = spec.target.op === "<=" ? value <= spec.target.value : value >= spec.target.value;
  return met ? "yes" : "no";
}

/** How many times better than the reference (> 1 means Baton is better), e.g. "×2.26". */
export function versusReference(spec: MetricSpec, value: number | undefined): string {
  if (spec.reference === undefined || value === undefined || value <= 0) return "";
  const higherIsBetter = spec.target?.op === ">=";
  const ratio = higherIsBetter ? value / spec.reference : spec.reference / value;
  return `×${formatNumber(ratio)}`;
}

function figure(value: number | undefined, spec: MetricSpec): string {
  if (value === undefined) return "—";
  return spec.unit === "count" ? formatNumber(value) : `${formatNumber(value)} ${spec.unit}`;
}

// ---- console ----

export function consoleTable(scenario: Scenario, result: ScenarioResult): string {
  const header = ["metric", "median", ...result.runs.map((_, i) => `run ${i + 1}`), "target", "met", "reference", "vs ref"];
  const rows = Object.entries(scenario.metrics).map(([name, spec]) => [
    name,
    figure(result.medians[name], spec),
    ...result.runs.map((run) => (run[name] === undefined ? "—" : formatNumber(run[name]!))),
    targetText(spec),
    metText(spec, result.medians[name]),
    spec.reference === undefined ? "" : formatNumber(spec.reference),
    versusReference(spec, result.medians[name]),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const title = `${scenario.id} — ${scenario.title}`;
  const failure = result.failure ? `\nFAILED: ${result.failure}` : "";
  return [title, line(header), ...rows.map(line)].join("\n") + failure;
}

// ---- BENCHMARKS.md ----

function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, "\\|");
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.map(escape).join(" | ")} |`).join("\n");
}

function blockOf(scenario: Scenario | undefined, result: ScenarioResult): string {
  const title = scenario ? `${result.id} — ${scenario.title}` : result.id;
  const runs = result.runs.length;
  const settings = Object.entries(result.settings ?? {}).map(([k, v]) => `${k}=${v}`);
  const lines = [
    `<!-- scenario:${result.id}:start -->`,
    `### ${title}`,
    "",
    scenario ? `Target: ${scenario.target} · reference (issue 4): ${scenario.reference}` : "",
    "",
    `- Command: \`${result.command}\` · ${result.date.slice(0, 16).replace("T", " ")} UTC · ` +
      `median of ${runs} fresh process${runs === 1 ? "" : "es"}${runs < 3 ? " (fewer than 3: indicative only)" : ""}` +
      `${settings.length ? ` · ${settings.join(", ")}` : ""}`,
    `- Code: ${result.code ?? "unknown"}${result.code?.includes("→") ? " (the code changed during the runs: the runs measured different commits)" : ""}`,
    `- Store: ${storeLine(result.machine)}`,
    `- Machine: ${machineLine(result.machine)}; 1-minute load average before each run: ${result.loadAverages.map((l) => l.toFixed(2)).join(", ")}`,
    "",
  ];
  if (result.failure) lines.push(`**FAILED** — these figures do not count: ${result.failure}`, "");
  if (scenario && runs > 0) {
    const rows = Object.entries(scenario.metrics).map(([name, spec]) => [
      `\`${name}\``,
      figure(result.medians[name], spec),
      result.runs.map((run) => (run[name] === undefined ? "—" : formatNumber(run[name]!))).join(" · "),
      targetText(spec),
      metText(spec, result.medians[name]),
      spec.reference === undefined ? "" : figure(spec.reference, spec),
      versusReference(spec, result.medians[name]),
      spec.about,
    ]);
    lines.push(markdownTable(["metric", "median", "runs", "target", "met", "reference", "vs reference", "what it measures"], rows), "");
  }
  lines.push(`<!-- data:${result.id} ${encodeData(result)} -->`, `<!-- scenario:${result.id}:end -->`);
  return lines.join("\n");
}

function summaryOf(scenarios: readonly Scenario[], results: readonly ScenarioResult[]): string {
  const rows: string[][] = [];
  let targets = 0;
  let met = 0;
  for (const result of results) {
    const scenario = scenarios.find((s) => s.id === result.id);
    if (!scenario) continue;
    for (const [name, spec] of Object.entries(scenario.metrics)) {
      if (!spec.target && spec.reference === undefined) continue;
      const value = result.failure ? undefined : result.medians[name];
      const verdict = result.failure ? "failed" : metText(spec, value);
      if (spec.target) targets++;
      if (verdict === "yes") met++;
      const reference = spec.reference === undefined ? "" : figure(spec.reference, spec);
      rows.push([result.id, `\`${name}\``, figure(value, spec), targetText(spec), verdict, reference, versusReference(spec, value)]);
    }
  }
  const table = markdownTable(["workload", "metric", "Baton (median)", "target", "met", "reference (issue 4)", "vs reference"], rows);
  return `Targets met: **${met} of ${targets}**. "vs reference" is how many times better than the figure established systems reached (above 1 = better).\n\n${table}`;
}

/** Writes `results` into BENCHMARKS.md, replacing the blocks of these scenarios and keeping the others. */
export function updateBenchmarksFile(path: string, scenarios: readonly Scenario[], results: readonly ScenarioResult[]): void {
  const text = existsSync(path) ? readFileSync(path, "utf8") : `# Benchmarks\n\n## Results\n\n${RESULTS_START}\n${RESULTS_END}\n`;
  const start = text.indexOf(RESULTS_START);
  const end = text.indexOf(RESULTS_END);
  const [before, inside, after] =
    start >= 0 && end > start
      ? [text.slice(0, start), text.slice(start + RESULTS_START.length, end), text.slice(end + RESULTS_END.length)]
      : [`${text.trimEnd()}\n\n## Results\n\n`, "", "\n"];

  const byId = new Map<string, ScenarioResult>();
  for (const match of inside.matchAll(/<!-- data:(\S+) (.*?) -->/g)) byId.set(match[1]!, decodeData(match[2]!));
  for (const result of results) byId.set(result.id, result);
  const order = (id: string): number => {
    const index = scenarios.findIndex((s) => s.id === id);
    return index < 0 ? scenarios.length : index;
  };
  const all = [...byId.values()].sort((a, b) => order(a.id) - order(b.id));

  const section = [
    "",
    "_Written by `npm run bench`; edits between the results markers are replaced on the next run._",
    "",
    "#### Summary",
    "",
    summaryOf(scenarios, all),
    "",
    ...all.map((result) => `${blockOf(scenarios.find((s) => s.id === result.id), result)}\n`),
  ].join("\n");
  writeFileSync(path, `${before}${RESULTS_START}\n${section}${RESULTS_END}${after}`);
}

// An HTML comment may not contain "--"; it can only occur inside JSON strings, where an escape keeps it.
function encodeData(result: ScenarioResult): string {
  return JSON.stringify(result).replace(/--/g, "-\\u002d");
}

function decodeData(text: string): ScenarioResult {
  return JSON.parse(text) as ScenarioResult;
}
