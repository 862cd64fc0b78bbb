/**
 * What a metrics scrape costs on a large store: `GET /api/metrics` (the store's workload read
 * through the client, and the Prometheus text) on a store of a million finished instances,
 * with live and ready work beside them. Figures go to BENCHMARKS.md, "## Metrics scrape".
 *
 *   npx tsx bench/metrics-scrape.ts [--store sqlite|postgres|both] [--size 1000000] [--rounds 21]
 *
 * The store is filled by a bulk insert straight into its tables (setup, not measured; the
 * triggers that keep finished instances counted stay on, as in production): `size` finished
 * instances (1 in 20 Failed, 1 in 20 Terminated), 10,000 Running ones waiting, 1,000 activity
 * tasks due for them; then 1,000 instances started through the client (Pending, ready). Each
 * round times one scrape through the HTTP app; the median and the slowest are printed, with
 * the two store reads alone and, for reference, the exact count per status that a scrape does
 * not make (a read of the whole status index).
 */
import Database from "better-sqlite3";
import { createBaton, createClient, createHttpApi, orchestration } from "../src/index.js";
import { connectPostgres, storeKindOf, storePath } from "./scenario.js";
import { median } from "./stats.js";
import { newRunStore, type StoreKind } from "./stores.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const SIZE = Number(option("size", "1000000"));
const ROUNDS = Number(option("rounds", "21"));
const STORES: StoreKind[] = option("store", "both") === "both" ? ["sqlite", "postgres"] : [option("store", "sqlite") as StoreKind];

const RUNNING = 10_000;
const READY_TASKS = 1_000;
const STARTED = 1_000;
const CHUNK = 100_000;

const scraped = orchestration("Scraped", async () => "never runs: no worker");

function statusOf(i: number): string {
  return i % 20 === 0 ? "Failed" : i % 20 === 1 ? "Terminated" : "Completed";
}

function fillSqlite(url: string): void {
  const db = new Database(storePath(url));
  try {
    db.pragma("synchronous = OFF");
    const instance = db.prepare(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at) VALUES (?, 'Scraped', ?, ?, ?, ?, ?)`,
    );
    const task = db.prepare(
      `INSERT INTO activity_tasks (instance_id, execution_id, seq, name, attempt, idempotency_key, first_visible_at, visible_at)
       VALUES (?, ?, 0, 'ScrapedStep', 1, ?, ?, ?)`,
    );
    const now = Date.now();
    const fill = db.transaction((from: number, to: number, status: (i: number) => string) => {
      for (let i = from; i < to; i++) instance.run(`i${i}`, `e${i}`, status(i), now - (SIZE - i), now, now);
    });
    for (let from = 0; from < SIZE; from += CHUNK) fill(from, Math.min(SIZE, from + CHUNK), statusOf);
    fill(SIZE, SIZE + RUNNING, () => "Running");
    db.transaction(() => {
      for (let i = SIZE; i < SIZE + READY_TASKS; i++) task.run(`i${i}`, `e${i}`, `k${i}`, now - 5_000, now - 5_000);
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("ANALYZE");
  } finally {
    db.close();
  }
}

async function fillPostgres(url: string): Promise<void> {
  const db = await connectPostgres(url);
  try {
    await db.query("SET synchronous_commit = off");
    const now = Date.now();
    for (let from = 0; from < SIZE; from += CHUNK) {
      await db.query(
        `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at)
         SELECT 'i' || i, 'Scraped', 'e' || i,
           CASE WHEN i % 20 = 0 THEN 'Failed' WHEN i % 20 = 1 THEN 'Terminated' ELSE 'Completed' END, $3::bigint - ($4::bigint - i), $3::bigint, $3::bigint
         FROM generate_series($1::int, $2::int - 1) AS i`,
        [from, Math.min(SIZE, from + CHUNK), now, SIZE],
      );
    }
    await db.query(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at)
       SELECT 'i' || i, 'Scraped', 'e' || i, 'Running', $3::bigint, $3::bigint, $3::bigint FROM generate_series($1::int, $2::int - 1) AS i`,
      [SIZE, SIZE + RUNNING, now],
    );
    await db.query(
      `INSERT INTO activity_tasks (instance_id, execution_id, seq, name, attempt, idempotency_key, first_visible_at, visible_at)
       SELECT 'i' || i, 'e' || i, 0, 'ScrapedStep', 1, 'k' || i, $3::bigint, $3::bigint FROM generate_series($1::int, $2::int - 1) AS i`,
      [SIZE, SIZE + READY_TASKS, now - 5_000],
    );
    await db.query("VACUUM ANALYZE instances");
    await db.query("VACUUM ANALYZE activity_tasks");
    await db.query("CHECKPOINT");
  } finally {
    await db.end();
  }
}

