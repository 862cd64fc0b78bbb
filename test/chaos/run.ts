/**
 * The chaos suite (issue 13, part 7): `npm run chaos`, or for a long run on one store
 * `npm run chaos -- --minutes 10 --store postgres` (options.ts lists them all).
 *
 * It drives several worker processes on one store with a mix of orchestrations while it
 * injects faults (faults.ts) and races client calls (driver.ts), then checks the invariants
 * from the stored histories and from an independent side log the activities write
 * (instance-checks.ts, side-log-checks.ts, leftovers.ts), prints what it injected and what it
 * found (report.ts), and exits 1 on any violation (2 on a bad command line or a run that could
 * not be carried out). The steps of one campaign are in campaign.ts.
 *
 * Why test/chaos/ and not a top-level folder: it is a test, run on the same real stores as the
 * others, and it is built from the crash tests' kit (test/crash/kit: worker processes, the
 * activity log, store inspection, backend termination, cluster restart), which it shares
 * rather than copies; here it is type-checked with the tests. It is a program, not a vitest
 * file (no `.test.ts`), because a run takes minutes, takes options, and must be able to
 * restart the PostgreSQL server, which no test beside it may share.
 */
import { loadavg, tmpdir } from "node:os";
import { describeMachine, machineLine } from "../../bench/machine.js";
import { killAllChildren } from "../crash/kit/child-processes.js";
import { runCampaign, type CampaignResult } from "./campaign.js";
import { parseOptions, type ChaosOptions } from "./options.js";
import { formatReport } from "./report.js";
import { postgresReachable } from "./stores.js";
import { unmountAll } from "./disk-full.js";

async function main(): Promise<number> {
  let options: ChaosOptions;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).message}\n`);
    return 2;
  }
  const argsToRepeat = `--minutes ${options.minutes} --workers ${options.workers} --instances ${options.instances} --load ${options.load} --seed ${options.seed} --faults ${[...options.faults].join(",")}`;
  console.log(`chaos: ${machineLine(describeMachine(tmpdir()))}; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} before the run`);
  console.log(`chaos: to repeat this run: npm run chaos -- --store ${options.stores.length > 1 ? "both" : options.stores[0]} ${argsToRepeat}`);
  const results: CampaignResult[] = [];
  for (const store of options.stores) {
    if (store === "postgres") {
      const unreachable = await postgresReachable(options.postgresUrl);
      if (unreachable !== undefined) {
        const message = `PostgreSQL is not reachable at ${options.postgresUrl} (${unreachable})`;
        if (process.env.CI === "true" || options.stores.length === 1) {
          process.stderr.write(`chaos: ${message}\n`);
          return 2;
        }
        console.log(`\n*** chaos: ${message}: the PostgreSQL campaign is SKIPPED. Use --postgres-url or start the server. ***\n`);
        continue;
      }
    }
    console.log(`chaos: ${store}: ${options.minutes} min of faults, then the drain…`);
    const result = await runCampaign({
      store,
      postgresUrl: options.postgresUrl,
      mayRestartServer: options.mayRestartServer,
      faultMs: options.minutes * 60_000,
      workers: options.workers,
      instances: options.instances,
      seed: options.seed,
      faults: options.faults,
      load: options.load,
      leaseMs: options.leaseMs,
      maxActivities: 20,
      drainLimitMs: Math.max(180_000, options.minutes * 60_000),
      drainStallMs: 60_000,
    });
    results.push(result);
    console.log(`\n${formatReport(result)}\n   load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
  }
  const failed = results.filter((r) => r.violations.length > 0);
  console.log(failed.length === 0 ? "chaos: no violation." : `chaos: violations on ${failed.map((r) => r.settings.store).join(" and ")}.`);
  return failed.length === 0 ? 0 : 1;
}

const stopChildren = (): void => {
  void killAllChildren().finally(() => {
    unmountAll();
    process.exit(130);
  });
};
process.on("SIGINT", stopChildren);
process.on("SIGTERM", stopChildren);

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`chaos: the run failed: ${(error as Error).stack ?? String(error)}\n`);
    await killAllChildren();
    unmountAll();
    process.exit(2);
  },
);
