/**
 * The store of one chaos campaign, made fresh and removed afterwards:
 * - SQLite: a file in a new temporary directory; with the disk-full fault, on a small tmpfs
 *   mounted inside it (the side log stays off it: activities must not fail for lack of space);
 * - PostgreSQL: a schema of its own (baton_chaos_…) on the server of `--postgres-url`, with 5
 *   connections per process (several workers and their replacements share the server's
 *   connection limit with whoever else uses it).
 * A failed campaign keeps its store for inspection (the SQLite file is copied off the tmpfs).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { mountSmallDisk, unmountSmallDisk } from "./disk-full.js";

export type StoreKind = "sqlite" | "postgres";

export interface CampaignStore {
  kind: StoreKind;
  storeUrl: string;
  /** Where the activities write the side log. */
  logFile: string;
  /** SQLite on a small disk: where the disk-full fault puts its ballast. */
  diskDir?: string;
  /** Why the disk-full fault cannot run here, if it cannot. */
  diskSkipped?: string;
  /** Removes the store; with `keep`, leaves it and says where it is. */
  dispose(keep: boolean): Promise<string | undefined>;
}

export function sqliteStore(smallDisk: boolean): CampaignStore {
  const dir = mkdtempSync(join(tmpdir(), "baton-chaos-"));
  const logFile = join(dir, "side.log");
  let diskDir: string | undefined;
  let diskSkipped: string | undefined;
  if (smallDisk) {
    const mounted = mountSmallDisk(join(dir, "disk"));
    if (mounted.ok) diskDir = join(dir, "disk");
    else diskSkipped = mounted.reason;
  }
  const file = join(diskDir ?? dir, "baton.db");
  return {
    kind: "sqlite",
    storeUrl: `sqlite:${file}`,
    logFile,
    ...(diskDir ? { diskDir } : {}),
    ...(diskSkipped ? { diskSkipped } : {}),
    async dispose(keep) {
      if (diskDir) {
        if (keep) for (const suffix of ["", "-wal", "-shm"]) if (existsSync(file + suffix)) copyFileSync(file + suffix, join(dir, `baton.db${suffix}`));
        unmountSmallDisk(diskDir);
      }
      if (keep) return `store ${join(dir, "baton.db")}; side log, worker logs and timeline in ${dir}`;
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    },
  };
}

export async function postgresStore(serverUrl: string): Promise<CampaignStore> {
  const dir = mkdtempSync(join(tmpdir(), "baton-chaos-"));
  const schema = `baton_chaos_${Date.now().toString(36)}_${process.pid}`;
  const url = new URL(serverUrl);
  url.searchParams.set("schema", schema);
  url.searchParams.set("poolSize", "5");
  return {
    kind: "postgres",
    storeUrl: url.toString(),
    logFile: join(dir, "side.log"),
    async dispose(keep) {
      if (keep) return `schema ${schema} on ${serverUrl}; side log, worker logs and timeline in ${dir}`;
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    },
  };
}

/** Whether a PostgreSQL server answers at `serverUrl`; the error message when not. */
export async function postgresReachable(serverUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}
