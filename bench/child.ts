/**
 * Runs one scenario once in this (fresh) process and prints one JSON line:
 * `{"id":"W1","metrics":{...}}`. Exits 1 with the error on stderr when the scenario throws,
 * a check fails, or a declared metric is missing.
 *
 * Usage: node --expose-gc --import tsx bench/child.ts <id> <storeUrl>
 * where <storeUrl> is `sqlite:<file>` or `postgres://…?schema=<schema>` (a bare path is taken
 * as a SQLite file).
 */
import { findScenario } from "./scenarios/index.js";

/** Precedes the error on stderr, so the runner can find it after any notices (run.ts looks for it). */
const FAILURE_MARK = "scenario failed: ";

async function main(): Promise<void> {
  const [id, store] = process.argv.slice(2);
  if (!id || !store) throw new Error("usage: child.ts <scenario id> <store URL>");
  const scenario = findScenario(id);
  if (!scenario) throw new Error(`no scenario ${id}`);
  const storeUrl = /^(sqlite:|postgres(ql)?:\/\/)/.test(store) ? store : `sqlite:${store}`;
  const metrics = await scenario.run(storeUrl);
  for (const name of Object.keys(scenario.metrics)) {
    if (typeof metrics[name] !== "number" || !Number.isFinite(metrics[name])) {
      throw new Error(`${scenario.id} returned ${String(metrics[name])} for metric ${name}`);
    }
  }
  process.stdout.write(`${JSON.stringify({ id: scenario.id, metrics })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${FAILURE_MARK}${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
