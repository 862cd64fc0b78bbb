/**
 * Read-only looks at a store from the test process, for either store, by its URL
 * (`sqlite:...` or `postgres://...?schema=...`): its structure, what is committed at a given
 * moment (to check later that nothing committed was redone), leases still held, and work left
 * queued. Each check reads the tables directly, not through Baton.
 */
import type { LogEntry } from "./activity-log.js";
import { postgresHeldLeases, postgresLeftoverWork, postgresReadCommitted, postgresStoreProblems } from "./store-postgres.js";
import { sqliteHeldLeases, sqliteLeftoverWork, sqliteReadCommitted, sqliteStoreProblems } from "./store-sqlite.js";

export type StoreKind = "sqlite" | "postgres";

export function storeKind(storeUrl: string): StoreKind {
  if (storeUrl.startsWith("sqlite:")) return "sqlite";
  if (storeUrl.startsWith("postgres://") || storeUrl.startsWith("postgresql://")) return "postgres";
  throw new Error(`not a store URL the crash kit knows: ${storeUrl}`);
}

/** Problems with the store's structure; [] when every history is gapless and matches history_length. */
export async function storeProblems(storeUrl: string): Promise<string[]> {
  return storeKind(storeUrl) === "sqlite" ? sqliteStoreProblems(storeUrl) : postgresStoreProblems(storeUrl);
}

/** The committed state that must survive a crash: histories, and the calls whose result is committed. */
export interface CommittedState {
  /** Each instance's history, one JSON text per event, in order. */
  histories: Map<string, string[]>;
  /** Idempotency keys of calls whose TaskCompleted is in a history or waiting in an inbox. */
  completedKeys: Set<string>;
}

/** What is committed now (with PostgreSQL, one snapshot across the tables). */
export async function readCommitted(storeUrl: string): Promise<CommittedState> {
  return storeKind(storeUrl) === "sqlite" ? sqliteReadCommitted(storeUrl) : postgresReadCommitted(storeUrl);
}

/**
 * Problems if anything committed at `before` was rewritten or redone by `after` (a later
 * snapshot) and the log since. With several workers running, read `before` first and the
 * log's length after it: a line written before the snapshot may start a call whose
 * completion committed since.
 */
export function redoneProblems(before: CommittedState, after: CommittedState, logSince: readonly LogEntry[]): string[] {
  const problems: string[] = [];
  for (const [instanceId, events] of before.histories) {
    const later = after.histories.get(instanceId) ?? [];
    const prefix = later.slice(0, events.length);
    if (JSON.stringify(prefix) !== JSON.stringify(events)) problems.push(`${instanceId}: committed history was rewritten`);
  }
  for (const entry of logSince) {
    if (entry.kind === "start" && before.completedKeys.has(entry.key)) {
      problems.push(`${entry.key}: ran again although its completion was committed (line ${entry.line})`);
    }
  }
  return problems;
}

/** Leases still held on instances and activity tasks at `now` (a stopped worker should hold none). */
export async function heldLeases(storeUrl: string, now = Date.now()): Promise<{ instances: number; tasks: number }> {
  return storeKind(storeUrl) === "sqlite" ? sqliteHeldLeases(storeUrl, now) : postgresHeldLeases(storeUrl, now);
}

/** Queued work left in the store. Once every instance has completed (and none awaits an unfinished call), none is expected. */
export async function leftoverWork(storeUrl: string): Promise<{ tasks: number; messages: number }> {
  return storeKind(storeUrl) === "sqlite" ? sqliteLeftoverWork(storeUrl) : postgresLeftoverWork(storeUrl);
}
