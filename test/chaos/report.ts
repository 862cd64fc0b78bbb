/**
 * What a chaos campaign prints: the settings (with the seed to repeat it), what was injected,
 * what was found (instances, children, activity runs and re-runs by cause, the result commit
 * latency under the chaos load, client calls), and every violation with its instance id and
 * a history excerpt.
 */
import { formatNumber, max, median, percentile } from "../../bench/stats.js";
import { redact } from "../../src/store/redact-url.js";
import type { CampaignResult } from "./campaign.js";
import type { Violation } from "./instance-checks.js";

/** Examples printed per broken invariant, and how many of them with a history excerpt. */
const EXAMPLES = 6;
const EXCERPTS = 2;

const n = (value: number): string => value.toLocaleString("en-US");
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);

export function formatReport(result: CampaignResult): string {
  const { settings: s, timeline: t } = result;
  const lines: string[] = [];
  const storeName = s.store === "sqlite" ? "SQLite" : "PostgreSQL";
  lines.push(`== chaos · ${storeName} · ${redact(result.storeUrl)}`);
  lines.push(
    `   seed ${s.seed} · ${s.workers} workers · leaseMs ${s.leaseMs} · ${s.load} busy loops · ${s.instances} instances planned · faults ${[...s.faults].join(",")}`,
  );
  lines.push(
    `   set-up ${seconds(result.durations.setupMs)} · faults ${seconds(result.durations.faultsMs)} · drain ${seconds(result.durations.drainMs)} · checks ${seconds(result.durations.checksMs)}`,
  );
  lines.push("-- injected");
  const freezes = [...t.freezes.values()].flat();
  const freezeMs = freezes.map((w) => w.toMs - w.fromMs);
  lines.push(`   SIGKILL: ${n(t.kills.size)} workers killed and replaced (${n(result.workers.length)} worker processes in all)`);
  for (const [reason, count] of result.startFailures) lines.push(`     ${n(count)} replacement starts failed (tried again): ${reason}`);
  lines.push(
    `   SIGSTOP: ${n(freezes.length)} freezes` +
      (freezes.length ? ` of ${seconds(Math.min(...freezeMs))}–${seconds(Math.max(...freezeMs))}` : "") +
      [...t.freezesSkipped].map(([reason, count]) => `; ${count} skipped: ${reason}`).join(""),
  );
  if (s.store === "postgres") {
    lines.push(`   pg_terminate_backend: ${n(sum([...t.terminations.values()].map((a) => a.length)))} worker backends terminated in ${n(t.storms.length)} storms`);
    lines.push(`   server restarts: ${n(t.restarts.length)}${t.restarts.length ? ` (${t.restarts.map((w) => seconds(w.toMs - w.fromMs)).join(", ")})` : ""}`);
  } else {
    const episodes = t.diskFull.map((w) => `full ${seconds(w.partialMs - w.fromMs)} (ballast ${formatNumber(w.ballastBytes / 2 ** 20)} MiB), then 2 MiB back for ${seconds(w.toMs - w.partialMs)} with ${w.liveAtPartial} instances waiting`);
    lines.push(`   disk full: ${n(t.diskFull.length)} episodes${episodes.length ? ` (${episodes.join("; ")})` : ""}`);
  }
  const calls = [...result.driver.calls].map(([op, count]) => `${op} ${n(count)}`).join(", ");
  const failures = [...result.driver.failures].map(([what, count]) => `${what} ×${n(count)}`).join(", ");
  lines.push(`   client calls: ${calls}${failures ? `; failed: ${failures}` : ""}`);
  for (const skipped of t.skipped) lines.push(`   SKIPPED ${skipped}`);

  lines.push("-- found");
  const checked = result.instances.checked;
  const children = checked.filter((c) => c.parent !== undefined).length;
  const byStatus = new Map<string, number>();
  for (const c of checked) byStatus.set(c.status?.runtimeStatus ?? "missing", (byStatus.get(c.status?.runtimeStatus ?? "missing") ?? 0) + 1);
  lines.push(
    `   instances: ${n(checked.length - children)} top-level, ${n(children)} children (${[...byStatus].map(([k, v]) => `${n(v)} ${k}`).join(", ")}); ` +
      (result.undrained ? `${n(result.undrained)} still live when the drain gave up` : "all drained"),
  );
  const log = result.sideLog;
  const reruns = [...log.reruns].map(([cause, count]) => `${cause} ${n(count)}`).join(", ");
  lines.push(`   activity calls: ${n(log.calls)}, runs ${n(log.starts)}; retries by design ${n(log.retriesByDesign)}; re-runs ${n(sum(log.reruns.values()))}${reruns ? ` (${reruns})` : ""}`);
  const lat = log.resultLatenciesMs;
  lines.push(
    `   activity end → its result in history: median ${formatNumber(median(lat))} ms, p95 ${formatNumber(percentile(lat, 95))} ms, max ${formatNumber(max(lat))} ms (${n(lat.length)} results)`,
  );
  if (log.slowestResults.length > 0) lines.push(`     slowest: ${log.slowestResults.map((r) => `${r.key} ${formatNumber(r.ms)} ms`).join(", ")}`);
  const said = workerSaid(result);
  lines.push(`   workers said: ${said || "nothing (no warning, no error)"}`);
  const left = result.leftovers;
  lines.push(`   left in the store: ${n(left.tasks.length)} tasks, ${n(left.messages.length)} inbox messages, ${n(left.leases.instances + left.leases.tasks)} leases`);

  lines.push(`-- ${result.violations.length === 0 ? "no violation" : `${n(result.violations.length)} VIOLATIONS`}`);
  // By invariant, so that a flood of one kind hides no other.
  const byInvariant = new Map<string, Violation[]>();
  for (const v of result.violations) byInvariant.set(v.invariant, [...(byInvariant.get(v.invariant) ?? []), v]);
  for (const [invariant, all] of byInvariant) {
    lines.push(`   ✗ ${invariant}: ${n(all.length)}`);
    const violations = rarestFirst(all);
    violations.slice(0, EXAMPLES).forEach((v, i) => {
      lines.push(`     - ${v.instanceId ? `${v.instanceId}: ` : ""}${v.detail}`);
      if (i < EXCERPTS) for (const line of v.excerpt ?? []) lines.push(`         ${line}`);
    });
    if (violations.length > EXAMPLES) lines.push(`     - … ${n(violations.length - EXAMPLES)} more: ${violations.slice(EXAMPLES).map((v) => v.instanceId ?? "?").slice(0, 30).join(", ")}`);
  }
  if (result.keptAt) lines.push(`   kept for inspection: ${result.keptAt}`);
  return lines.join("\n");
}

