/**
 * Setup for W7 only: fills a store with finished instances by writing rows straight into
 * the store (SQLite file or PostgreSQL schema). Going through the API would take hours for a
 * million instances; the measurement that follows uses the public API only. The rows mirror
 * what the worker writes for a one-activity orchestration (6 history events each, in two
 * segments), and the scenario reads a sample back through getStatus, so a schema change that
 * breaks this seeding fails the scenario instead of measuring an unrealistic store.
 *
 * Durability during seeding is off on the seeding connection only (SQLite synchronous=OFF,
 * PostgreSQL synchronous_commit=off): it is setup, not measured. The baton that is measured
 * opens the store with its default durability (SQLite synchronous=FULL; PostgreSQL as the
 * server is configured).
 *
 * On SQLite the rows are built in JavaScript and inserted with prepared statements; on
 * PostgreSQL they are built by the server (INSERT … SELECT over generate_series), 100,000
 * instances per statement, then the tables are vacuumed and analyzed and a checkpoint is
 * taken, so that the measurement does not overlap autovacuum or the checkpointer working
 * through the seeded rows.
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { createClient } from "../src/index.js";
import { connectPostgres, storeKindOf, storePath } from "./scenario.js";

export type SeededStatus = "Completed" | "Failed" | "Terminated";

export interface SeededInstance {
  instanceId: string;
  status: SeededStatus;
  input: number;
  /** The output getStatus must show (undefined for Failed). */
  output: unknown;
}

/** Instances per transaction: each brings 7 rows (1 instance + 6 history), about 70k rows. */
const INSTANCES_PER_TRANSACTION = 10_000;
const HISTORY_PER_INSTANCE = 6;
const DAY_MS = 86_400_000;

/** One finished instance in 20 failed, one in 20 terminated, the rest completed. */
function statusOf(index: number): SeededStatus {
  if (index % 20 === 0) return "Failed";
  if (index % 20 === 1) return "Terminated";
  return "Completed";
}

interface SeedOptions {
  count: number;
  name: string;
  activityName: string;
  sampleSize: number;
}

/**
 * Seeds `count` finished instances of orchestration `name` (with `activityName` as their one
 * activity), created over the last 30 days. Returns `sampleSize` of them picked at random.
 */
export async function seedFinishedInstances(storeUrl: string, options: SeedOptions): Promise<{ sample: SeededInstance[]; seedMs: number }> {
  const startedAt = performance.now();
  const client = await createClient({ store: storeUrl }); // the store's own migrations create the schema
  await client.close();

  const sampled = new Set<number>();
  while (sampled.size < Math.min(options.sampleSize, options.count)) sampled.add(Math.floor(Math.random() * options.count));
  const sample = storeKindOf(storeUrl) === "sqlite" ? seedSqlite(storeUrl, options, sampled) : await seedPostgres(storeUrl, options, sampled);
  // Shuffle so that getStatus does not walk the ids in creation order.
  for (let i = sample.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [sample[i], sample[j]] = [sample[j]!, sample[i]!];
  }
  return { sample, seedMs: performance.now() - startedAt };
}

/** What getStatus must show for seeded instance `i`, as seedSqlite writes it and the SQL of seedPostgres does. */
function expectedInstance(instanceId: string, i: number): SeededInstance {
  const status = statusOf(i);
  const output = status === "Completed" ? i + 1 : status === "Terminated" ? "seeded" : undefined;
  return { instanceId, status, input: i, output };
}

