/**
 * The local PostgreSQL cluster behind a store URL, for tests that restart the server
 * (pg_ctlcluster ... restart, fast mode: every connection is cut, transactions in flight roll
 * back, the server is down for a moment). Restarting takes a server on this machine, the
 * Debian cluster tools, and root or the cluster's owner.
 */
import { execFile, execFileSync } from "node:child_process";
import { userInfo } from "node:os";
import { promisify } from "node:util";
import { withPostgres } from "./store-postgres.js";

export interface LocalCluster {
  version: string;
  name: string;
}

export type Cluster = ({ ok: true } & LocalCluster) | { ok: false; reason: string };

/** The cluster serving `url`, if this process may restart it; else why not. */
export function restartableCluster(url: string): Cluster {
  const parsed = new URL(url);
  if (!["127.0.0.1", "localhost", "[::1]", "::1"].includes(parsed.hostname)) return { ok: false, reason: `the server (${parsed.hostname}) is not on this machine` };
  let listing: string;
  try {
    listing = execFileSync("pg_lsclusters", ["--no-header"], { encoding: "utf8" });
    execFileSync("sh", ["-c", "command -v pg_ctlcluster"], { encoding: "utf8" });
  } catch (error) {
    return { ok: false, reason: `no pg_lsclusters/pg_ctlcluster here (${(error as Error).message.split("\n")[0]})` };
  }
  const port = parsed.port === "" ? "5432" : parsed.port;
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

/** Restarts the cluster (fast mode); resolves with how long the command took, in ms. */
export async function restartCluster(target: LocalCluster): Promise<number> {
  const startedAt = Date.now();
  await promisify(execFile)("pg_ctlcluster", ["--skip-systemctl-redirect", "-m", "fast", target.version, target.name, "restart"]);
  return Date.now() - startedAt;
}

/**
 * Writes out what the server holds in memory (CHECKPOINT), so that a restart's own checkpoint,
 * which it makes while refusing connections, is short: after a whole test suite's writes, on a
 * loaded machine, a restart took 32 s, beyond the store's 30 s of retries.
 */
export async function checkpoint(storeUrl: string): Promise<void> {
  await withPostgres(storeUrl, (client) => client.query("CHECKPOINT"));
}

/** The server's start time: it changes with each restart. */
export async function serverStartedAt(storeUrl: string): Promise<string> {
  return withPostgres(storeUrl, async (client) => (await client.query<{ at: Date }>("SELECT pg_postmaster_start_time() AS at")).rows[0]!.at.toISOString());
}