/** The violations of one invariant, the rarest kinds of detail first: a flood of one kind hides no other. */
function rarestFirst(violations: readonly Violation[]): Violation[] {
  const kindOf = (v: Violation): string => v.detail.replace(/[\w.:-]*\d[\w.:-]*/g, "#");
  const counts = new Map<string, number>();
  for (const v of violations) counts.set(kindOf(v), (counts.get(kindOf(v)) ?? 0) + 1);
  return [...violations].sort((a, b) => counts.get(kindOf(a))! - counts.get(kindOf(b))!);
}

/** Warning and error lines of every worker, grouped by their text with ids and numbers taken out. */
function workerSaid(result: CampaignResult): string {
  const kinds = new Map<string, number>();
  for (const worker of result.workers) {
    for (const line of worker.stderr.split("\n")) {
      const match = /^(warn|error): \d+ (.*)$/.exec(line);
      if (!match) continue;
      const gist = `${match[1]}: ${match[2]!.replace(/\[[^\]]*\]/g, "[…]").replace(/\d+/g, "N").slice(0, 90)}`;
      kinds.set(gist, (kinds.get(gist) ?? 0) + 1);
    }
  }
  return [...kinds]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([gist, count]) => `\n     ${n(count)} × ${gist}`)
    .join("");
}
