/**
 * What a metrics scrape costs on a large store: `GET /api/metrics` (the store's workload read
 * through the client, and the Prometheus text) on a store of a million finished instances,
 * with live and ready work beside them. Figures go to BENCHMARKS.md, "## Metrics scrape".
 *
 *   npx tsx bench/metrics-scrape.ts [--store sqlite|postgres|both] [--size 1000000] [--rounds 21]
 *
 * The store is filled by a bulk insert straight into its tables, ids spread over the key space as
 * random ids are (setup, not measured; the
 * triggers that keep finished instances counted stay on, as in production): `size` finished
 * instances (1 in 20 Failed, 1 in 20 Terminated), 10,000 Running ones waiting, 1,000 activity
 * tasks due for them; then 1,000 instances started through the client (Pending, ready). Each
 * round times one scrape through the HTTP app; the median and the slowest are printed, then
 * each query of a scrape alone with its plan and, for reference, the exact count per status
 * that a scrape does not make (a read of the whole status index).
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { createBaton, createClient, createHttpApi, orchestration } from "../src/index.js";
import { SQL } from "../src/store/sqlite/queries.js";
import { COUNT_LIVE_INSTANCES, READY_ACTIVITIES, READY_ORCHESTRATIONS, SUM_FINISHED_COUNTS } from "../src/store/postgres/statements/workload.js";
import { connectPostgres, storePath } from "./scenario.js";
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

/** Instance ids spread over the key space, as random ids are (md5 of the index, as the PostgreSQL fill makes them). */
const idOf = (i: number): string => createHash("md5").update(String(i)).digest("hex");

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
      for (let i = from; i < to; i++) instance.run(idOf(i), `e${i}`, status(i), now - (SIZE - i), now, now);
    });
    for (let from = 0; from < SIZE; from += CHUNK) fill(from, Math.min(SIZE, from + CHUNK), statusOf);
    fill(SIZE, SIZE + RUNNING, () => "Running");
    db.transaction(() => {
      for (let i = SIZE; i < SIZE + READY_TASKS; i++) task.run(idOf(i), `e${i}`, `k${i}`, now - 5_000, now - 5_000);
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
         SELECT md5(i::text), 'Scraped', 'e' || i,
           CASE WHEN i % 20 = 0 THEN 'Failed' WHEN i % 20 = 1 THEN 'Terminated' ELSE 'Completed' END, $3::bigint - ($4::bigint - i), $3::bigint, $3::bigint
         FROM generate_series($1::int, $2::int - 1) AS i`,
        [from, Math.min(SIZE, from + CHUNK), now, SIZE],
      );
    }
    await db.query(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at)
       SELECT md5(i::text), 'Scraped', 'e' || i, 'Running', $3::bigint, $3::bigint, $3::bigint FROM generate_series($1::int, $2::int - 1) AS i`,
      [SIZE, SIZE + RUNNING, now],
    );
    await db.query(
      `INSERT INTO activity_tasks (instance_id, execution_id, seq, name, attempt, idempotency_key, first_visible_at, visible_at)
       SELECT md5(i::text), 'e' || i, 0, 'ScrapedStep', 1, 'k' || i, $3::bigint, $3::bigint FROM generate_series($1::int, $2::int - 1) AS i`,
      [SIZE, SIZE + READY_TASKS, now - 5_000],
    );
    await db.query("VACUUM ANALYZE instances");
    await db.query("VACUUM ANALYZE activity_tasks");
    await db.query("CHECKPOINT");
  } finally {
    await db.end();
  }
}

/** The queries of a scrape, with their parameters, and the exact count per status that a scrape avoids. */
function queriesOf(kind: StoreKind, now: number): { name: string; text: string; params: unknown[] }[] {
  const fullCount = { name: "for reference: exact count per status (not made)", text: "SELECT runtime_status, count(*) FROM instances GROUP BY runtime_status", params: [] };
  if (kind === "sqlite") {
    return [
      { name: "ready orchestrations", text: SQL.readyOrchestrations, params: [now, now, now] },
      { name: "ready activities", text: SQL.readyActivities, params: [now, now] },
      { name: "live instances per status", text: SQL.countLiveInstances, params: [] },
      { name: "finished instances per status", text: SQL.selectFinishedCounts, params: [] },
      fullCount,
    ];
  }
  return [
    { name: "ready orchestrations", text: READY_ORCHESTRATIONS.text, params: [now] },
    { name: "ready activities", text: READY_ACTIVITIES.text, params: [now] },
    { name: "live instances per status", text: COUNT_LIVE_INSTANCES, params: [] },
    { name: "finished instances per status", text: SUM_FINISHED_COUNTS, params: [] },
    fullCount,
  ];
}

/** Each query timed alone (median of the rounds), with the plan its database chose. */
async function timeQueries(kind: StoreKind, url: string): Promise<string[]> {
  const lines: string[] = [];
  const queries = queriesOf(kind, Date.now());
  if (kind === "sqlite") {
    const db = new Database(storePath(url), { readonly: true });
    for (const q of queries) {
      const statement = db.prepare(q.text);
      const { median: m } = await timeRounds(async () => statement.all(...q.params));
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${q.text}`).all(...q.params) as { detail: string }[]).map((r) => r.detail).join("; ");
      lines.push(`    ${q.name}: ${ms(m)} — ${plan}`);
    }
    db.close();
    return lines;
  }
  const db = await connectPostgres(url);
  for (const q of queries) {
    const { median: m } = await timeRounds(() => db.query(q.text, q.params));
    const plan = (await db.query<{ "QUERY PLAN": string }>(`EXPLAIN (COSTS OFF) ${q.text}`, q.params)).rows.map((r) => r["QUERY PLAN"].trim()).join("; ");
    lines.push(`    ${q.name}: ${ms(m)} — ${plan}`);
  }
  await db.end();
  return lines;
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

    if (kind === "postgres") {
      // What autovacuum soon does after that fold of a million rows: the rows it deleted are
      // gone, and later scrapes sum a few live ones (routine scrapes fold a thousand at most).
      const db = await connectPostgres(store.url);
      await db.query("VACUUM finished_counts");
      await db.end();
    }
    for (let i = 0; i < 3; i++) await scrape(); // warm: the pages the queries read are cached, as between scrapes
    const scrapes = await timeRounds(scrape);
    const ready = await timeRounds(() => client.workload());
    const queries = await timeQueries(kind, store.url);
    await baton.stop();
    console.log(
      [
        `${kind}: ${SIZE.toLocaleString("en")} finished + ${RUNNING.toLocaleString("en")} running + ${STARTED.toLocaleString("en")} pending instances, ${READY_TASKS.toLocaleString("en")} tasks due (filled in ${(fillMs / 1000).toFixed(0)} s)`,
        `  scrape (GET /api/metrics), median of ${ROUNDS}: ${ms(scrapes.median)} (slowest ${ms(scrapes.max)})`,
        `  client.workload() alone, median: ${ms(ready.median)} (slowest ${ms(ready.max)})`,
        `  first scrape after the fill: ${ms(firstMs)}${kind === "postgres" ? " (it folds the million +1 rows the fill appended)" : ""}`,
        `  each query alone, median of ${ROUNDS}, and its plan:`,
        ...queries,
      ].join("\n"),
    );
  } finally {
    await store.cleanup();
  }
}

for (const kind of STORES) await measure(kind);
