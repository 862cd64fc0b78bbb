/**
 * Where the time goes on PostgreSQL: runs one scenario once, in this process, on a fresh
 * schema (dropped afterwards), with every statement node-postgres sends traced on the client
 * side, and prints
 *
 * - transactions grouped by kind (the first statement after BEGIN), with their statements
 *   per transaction, duration, and the time spent waiting for COMMIT (the WAL flush);
 * - statements by total time (client-observed: call → answer, including queueing on the
 *   connection), with their count and mean;
 * - time waiting for a pooled connection;
 * - the server's view of the schema's tables (rows inserted/updated/deleted, scans) and the
 *   WAL written and flushed meanwhile (pg_stat_wal: server-wide, so other clients of the
 *   server count too).
 *
 * Usage:
 *   npx tsx bench/profile-postgres.ts W3 [--json out.json]
 *   node --cpu-prof --cpu-prof-dir=.scratch --import tsx bench/profile-postgres.ts W4
 *
 * It is a diagnostic, not a benchmark: tracing costs a few µs per statement, and the figures
 * of the scenario it prints are not medians. pg_stat_statements would give the server-side
 * split, but it must be preloaded (shared_preload_libraries, a server restart).
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";
import { findScenario } from "./scenarios/index.js";
import { POSTGRES_URL, newRunStore } from "./stores.js";
import { connectPostgres, storeSchema } from "./scenario.js";

interface StatementStat {
  count: number;
  totalMs: number;
  maxMs: number;
  rows: number;
}

interface TransactionStat {
  count: number;
  statements: number;
  totalMs: number;
  commitMs: number;
  /** Time between one statement's answer and the next statement's call: JavaScript work inside the transaction. */
  gapMs: number;
  maxMs: number;
}

const statements = new Map<string, StatementStat>();
const transactions = new Map<string, TransactionStat>();
let poolWaitMs = 0;
let poolWaits = 0;
let queries = 0;

interface OpenTransaction {
  startedAt: number;
  kind: string | undefined;
  statements: number;
  commitMs: number;
  gapMs: number;
  lastAnswerAt: number;
}
const open = new WeakMap<object, OpenTransaction>();

/** The statement with its whitespace collapsed and constants left as they are ($n parameters already are). */
function normalize(text: string): string {
  return text.replace(/\s+/g, " ").trim().slice(0, 160);
}

function recordStatement(client: object, text: string, startedAt: number, endedAt: number, rows: number): void {
  const key = normalize(text);
  const ms = endedAt - startedAt;
  queries++;
  const stat = statements.get(key) ?? { count: 0, totalMs: 0, maxMs: 0, rows: 0 };
  stat.count++;
  stat.totalMs += ms;
  stat.maxMs = Math.max(stat.maxMs, ms);
  stat.rows += rows;
  statements.set(key, stat);

  if (key === "BEGIN") {
    open.set(client, { startedAt, kind: undefined, statements: 0, commitMs: 0, gapMs: 0, lastAnswerAt: endedAt });
    return;
  }
  const tx = open.get(client);
  if (!tx) return;
  tx.gapMs += Math.max(0, startedAt - tx.lastAnswerAt);
  tx.lastAnswerAt = endedAt;
  if (key === "COMMIT" || key === "ROLLBACK") {
    if (key === "COMMIT") tx.commitMs += ms;
    const kind = `${key === "ROLLBACK" ? "[rolled back] " : ""}${tx.kind ?? "(empty)"}`;
    const stat = transactions.get(kind) ?? { count: 0, statements: 0, totalMs: 0, commitMs: 0, gapMs: 0, maxMs: 0 };
    stat.count++;
    stat.statements += tx.statements + 2; // with BEGIN and COMMIT
    stat.totalMs += endedAt - tx.startedAt;
    stat.commitMs += tx.commitMs;
    stat.gapMs += tx.gapMs;
    stat.maxMs = Math.max(stat.maxMs, endedAt - tx.startedAt);
    transactions.set(kind, stat);
    open.delete(client);
    return;
  }
  tx.statements++;
  tx.kind ??= key.slice(0, 90);
}

function installTracer(): void {
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: unknown }).query = function traced(this: object, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; submit?: unknown };
    const text = typeof config === "string" ? config : (config?.text ?? "");
    const startedAt = performance.now();
    const done = (result: unknown): void => {
      const rows = (result as { rowCount?: number } | undefined)?.rowCount ?? 0;
      recordStatement(this, text, startedAt, performance.now(), rows ?? 0);
    };
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const callback = args[last] as (error: unknown, result: unknown) => void;
      args[last] = (error: unknown, result: unknown) => {
        done(error ? undefined : result);
        callback(error, result);
      };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === "function") {
      (result as Promise<unknown>).then(done, () => done(undefined));
    }
    return result;
  };
  const connect = pg.Pool.prototype.connect as (...args: unknown[]) => unknown;
  (pg.Pool.prototype as unknown as { connect: unknown }).connect = function timedConnect(this: pg.Pool, ...args: unknown[]) {
    const startedAt = performance.now();
    const count = (): void => {
      poolWaitMs += performance.now() - startedAt;
      poolWaits++;
    };
    if (typeof args[0] === "function") {
      const callback = args[0] as (...a: unknown[]) => void;
      return connect.call(this, (...a: unknown[]) => {
        count();
        callback(...a);
      });
    }
    const result = connect.apply(this, args) as Promise<unknown>;
    result.then(count, count);
    return result;
  };
}

interface ServerCounters {
  tables: Record<string, Record<string, number>>;
  wal: Record<string, number>;
  database: Record<string, number>;
}

