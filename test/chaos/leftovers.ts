/**
 * What a chaos run may leave in the store once every instance has finished and every worker
 * has stopped: nothing. No activity task (of a finished instance: it will never run), no inbox
 * message (due or future), no lease still held, and a self-consistent history table (the crash
 * kit's structure check). Read from the tables directly, not through Baton.
 */
import { heldLeases, storeKind, storeProblems } from "../crash/kit/store-inspection.js";
import { withPostgres } from "../crash/kit/store-postgres.js";
import { withStoreFile } from "../crash/kit/store-sqlite.js";

export interface Leftovers {
  /** One line per activity task left: instance, name, attempt, whether its lease is still held. */
  tasks: string[];
  /** One line per inbox message left: instance, type, due or in the future. */
  messages: string[];
  leases: { instances: number; tasks: number };
  structure: string[];
}

interface TaskRow { instance_id: string; name: string; attempt: number; lease_expires_at: number | string }
interface MessageRow { instance_id: string; message: string; visible_at: number | string }

export async function readLeftovers(storeUrl: string): Promise<Leftovers> {
  const now = Date.now();
  const { tasks, messages } = await readRows(storeUrl);
  return {
    tasks: tasks.map((t) => `${t.instance_id}: ${t.name} attempt ${t.attempt}${Number(t.lease_expires_at) > now ? " (leased)" : ""}`),
    messages: messages.map((m) => `${m.instance_id}: ${(JSON.parse(m.message) as { type: string }).type}${Number(m.visible_at) > now ? " (due later)" : ""}`),
    leases: await heldLeases(storeUrl, now),
    structure: await storeProblems(storeUrl),
  };
}

const TASKS = "SELECT instance_id, name, attempt, lease_expires_at FROM activity_tasks ORDER BY instance_id";
const MESSAGES = "SELECT instance_id, message, visible_at FROM inbox ORDER BY id";

async function readRows(storeUrl: string): Promise<{ tasks: TaskRow[]; messages: MessageRow[] }> {
  if (storeKind(storeUrl) === "sqlite") {
    return withStoreFile(storeUrl, (db) => ({ tasks: db.prepare(TASKS).all() as TaskRow[], messages: db.prepare(MESSAGES).all() as MessageRow[] }));
  }
  return withPostgres(storeUrl, async (client) => ({
    tasks: (await client.query<TaskRow>(TASKS)).rows,
    messages: (await client.query<MessageRow>(MESSAGES)).rows,
  }));
}

export function leftoverCount(leftovers: Leftovers): number {
  return leftovers.tasks.length + leftovers.messages.length + leftovers.leases.instances + leftovers.leases.tasks + leftovers.structure.length;
}
