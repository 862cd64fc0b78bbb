/**
 * What the dashboard's reads cost on a large store: a page of the instance list and the counts
 * per status, unfiltered and filtered, through the HTTP app, on a store of a million instances;
 * and the live stream's read of recent changes. Figures go to BENCHMARKS.md, "## Dashboard API".
 *
 *   npx tsx bench/dashboard-api.ts [--store sqlite|postgres|both] [--size 1000000] [--rounds 21]
 *
 * The store is filled by a bulk insert straight into its tables (setup, not measured): `size`
 * instances of seven orchestrations created over the last 30 days, ids spread over the key space
 * as random ids are; 1 in 20 Failed, 1 in 20 Terminated, 1 in 100 Running, the rest Completed;
 * the last 500 changed within the last second. Each round times one request through the app
 * (`app.request`, no socket); the median and the slowest of the rounds are printed.
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { createClient, createHttpApi } from "../src/index.js";
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
const STORES: StoreKind[] = option("store", "sqlite") === "both" ? ["sqlite", "postgres"] : [option("store", "sqlite") as StoreKind];
const CHUNK = 100_000;
const RECENT = 500;
const DAY_MS = 86_400_000;

const idOf = (i: number): string => createHash("md5").update(String(i)).digest("hex");
const statusOf = (i: number): string => (i % 20 === 0 ? "Failed" : i % 20 === 1 ? "Terminated" : i % 100 === 2 ? "Running" : "Completed");

function fillSqlite(url: string, now: number): void {
  const db = new Database(storePath(url));
  try {
    db.pragma("synchronous = OFF");
    const insert = db.prepare(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const fill = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const createdAt = now - Math.round(((SIZE - i) / SIZE) * 30 * DAY_MS);
        const updatedAt = i >= SIZE - RECENT ? now - 500 : createdAt + 1000;
        insert.run(idOf(i), `Order${i % 7}`, `e${i}`, statusOf(i), createdAt, updatedAt, createdAt);
      }
    });
    for (let from = 0; from < SIZE; from += CHUNK) fill(from, Math.min(SIZE, from + CHUNK));
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("ANALYZE");
  } finally {
    db.close();
  }
}

async function fillPostgres(url: string, now: number): Promise<void> {
  const db = await connectPostgres(url);
  try {
    await db.query("SET synchronous_commit = off");
    for (let from = 0; from < SIZE; from += CHUNK) {
      await db.query(
        `INSERT INTO instances (instance_id, name, execution_id, runtime_status, created_at, updated_at, start_at)
         SELECT md5(i::text), 'Order' || (i % 7), 'e' || i,
           CASE WHEN i % 20 = 0 THEN 'Failed' WHEN i % 20 = 1 THEN 'Terminated' WHEN i % 100 = 2 THEN 'Running' ELSE 'Completed' END,
           c, CASE WHEN i >= $4::int - $5::int THEN $3::bigint - 500 ELSE c + 1000 END, c
         FROM generate_series($1::int, $2::int - 1) AS i,
           LATERAL (SELECT $3::bigint - round((($4::int - i)::numeric / $4::int) * 30 * $6::bigint)::bigint AS c) AS t`,
        [from, Math.min(SIZE, from + CHUNK), now, SIZE, RECENT, DAY_MS],
      );
    }
    await db.query("VACUUM ANALYZE instances");
    await db.query("CHECKPOINT");
  } finally {
    await db.end();
  }
}

async function measure(kind: StoreKind): Promise<void> {
  const store = newRunStore(kind, "dashboard", 0);
  try {
    const setup = await createClient({ store: store.url }); // migrations create the schema
    await setup.close();
    const now = Date.now();
    const filledAt = performance.now();
    if (kind === "sqlite") fillSqlite(store.url, now);
    else await fillPostgres(store.url, now);
    console.log(`${kind}: ${SIZE.toLocaleString("en")} instances filled in ${((performance.now() - filledAt) / 1000).toFixed(1)} s (${store.where})`);
    const client = await createClient({ store: store.url });
    const app = createHttpApi({ client });
    const lastHour = new Date(now - 3_600_000).toISOString();
    const requests: [string, string][] = [
      ["list, first page", "/api/instances?pageSize=50"],
      ["list, Failed", "/api/instances?pageSize=50&runtimeStatus=Failed"],
      ["list, by name", "/api/instances?pageSize=50&name=Order3"],
      ["counts, unfiltered (exact)", "/api/instances/counts"],
      ["counts, by name (cap 10,000)", "/api/instances/counts?name=Order3"],
      ["counts, last hour", `/api/instances/counts?createdFrom=${encodeURIComponent(lastHour)}`],
      ["counts, id prefix", "/api/instances/counts?instanceIdPrefix=ab"],
    ];
    const rows: string[] = [];
    for (const [label, path] of requests) {
      const times: number[] = [];
      let body = "";
      for (let round = 0; round < ROUNDS; round++) {
        const started = performance.now();
        const response = await app.request(`http://localhost${path}`);
        body = await response.text();
        times.push(performance.now() - started);
        if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body}`);
      }
      const summary = path.includes("counts") ? body : `${(JSON.parse(body) as { instances: unknown[] }).instances.length} instances`;
      rows.push(`| ${label} | \`GET ${path.replace(encodeURIComponent(lastHour), "<1 h ago>")}\` | ${median(times).toFixed(1)} | ${Math.max(...times).toFixed(1)} | ${summary.replaceAll("|", "\\|")} |`);
    }
    const streamTimes: number[] = [];
    let changes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      changes = (await client.changedSince(new Date(Date.now() - 5000), { limit: 1000 })).length;
      streamTimes.push(performance.now() - started);
    }
    rows.push(`| stream, one read of changes | \`client.changedSince(5 s ago)\` | ${median(streamTimes).toFixed(1)} | ${Math.max(...streamTimes).toFixed(1)} | ${changes} changes |`);
    await client.close();
    console.log(`\n${kind}, ${SIZE.toLocaleString("en")} instances, ${ROUNDS} rounds each:\n`);
    console.log("| Read | Request | Median ms | Slowest ms | Answer |\n|---|---|---|---|---|");
    console.log(rows.join("\n"));
  } finally {
    await store.cleanup();
  }
}

for (const kind of STORES) await measure(kind);
