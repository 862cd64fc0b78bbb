/**
 * Read-only looks at a PostgreSQL store (one schema) from the test process, and the server-side
 * view of worker processes: their backends, found by the application_name each worker's
 * connections carry (see spawnFixture), which a test may terminate.
 */
import pg from "pg";
import type { CommittedState } from "./store-inspection.js";

/** The application_name of the test process's own inspection connections (never terminated). */
const INSPECTOR = "baton-crash-inspector";

/** The server part of a store URL (the `schema` and Baton's own parameters removed) and its schema. */
export function postgresTarget(storeUrl: string): { connectionString: string; schema: string } {
  const url = new URL(storeUrl);
  const schema = url.searchParams.get("schema") ?? "baton";
  for (const name of ["schema", "poolSize", "application_name"]) url.searchParams.delete(name);
  return { connectionString: url.toString(), schema };
}

/** One connection with the store's schema as search_path, closed after `read`. */
export async function withPostgres<T>(storeUrl: string, read: (client: pg.Client) => Promise<T>): Promise<T> {
  const { connectionString, schema } = postgresTarget(storeUrl);
  const client = new pg.Client({
    connectionString,
    application_name: INSPECTOR,
    options: `-c search_path="${schema.replace(/"/g, '""')}"`,
    connectionTimeoutMillis: 10_000,
  });
  // A connection dropped while idle (a server restart) must not crash the test process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    return await read(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `read` inside one read-only snapshot: what was committed at one moment, across tables. */
async function inSnapshot<T>(storeUrl: string, read: (client: pg.Client) => Promise<T>): Promise<T> {
  return withPostgres(storeUrl, async (client) => {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      return await read(client);
    } finally {
      await client.query("ROLLBACK");
    }
  });
}

export function postgresStoreProblems(storeUrl: string): Promise<string[]> {
  return inSnapshot(storeUrl, async (client) => {
    const instances = (await client.query<{ instance_id: string; history_length: number }>("SELECT instance_id, history_length FROM instances")).rows;
    const segments = (
      await client.query<{ instance_id: string; first_position: number; n: number }>(
        "SELECT instance_id, first_position, json_array_length(events::json) AS n FROM history_segments ORDER BY instance_id, first_position",
      )
    ).rows;
    const positionsOf = new Map<string, number[]>();
    for (const segment of segments) {
      const positions = positionsOf.get(segment.instance_id) ?? [];
      positions.push(...Array.from({ length: segment.n }, (_, i) => segment.first_position + i));
      positionsOf.set(segment.instance_id, positions);
    }
    const problems: string[] = [];
    for (const { instance_id, history_length } of instances) {
      const positions = positionsOf.get(instance_id) ?? [];
      positionsOf.delete(instance_id);
      const gapless = positions.every((p, i) => p === i);
      if (positions.length !== history_length || !gapless) {
        problems.push(`${instance_id}: history_length ${history_length}, positions ${positions.join(",")}`);
      }
    }
    for (const instanceId of positionsOf.keys()) problems.push(`${instanceId}: history segments without an instance row`);
    return problems;
  });
}

export function postgresReadCommitted(storeUrl: string): Promise<CommittedState> {
  return inSnapshot(storeUrl, async (client) => {
    const histories = new Map<string, string[]>();
    const executions = new Map<string, string>();
    for (const row of (await client.query<{ instance_id: string; execution_id: string }>("SELECT instance_id, execution_id FROM instances")).rows) {
      executions.set(row.instance_id, row.execution_id);
      histories.set(row.instance_id, []);
    }
    const completedKeys = new Set<string>();
    const completion = (instanceId: string, event: { type: string; seq?: number }): void => {
      if (event.type === "TaskCompleted") completedKeys.add(`${instanceId}:${executions.get(instanceId)}:${event.seq}`);
    };
    const segments = await client.query<{ instance_id: string; events: string }>(
      "SELECT instance_id, events FROM history_segments ORDER BY instance_id, first_position",
    );
    for (const row of segments.rows) {
      const history = histories.get(row.instance_id);
      if (!history) throw new Error(`history segments of ${row.instance_id}, which has no instance row`);
      for (const event of JSON.parse(row.events) as { type: string; seq?: number }[]) {
        history.push(JSON.stringify(event));
        completion(row.instance_id, event);
      }
    }
    for (const row of (await client.query<{ instance_id: string; message: string }>("SELECT instance_id, message FROM inbox ORDER BY id")).rows) {
      completion(row.instance_id, JSON.parse(row.message) as { type: string; seq?: number });
    }
    return { histories, completedKeys };
  });
}

export function postgresHeldLeases(storeUrl: string, now: number): Promise<{ instances: number; tasks: number }> {
  return inSnapshot(storeUrl, async (client) => {
    const count = async (table: string): Promise<number> =>
      (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE lease_expires_at > $1`, [now])).rows[0]!.n;
    return { instances: await count("instances"), tasks: await count("activity_tasks") };
  });
}

export function postgresLeftoverWork(storeUrl: string): Promise<{ tasks: number; messages: number }> {
  return inSnapshot(storeUrl, async (client) => {
    const count = async (table: string): Promise<number> => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    return { tasks: await count("activity_tasks"), messages: await count("inbox") };
  });
}

// ---- worker backends ----

export interface Backend {
  pid: number;
  appName: string;
  /** pg_stat_activity.state: 'active', 'idle', 'idle in transaction', ... */
  state: string | null;
}

/** The server backends (in the store's database) of connections named `appNames`. */
export function backendsOf(storeUrl: string, appNames: readonly string[]): Promise<Backend[]> {
  return withPostgres(storeUrl, async (client) => {
    const rows = await client.query<{ pid: number; application_name: string; state: string | null }>(
      `SELECT pid, application_name, state FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ANY($1::text[])`,
      [appNames],
    );
    return rows.rows.map((row) => ({ pid: row.pid, appName: row.application_name, state: row.state }));
  });
}

/**
 * Terminates the backends of connections named `appNames` (only those: other tests share the
 * server); returns each one terminated, with the state it was in (`active` or `idle in
 * transaction`: a transaction cut off midway).
 */
export function terminateBackends(storeUrl: string, appNames: readonly string[]): Promise<Backend[]> {
  return withPostgres(storeUrl, async (client) => {
    const rows = await client.query<{ pid: number; application_name: string; state: string | null; terminated: boolean }>(
      `SELECT pid, application_name, state, pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = ANY($1::text[])`,
      [appNames],
    );
    return rows.rows.filter((row) => row.terminated).map((row) => ({ pid: row.pid, appName: row.application_name, state: row.state }));
  });
}
