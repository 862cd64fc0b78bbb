/**
 * Turns scenario results into a console table and into the results section of
 * BENCHMARKS.md (between `<!-- results:start -->` and `<!-- results:end -->`).
 *
 * Each scenario has its own block in that section per store, carrying its figures as JSON in
 * an HTML comment, so that running a few scenarios on one store replaces their blocks and
 * keeps the others; the summary table at the top is rebuilt from all blocks, one column per
 * store. SQLite blocks are keyed by the scenario id alone (`W1`), as before there was a
 * second store; PostgreSQL blocks by `W1-postgres`, and follow the SQLite block of the same
 * scenario.
 */
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { machineLine, storeLine, type MachineInfo } from "./machine.js";
import type { MetricSpec, Scenario } from "./scenario.js";
import { formatNumber } from "./stats.js";
import { postgresIsDurable, type PostgresInfo, type StoreKind } from "./stores.js";

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
  /** The store measured when it is not SQLite (absent: SQLite, described by `machine.fileSystem`). */
  store?: { kind: "postgres" } & PostgresInfo;
}

export function storeKindOfResult(result: ScenarioResult): StoreKind {
  return result.store?.kind ?? "sqlite";
}

const STORE_LABELS: Record<StoreKind, string> = { sqlite: "SQLite", postgres: "PostgreSQL" };

/** The key of a result's block: `W1` on SQLite, `W1-postgres` on PostgreSQL. */
export function blockKey(result: ScenarioResult): string {
  const kind = storeKindOfResult(result);
  return kind === "sqlite" ? result.id : `${result.id}-${kind}`;
}

/** Whether figures on this result's store count toward targets (durability not weakened). */
function counts(result: ScenarioResult): boolean {
  return !result.store || postgresIsDurable(result.store);
}

/** The store and its durability, as stated next to a result's figures. */
export function resultStoreLine(result: ScenarioResult): string {
  const store = result.store;
  if (!store) return storeLine(result.machine);
  const { synchronous_commit, fsync, wal_sync_method, full_page_writes, shared_buffers } = store.settings;
  const durability = postgresIsDurable(store)
    ? "every commit waits for its WAL flush"
    : "durability weakened: these figures do not count toward targets";
  const disk = store.dataFileSystem ? `, data directory on ${store.dataFileSystem}` : "";
  return (
    `PostgreSQL ${store.version} at ${store.server} (read from the server: synchronous_commit=${synchronous_commit}, fsync=${fsync}, ` +
    `wal_sync_method=${wal_sync_method}, full_page_writes=${full_page_writes}, shared_buffers=${shared_buffers}; ${durability})${disk}; ` +
    `a fresh schema per run, dropped afterwards`
  );
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
  const title = `${scenario.id} — ${scenario.title} · ${STORE_LABELS[storeKindOfResult(result)]}`;
  const failure = result.failure ? `\nFAILED: ${result.failure}` : "";
  return [title, line(header), ...rows.map(line)].join("\n") + failure;
}

// ---- BENCHMARKS.md ----

function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, "\\|");
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.map(escape).join(" | ")} |`).join("\n");
}

function blockOf(scenario: Scenario | undefined, result: ScenarioResult): string {
  const key = blockKey(result);
  const onStore = result.store ? ` · ${STORE_LABELS[result.store.kind]}` : "";
  const title = `${scenario ? `${result.id} — ${scenario.title}` : result.id}${onStore}`;
  const met = (spec: MetricSpec, value: number | undefined): string => (counts(result) ? metText(spec, value) : spec.target ? "not counted" : "");
  const runs = result.runs.length;
  const settings = Object.entries(result.settings ?? {}).map(([k, v]) => `${k}=${v}`);
  const lines = [
    `<!-- scenario:${key}:start -->`,
    `### ${title}`,
    "",
    scenario ? `Target: ${scenario.target} · reference (issue 4): ${scenario.reference}` : "",
    "",
    `- Command: \`${result.command}\` · ${result.date.slice(0, 16).replace("T", " ")} UTC · ` +
      `median of ${runs} fresh process${runs === 1 ? "" : "es"}${runs < 3 ? " (fewer than 3: indicative only)" : ""}` +
      `${settings.length ? ` · ${settings.join(", ")}` : ""}`,
    `- Code: ${result.code ?? "unknown"}${result.code?.includes("→") ? " (the code changed during the runs: the runs measured different commits)" : ""}`,
    `- Store: ${resultStoreLine(result)}`,
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
      met(spec, result.medians[name]),
      spec.reference === undefined ? "" : figure(spec.reference, spec),
      versusReference(spec, result.medians[name]),
      spec.about,
    ]);
    lines.push(markdownTable(["metric", "median", "runs", "target", "met", "reference", "vs reference", "what it measures"], rows), "");
  }
  lines.push(`<!-- data:${key} ${encodeData(result)} -->`, `<!-- scenario:${key}:end -->`);
  return lines.join("\n");
}

