/**
 * Setup for W7 only: fills a store with finished instances by writing rows straight into
 * the SQLite file with better-sqlite3. Going through the API would take hours for a million
 * instances; the measurement that follows uses the public API only. The rows mirror what
 * the worker writes for a one-activity orchestration (6 history events each), and the
 * scenario reads a sample back through getStatus, so a schema change that breaks this
 * seeding fails the scenario instead of measuring an unrealistic store.
 *
 * Durability during seeding is off (synchronous=OFF on this connection only): it is setup,
 * not measured. The baton that is measured opens the file with its default, synchronous=FULL.
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { createClient } from "../src/index.js";
import { storePath } from "./scenario.js";

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

/**
 * Seeds `count` finished instances of orchestration `name` (with `activityName` as their one
 * activity), created over the last 30 days. Returns `sampleSize` of them picked at random.
 */
export async function seedFinishedInstances(
  storeUrl: string,
  options: { count: number; name: string; activityName: string; sampleSize: number },
): Promise<{ sample: SeededInstance[]; seedMs: number }> {
  const startedAt = performance.now();
  const client = await createClient({ store: storeUrl }); // the store's own migrations create the schema
  await client.close();

  const { count, name, activityName } = options;
  const sampled = new Set<number>();
  while (sampled.size < Math.min(options.sampleSize, count)) sampled.add(Math.floor(Math.random() * count));

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
        if (sampled.has(i)) {
          sample.push({ instanceId, status, input: i, output: output === null ? undefined : JSON.parse(output) });
        }
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
    // Shuffle so that getStatus does not walk the ids in creation order.
    for (let i = sample.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [sample[i], sample[j]] = [sample[j]!, sample[i]!];
    }
    return { sample, seedMs: performance.now() - startedAt };
  } finally {
    db.close();
  }
}