async function serverCounters(storeUrl: string): Promise<ServerCounters> {
  const client = await connectPostgres(storeUrl);
  try {
    await client.query("SELECT pg_stat_clear_snapshot()");
    const tables = await client.query<Record<string, string>>(
      `SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch
       FROM pg_stat_user_tables WHERE schemaname = $1`,
      [storeSchema(storeUrl)],
    );
    const wal = await client.query<Record<string, string>>("SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_sync_time FROM pg_stat_wal");
    const database = await client.query<Record<string, string>>(
      "SELECT xact_commit, xact_rollback, blks_hit, blks_read FROM pg_stat_database WHERE datname = current_database()",
    );
    const numbers = (row: Record<string, string> | undefined): Record<string, number> =>
      Object.fromEntries(Object.entries(row ?? {}).filter(([k]) => k !== "relname").map(([k, v]) => [k, Number(v)]));
    return {
      tables: Object.fromEntries(tables.rows.map((row) => [row.relname!, numbers(row)])),
      wal: numbers(wal.rows[0]),
      database: numbers(database.rows[0]),
    };
  } finally {
    await client.end();
  }
}

function diff(after: Record<string, number>, before: Record<string, number> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before?.[k] ?? 0)]));
}

const ms = (value: number): string => value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2);

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const id = args.find((a) => !a.startsWith("--"));
  const jsonAt = args.indexOf("--json");
  const scenario = id && findScenario(id);
  if (!scenario) throw new Error("usage: profile-postgres.ts <scenario id> [--json file]");
  const store = newRunStore("postgres", scenario.id, 0);
  console.error(`${scenario.id} on ${POSTGRES_URL}, ${store.where}`);
  installTracer();
  try {
    // The schema does not exist yet: open it once so that the counters have tables to read.
    const { createClient } = await import("../src/index.js");
    await (await createClient({ store: store.url })).close();
    const before = await serverCounters(store.url);
    statements.clear();
    transactions.clear();
    poolWaitMs = 0;
    poolWaits = 0;
    queries = 0;
    const startedAt = performance.now();
    const cpuBefore = process.cpuUsage();
    const metrics = await scenario.run(store.url);
    const wallMs = performance.now() - startedAt;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const traced = { statements: new Map(statements), transactions: new Map(transactions), poolWaitMs, poolWaits, queries };
    const after = await serverCounters(store.url);

    const txRows = [...traced.transactions.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
    const stRows = [...traced.statements.entries()].sort((a, b) => b[1].totalMs - a[1].totalMs);
    const txCount = txRows.reduce((n, [, s]) => n + s.count, 0);
    const out: string[] = [];
    out.push(`\n${scenario.id} metrics: ${JSON.stringify(Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, Number(v.toFixed(3))])))}`);
    out.push(`wall ${ms(wallMs)} ms · this process's CPU ${ms(cpuMs)} ms (${((cpuMs / wallMs) * 100).toFixed(0)} % of wall; the rest is waiting: server, disk, other processes) · 1-min load ${loadavg()[0]!.toFixed(2)}`);
    out.push(`${traced.queries} statements · ${txCount} transactions · pool waits ${traced.poolWaits} (${ms(traced.poolWaitMs)} ms in total)`);
    out.push(`\nTransactions by kind (first statement after BEGIN):`);
    out.push(`count   stmts/tx   mean ms   mean COMMIT ms   mean JS gap ms   max ms   kind`);
    for (const [kind, s] of txRows.slice(0, 15)) {
      out.push(
        `${String(s.count).padStart(5)}   ${(s.statements / s.count).toFixed(1).padStart(8)}   ${ms(s.totalMs / s.count).padStart(7)}   ${ms(s.commitMs / s.count).padStart(14)}   ${ms(s.gapMs / s.count).padStart(14)}   ${ms(s.maxMs).padStart(6)}   ${kind}`,
      );
    }
    out.push(`\nStatements by total client-observed time:`);
    out.push(`count    total ms   mean ms   max ms   rows   statement`);
    for (const [text, s] of stRows.slice(0, 20)) {
      out.push(
        `${String(s.count).padStart(5)}   ${ms(s.totalMs).padStart(9)}   ${ms(s.totalMs / s.count).padStart(7)}   ${ms(s.maxMs).padStart(6)}   ${String(s.rows).padStart(5)}   ${text.slice(0, 110)}`,
      );
    }
    out.push(`\nServer counters for the schema's tables (during the scenario):`);
    const tableDiffs = Object.fromEntries(Object.entries(after.tables).map(([table, counters]) => [table, diff(counters, before.tables[table])]));
    for (const [table, d] of Object.entries(tableDiffs)) {
      if (Object.values(d).some((v) => v !== 0)) out.push(`  ${table}: ${Object.entries(d).filter(([, v]) => v !== 0).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    }
    out.push(`Server-wide (other clients included): wal ${JSON.stringify(diff(after.wal, before.wal))}; database ${JSON.stringify(diff(after.database, before.database))}`);
    console.log(out.join("\n"));
    if (jsonAt >= 0 && args[jsonAt + 1]) {
      writeFileSync(
        args[jsonAt + 1]!,
        JSON.stringify(
          {
            id: scenario.id,
            wallMs,
            cpuMs,
            load: loadavg(),
            metrics,
            transactions: Object.fromEntries(traced.transactions),
            statements: Object.fromEntries(traced.statements),
            poolWaitMs: traced.poolWaitMs,
            poolWaits: traced.poolWaits,
            server: { tables: tableDiffs, wal: diff(after.wal, before.wal), database: diff(after.database, before.database) },
          },
          null,
          2,
        ),
      );
    }
  } finally {
    await store.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