/**
 * One row per metric with a target or reference, one median and verdict column per store that
 * has results (SQLite first), so the stores' figures for a metric sit side by side.
 */
function summaryOf(scenarios: readonly Scenario[], results: readonly ScenarioResult[]): string {
  const kinds = (["sqlite", "postgres"] as const).filter((kind) => results.some((r) => storeKindOfResult(r) === kind));
  const tally = new Map<StoreKind, { targets: number; met: number }>(kinds.map((kind) => [kind, { targets: 0, met: 0 }]));
  const rows: string[][] = [];
  const ids = [...new Set(results.map((r) => r.id))];
  for (const id of ids) {
    const scenario = scenarios.find((s) => s.id === id);
    if (!scenario) continue;
    for (const [name, spec] of Object.entries(scenario.metrics)) {
      if (!spec.target && spec.reference === undefined) continue;
      const medians: string[] = [];
      const verdicts: string[] = [];
      const versus: string[] = [];
      for (const kind of kinds) {
        const result = results.find((r) => r.id === id && storeKindOfResult(r) === kind);
        const value = !result || result.failure ? undefined : result.medians[name];
        const verdict = !result ? "" : result.failure ? "failed" : !counts(result) && spec.target ? "not counted" : metText(spec, value);
        if (result && spec.target) tally.get(kind)!.targets++;
        if (verdict === "yes") tally.get(kind)!.met++;
        medians.push(result ? figure(value, spec) : "not run");
        verdicts.push(verdict);
        versus.push(versusReference(spec, value));
      }
      const reference = spec.reference === undefined ? "" : figure(spec.reference, spec);
      rows.push([id, `\`${name}\``, targetText(spec), ...kinds.flatMap((_, i) => [medians[i]!, verdicts[i]!]), reference, ...versus]);
    }
  }
  const header = [
    "workload",
    "metric",
    "target",
    ...kinds.flatMap((kind) => [`${STORE_LABELS[kind]} (median)`, "met"]),
    "reference (issue 4)",
    ...kinds.map((kind) => (kinds.length > 1 ? `${STORE_LABELS[kind]} vs reference` : "vs reference")),
  ];
  const met = kinds.map((kind) => `${STORE_LABELS[kind]} **${tally.get(kind)!.met} of ${tally.get(kind)!.targets}**`).join(" · ");
  const stores = kinds
    .map((kind) => {
      const latest = results.filter((r) => storeKindOfResult(r) === kind).sort((a, b) => b.date.localeCompare(a.date))[0]!;
      return `- ${STORE_LABELS[kind]}: ${resultStoreLine(latest)} (as of the latest block; each block states its own)`;
    })
    .join("\n");
  return (
    `Targets met: ${met}. "vs reference" is how many times better than the figure established systems reached (above 1 = better).\n\n` +
    `${stores}\n\n${markdownTable(header, rows)}`
  );
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

  const byKey = new Map<string, ScenarioResult>();
  for (const match of inside.matchAll(/<!-- data:(\S+) (.*?) -->/g)) byKey.set(match[1]!, decodeData(match[2]!));
  for (const result of results) byKey.set(blockKey(result), result);
  const order = (result: ScenarioResult): number => {
    const index = scenarios.findIndex((s) => s.id === result.id);
    return (index < 0 ? scenarios.length : index) * 2 + (storeKindOfResult(result) === "sqlite" ? 0 : 1);
  };
  const all = [...byKey.values()].sort((a, b) => order(a) - order(b));

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