/** The exact count per status, which a scrape avoids: how long it would take instead. */
async function fullCountMs(url: string): Promise<number> {
  const sql = "SELECT runtime_status, count(*) FROM instances GROUP BY runtime_status";
  if (storeKindOf(url) === "sqlite") {
    const db = new Database(storePath(url), { readonly: true });
    const started = performance.now();
    db.prepare(sql).all();
    const elapsed = performance.now() - started;
    db.close();
    return elapsed;
  }
  const db = await connectPostgres(url);
  const started = performance.now();
  await db.query(sql);
  const elapsed = performance.now() - started;
  await db.end();
  return elapsed;
}

async function timeRounds(work: () => Promise<unknown>): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return { median: median(times), max: Math.max(...times) };
}

const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;

async function measure(kind: StoreKind): Promise<void> {
  const store = newRunStore(kind, "metrics", 0);
  try {
    await (await createClient({ store: store.url })).close(); // migrations create the schema
    const fillStarted = performance.now();
    if (kind === "sqlite") fillSqlite(store.url);
    else await fillPostgres(store.url);
    const fillMs = performance.now() - fillStarted;

    const baton = await createBaton({ store: store.url, functions: [scraped] }); // never started: no worker
    const { client } = baton;
    for (let i = 0; i < STARTED; i++) await client.startNew(scraped);
    const app = createHttpApi({ client });
    const scrape = async () => {
      const response = await app.request("/api/metrics");
      if (response.status !== 200) throw new Error(`scrape answered ${response.status}`);
      return response.text();
    };

    const firstStarted = performance.now();
    const text = await scrape(); // on PostgreSQL, folds the +1/−1 rows the fill appended
    const firstMs = performance.now() - firstStarted;
    const expect = (line: string) => {
      if (!text.includes(line)) throw new Error(`the scrape lacks "${line}":\n${text.slice(0, 2000)}`);
    };
    expect(`baton_instances{status="Completed"} ${SIZE - 2 * Math.ceil(SIZE / 20)}`);
    expect(`baton_instances{status="Running"} ${RUNNING}`);
    expect(`baton_instances{status="Pending"} ${STARTED}`);
    expect(`baton_work_ready{queue="orchestration",function="Scraped"} ${STARTED}`);
    expect(`baton_work_ready{queue="activity",function="ScrapedStep"} ${READY_TASKS}`);

    const scrapes = await timeRounds(scrape);
    const ready = await timeRounds(() => client.workload());
    const full = await fullCountMs(store.url);
    await baton.stop();
    console.log(
      [
        `${kind}: ${SIZE.toLocaleString("en")} finished + ${RUNNING.toLocaleString("en")} running + ${STARTED.toLocaleString("en")} pending instances, ${READY_TASKS.toLocaleString("en")} tasks due (filled in ${(fillMs / 1000).toFixed(0)} s)`,
        `  scrape (GET /api/metrics), median of ${ROUNDS}: ${ms(scrapes.median)} (slowest ${ms(scrapes.max)})`,
        `  client.workload() alone, median: ${ms(ready.median)} (slowest ${ms(ready.max)})`,
        `  first scrape after the fill: ${ms(firstMs)}`,
        `  for reference, an exact count per status (what the scrape avoids): ${ms(full)}`,
      ].join("\n"),
    );
  } finally {
    await store.cleanup();
  }
}

for (const kind of STORES) await measure(kind);
