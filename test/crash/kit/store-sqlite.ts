/**
 * Read-only looks at a SQLite store file from the test process (see store-inspection.ts for
 * what each one is for; the functions there dispatch on the store URL).
 */
import Database from "better-sqlite3";
import type { CommittedState } from "./store-inspection.js";

export function sqlitePath(storeUrl: string): string {
  return storeUrl.slice("sqlite:".length).split("?")[0]!;
}

/** Read-only look at the store file, for what a test must see as committed at a given moment. */
export function withStoreFile<T>(storeUrl: string, read: (db: Database.Database) => T): T {
  const db = new Database(sqlitePath(storeUrl), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export function sqliteStoreProblems(storeUrl: string): string[] {
  return withStoreFile(storeUrl, (db) => {
    const problems: string[] = [];
    const instances = db.prepare("SELECT instance_id, history_length FROM instances").all() as { instance_id: string; history_length: number }[];
    for (const { instance_id, history_length } of instances) {
      const segments = db
        .prepare("SELECT first_position, json_array_length(events) AS n FROM history_segments WHERE instance_id = ? ORDER BY first_position")
        .all(instance_id) as { first_position: number; n: number }[];
      const positions = segments.flatMap((segment) => Array.from({ length: segment.n }, (_, i) => segment.first_position + i));
      const gapless = positions.every((p, i) => p === i);
      if (positions.length !== history_length || !gapless) {
        problems.push(`${instance_id}: history_length ${history_length}, positions ${positions.join(",")}`);
      }
    }
    return problems;
  });
}

export function sqliteReadCommitted(storeUrl: string): CommittedState {
  return withStoreFile(storeUrl, (db) => {
    const histories = new Map<string, string[]>();
    const executions = new Map<string, string>();
    for (const row of db.prepare("SELECT instance_id, execution_id FROM instances").all() as { instance_id: string; execution_id: string }[]) {
      executions.set(row.instance_id, row.execution_id);
      histories.set(row.instance_id, []);
    }
    const completedKeys = new Set<string>();
    const completion = (instanceId: string, text: string): void => {
      const event = JSON.parse(text) as { type: string; seq?: number };
      if (event.type === "TaskCompleted") completedKeys.add(`${instanceId}:${executions.get(instanceId)}:${event.seq}`);
    };
    const events = db.prepare(
      `SELECT s.instance_id, e.value AS event FROM history_segments s, json_each(s.events) e
       ORDER BY s.instance_id, s.first_position, e.key`,
    );
    for (const row of events.all() as { instance_id: string; event: string }[]) {
      histories.get(row.instance_id)!.push(row.event);
      completion(row.instance_id, row.event);
    }
    for (const row of db.prepare("SELECT instance_id, message FROM inbox").all() as { instance_id: string; message: string }[]) {
      completion(row.instance_id, row.message);
    }
    return { histories, completedKeys };
  });
}

export function sqliteHeldLeases(storeUrl: string, now: number): { instances: number; tasks: number } {
  return withStoreFile(storeUrl, (db) => ({
    instances: (db.prepare("SELECT count(*) AS n FROM instances WHERE lease_expires_at > ?").get(now) as { n: number }).n,
    tasks: (db.prepare("SELECT count(*) AS n FROM activity_tasks WHERE lease_expires_at > ?").get(now) as { n: number }).n,
  }));
}

export function sqliteLeftoverWork(storeUrl: string): { tasks: number; messages: number } {
  return withStoreFile(storeUrl, (db) => ({
    tasks: (db.prepare("SELECT count(*) AS n FROM activity_tasks").get() as { n: number }).n,
    messages: (db.prepare("SELECT count(*) AS n FROM inbox").get() as { n: number }).n,
  }));
}