function seedSqlite(storeUrl: string, options: SeedOptions, sampled: ReadonlySet<number>): SeededInstance[] {
  const { count, name, activityName } = options;
  const db = new Database(storePath(storeUrl));
  try {
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -262144"); // 256 MiB: random instance ids touch the whole index
    const insertInstance = db.prepare(
      `INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, output, failure,
         created_at, updated_at, start_at, history_length) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertSegment = db.prepare(`INSERT INTO history_segments (instance_id, first_position, events) VALUES (?, ?, ?)`);
    const sample: SeededInstance[] = [];
    const firstCreatedAt = Date.now() - 30 * DAY_MS;
    const spacingMs = (30 * DAY_MS - 60_000) / count;

    const insertRange = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const instanceId = randomUUID();
        const executionId = randomUUID();
        const status = statusOf(i);
        const createdAt = Math.floor(firstCreatedAt + i * spacingMs);
        const finishedAt = createdAt + 3;
        const input = JSON.stringify(i);
        const output = status === "Completed" ? JSON.stringify(i + 1) : status === "Terminated" ? JSON.stringify("seeded") : null;
        const error = { name: "Error", message: `seeded failure ${i}` };
        const failure = status === "Failed" ? JSON.stringify({ code: "ACTIVITY_FAILED", ...error }) : null;
        insertInstance.run(instanceId, name, executionId, status, input, output, failure, createdAt, finishedAt, createdAt, HISTORY_PER_INSTANCE);
        const events: object[] = [
          { type: "EpisodeStarted", timestamp: createdAt },
          { type: "ExecutionStarted", timestamp: createdAt, name, executionId, input },
          { type: "TaskScheduled", timestamp: createdAt, seq: 0, name: activityName, attempt: 1, input },
          { type: "EpisodeStarted", timestamp: finishedAt },
          status === "Failed"
            ? { type: "TaskFailed", timestamp: finishedAt, seq: 0, error, attempts: 1 }
            : { type: "TaskCompleted", timestamp: finishedAt, seq: 0, output: JSON.stringify(i + 1) },
          status === "Completed"
            ? { type: "ExecutionCompleted", timestamp: finishedAt, output }
            : status === "Failed"
              ? { type: "ExecutionFailed", timestamp: finishedAt, error: { code: "ACTIVITY_FAILED", ...error } }
              : { type: "ExecutionTerminated", timestamp: finishedAt, reason: "seeded" },
        ];
        // Two commits, as the worker writes them when the activity goes through the queue.
        insertSegment.run(instanceId, 0, JSON.stringify(events.slice(0, 3)));
        insertSegment.run(instanceId, 3, JSON.stringify(events.slice(3)));
        if (sampled.has(i)) sample.push(expectedInstance(instanceId, i));
      }
    });
    for (let from = 0; from < count; from += INSTANCES_PER_TRANSACTION) {
      insertRange(from, Math.min(count, from + INSTANCES_PER_TRANSACTION));
    }
    db.pragma("wal_checkpoint(TRUNCATE)");

    const instances = (db.prepare("SELECT count(*) AS n FROM instances").get() as { n: number }).n;
    const history = (db.prepare("SELECT sum(json_array_length(events)) AS n FROM history_segments").get() as { n: number }).n;
    if (instances !== count || history !== count * HISTORY_PER_INSTANCE) {
      throw new Error(`seeding wrote ${instances} instances and ${history} history events, expected ${count} and ${count * HISTORY_PER_INSTANCE}`);
    }
    return sample;
  } finally {
    db.close();
  }
}

/** Instances per statement (and transaction) on PostgreSQL: each brings 3 rows (1 instance + 2 history segments). */
const POSTGRES_INSTANCES_PER_STATEMENT = 100_000;

/**
 * The same rows as seedSqlite, built by the server: instance `i` has the status, input, output,
 * failure, times and the two history segments (text byte for byte as JSON.stringify writes
 * them) that seedSqlite gives instance `i`; ids are random UUIDs (gen_random_uuid) as there.
 */
const SEED_POSTGRES_SQL = /* sql */ `
WITH src AS MATERIALIZED (
  SELECT i,
         gen_random_uuid()::text AS instance_id,
         gen_random_uuid()::text AS execution_id,
         CASE WHEN i % 20 = 0 THEN 'Failed' WHEN i % 20 = 1 THEN 'Terminated' ELSE 'Completed' END AS status,
         floor($3::float8 + i * $4::float8)::bigint AS created_at
  FROM generate_series($1::int, $2::int - 1) AS i
),
inserted AS (
  INSERT INTO instances (instance_id, name, execution_id, runtime_status, input, output, failure,
    created_at, updated_at, start_at, history_length)
  SELECT instance_id, $5, execution_id, status, i::text,
    CASE status WHEN 'Completed' THEN (i + 1)::text WHEN 'Terminated' THEN '"seeded"' END,
    CASE WHEN status = 'Failed' THEN '{"code":"ACTIVITY_FAILED","name":"Error","message":"seeded failure ' || i || '"}' END,
    created_at, created_at + 3, created_at, ${HISTORY_PER_INSTANCE}
  FROM src
)
INSERT INTO history_segments (instance_id, first_position, events)
SELECT src.instance_id, segment.first_position, segment.events
FROM src CROSS JOIN LATERAL (VALUES
  (0, '[{"type":"EpisodeStarted","timestamp":' || created_at || '},'
      || '{"type":"ExecutionStarted","timestamp":' || created_at || ',"name":' || $6 || ',"executionId":"' || execution_id || '","input":"' || i || '"},'
      || '{"type":"TaskScheduled","timestamp":' || created_at || ',"seq":0,"name":' || $7 || ',"attempt":1,"input":"' || i || '"}]'),
  (3, '[{"type":"EpisodeStarted","timestamp":' || (created_at + 3) || '},'
      || CASE WHEN status = 'Failed'
           THEN '{"type":"TaskFailed","timestamp":' || (created_at + 3) || ',"seq":0,"error":{"name":"Error","message":"seeded failure ' || i || '"},"attempts":1}'
           ELSE '{"type":"TaskCompleted","timestamp":' || (created_at + 3) || ',"seq":0,"output":"' || (i + 1) || '"}' END
      || ','
      || CASE status
           WHEN 'Completed' THEN '{"type":"ExecutionCompleted","timestamp":' || (created_at + 3) || ',"output":"' || (i + 1) || '"}'
           WHEN 'Failed' THEN '{"type":"ExecutionFailed","timestamp":' || (created_at + 3) || ',"error":{"code":"ACTIVITY_FAILED","name":"Error","message":"seeded failure ' || i || '"}}'
           ELSE '{"type":"ExecutionTerminated","timestamp":' || (created_at + 3) || ',"reason":"seeded"}' END
      || ']')
) AS segment(first_position, events)
ORDER BY src.i, segment.first_position`;

async function seedPostgres(storeUrl: string, options: SeedOptions, sampled: ReadonlySet<number>): Promise<SeededInstance[]> {
  const { count, name, activityName } = options;
  const db = await connectPostgres(storeUrl);
  try {
    await db.query("SET synchronous_commit = off");
    const firstCreatedAt = Date.now() - 30 * DAY_MS;
    const spacingMs = (30 * DAY_MS - 60_000) / count;
    for (let from = 0; from < count; from += POSTGRES_INSTANCES_PER_STATEMENT) {
      const to = Math.min(count, from + POSTGRES_INSTANCES_PER_STATEMENT);
      await db.query(SEED_POSTGRES_SQL, [from, to, firstCreatedAt, spacingMs, name, JSON.stringify(name), JSON.stringify(activityName)]);
    }
    // As an aged store would be after autovacuum; done here so that it does not run during the measurement.
    await db.query("VACUUM (ANALYZE) instances, history_segments");
    await db.query("CHECKPOINT").catch(() => undefined); // needs superuser or pg_checkpoint; only a precaution

    const instances = Number((await db.query<{ n: string }>("SELECT count(*) AS n FROM instances")).rows[0]!.n);
    const history = Number(
      (await db.query<{ n: string }>("SELECT sum(json_array_length(events::json)) AS n FROM history_segments")).rows[0]!.n,
    );
    if (instances !== count || history !== count * HISTORY_PER_INSTANCE) {
      throw new Error(`seeding wrote ${instances} instances and ${history} history events, expected ${count} and ${count * HISTORY_PER_INSTANCE}`);
    }
    // The sample's ids, found by their input (i); what getStatus must show is derived from i alone.
    const found = await db.query<{ instance_id: string; input: string }>(
      "SELECT instance_id, input FROM instances WHERE input = ANY($1::text[])",
      [[...sampled].map(String)],
    );
    if (found.rows.length !== sampled.size) throw new Error(`seeding: ${found.rows.length} sampled instances found, expected ${sampled.size}`);
    return found.rows.map((row) => expectedInstance(row.instance_id, Number(row.input)));
  } finally {
    await db.end();
  }
}
