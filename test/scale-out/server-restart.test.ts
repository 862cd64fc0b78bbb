/**
 * The PostgreSQL server restarted (pg_ctlcluster ... restart, fast mode: every connection is
 * cut, transactions in flight roll back, the server is down for a moment) twice while three
 * worker processes share one schema. The store retries transient failures for 30 s: the
 * workers ride it out and reconnect, report no store trouble, and every instance completes
 * with its output, every step committed once and every call run once.
 *
 * It disrupts every other test using the server, so it runs alone: vitest project
 * "server-restart", never in the "main" one. It needs the server on this machine and the right
 * to restart it (root or the cluster's owner, pg_ctlcluster); otherwise it is skipped, visibly,
 * except under CI=true, where that is a failure.
 */
import { execFile, execFileSync } from "node:child_process";
import { userInfo } from "node:os";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { POSTGRES_URL } from "../helpers/postgres.js";
import {
  activityLogProblems,
  countUnfinished,
  CRASH_TEST_TIMEOUT_MS,
  duplicatedKeys,
  expectAllCompleted,
  readActivityLog,
  sleep,
  STALL_MS,
  startInstancesTogether,
  waitAllFinished,
  withPostgres,
} from "../crash/crash-kit.js";
import { expectCleanEnd, postgresAvailable, scaleWorld, startWorkers, stopWorkers } from "./scale-kit.js";

const INSTANCES = 250;
const WORKERS = 3;
// Nothing dies and nothing is frozen: leases outlast a restart by far. Few calls at once, so
// that the work outlasts both restarts: after the first, the workers must not finish the rest
// before the second begins (with 10 calls at once they did, on a fast day).
const WORKER_ENV = { CRASH_LEASE_MS: "15000", CRASH_POLL_MS: "100", CRASH_MIN_DELAY_MS: "5", CRASH_MAX_DELAY_MS: "30", CRASH_MAX_ACTIVITIES: "2" };
/** Restart when this share of the instances is still unfinished. */
const RESTART_AT = [0.75, 0.4];

type Cluster = { ok: true; version: string; name: string } | { ok: false; reason: string };

/** The cluster serving POSTGRES_URL, if this process may restart it. */
function restartableCluster(): Cluster {
  const url = new URL(POSTGRES_URL);
  if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(url.hostname)) return { ok: false, reason: `the server (${url.hostname}) is not on this machine` };
  let listing: string;
  try {
    listing = execFileSync("pg_lsclusters", ["--no-header"], { encoding: "utf8" });
    execFileSync("sh", ["-c", "command -v pg_ctlcluster"], { encoding: "utf8" });
  } catch (error) {
    return { ok: false, reason: `no pg_lsclusters/pg_ctlcluster here (${(error as Error).message.split("\n")[0]})` };
  }
  const port = url.port === "" ? "5432" : url.port;
  const line = listing
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((fields) => fields[2] === port && fields[3]?.startsWith("online"));
  if (!line) return { ok: false, reason: `pg_lsclusters lists no online cluster on port ${port}:\n${listing}` };
  const [version, name, , , owner] = line as [string, string, string, string, string];
  if (process.getuid?.() !== 0 && userInfo().username !== owner) {
    return { ok: false, reason: `restarting cluster ${version}/${name} takes root or its owner ${owner}, not ${userInfo().username}` };
  }
  return { ok: true, version, name };
}

const cluster: Cluster = postgresAvailable ? restartableCluster() : { ok: false, reason: "PostgreSQL is not reachable" };
const CI = process.env.CI === "true";
if (!cluster.ok && postgresAvailable && !CI) {
  console.warn(`\n*** The PostgreSQL server-restart test is SKIPPED: ${cluster.reason}. ***\n`);
}

async function restartServer(target: { version: string; name: string }): Promise<number> {
  const startedAt = Date.now();
  await promisify(execFile)("pg_ctlcluster", ["--skip-systemctl-redirect", "-m", "fast", target.version, target.name, "restart"]);
  return Date.now() - startedAt;
}

/** The server's start time: it changes with each restart. */
async function serverStartedAt(storeUrl: string): Promise<string> {
  return withPostgres(storeUrl, async (client) => (await client.query<{ at: Date }>("SELECT pg_postmaster_start_time() AS at")).rows[0]!.at.toISOString());
}

describe.skipIf(!postgresAvailable || (!cluster.ok && !CI))("a PostgreSQL server restarted while workers run", () => {
  it("is ridden out: every instance completes, each step committed once and each call run once", { timeout: CRASH_TEST_TIMEOUT_MS }, async () => {
    if (!cluster.ok) throw new Error(`CI=true requires a PostgreSQL server this process can restart: ${cluster.reason}`);
    const world = await scaleWorld("baton-scale-restart-");
    const instances = await startInstancesTogether(world.parent.client, INSTANCES, "restart");
    const workers = await startWorkers(WORKERS, world, WORKER_ENV);

    const restarts: { unfinished: number; tookMs: number; serverStart: string }[] = [];
    for (const share of RESTART_AT) {
      let unfinished = INSTANCES;
      const deadline = Date.now() + 40_000;
      while ((unfinished = await countUnfinished(world.parent.client)) > share * INSTANCES && Date.now() < deadline) await sleep(50);
      const tookMs = await restartServer(cluster);
      restarts.push({ unfinished, tookMs, serverStart: await serverStartedAt(world.storeUrl) });
    }
    // Each restart happened (a new server start time) while work was left.
    expect(new Set(restarts.map((r) => r.serverStart)).size, JSON.stringify(restarts)).toBe(RESTART_AT.length);
    expect(restarts.every((r) => r.unfinished > 0), JSON.stringify(restarts)).toBe(true);

    const statuses = await waitAllFinished(world.parent.client, instances, STALL_MS, 100).catch((error: Error) => {
      throw new Error(`${error.message} after restarts ${JSON.stringify(restarts)}; the workers reported:\n${workers.map((w) => w.stderr).join("\n")}`);
    });
    expect(workers.map((w) => ({ pid: w.pid, alive: w.alive, stderr: w.alive ? "" : w.stderr }))).toEqual(
      workers.map((w) => ({ pid: w.pid, alive: true, stderr: "" })),
    );
    await stopWorkers(workers);

    const keys = expectAllCompleted(statuses, instances);
    const log = readActivityLog(world.logFile);
    expect(duplicatedKeys(log)).toEqual([]);
    expect(activityLogProblems(log, keys, new Set())).toEqual([]);
    await expectCleanEnd(world.storeUrl, workers);
    console.log(`server restart: ${JSON.stringify(restarts)}`);
  });
});
