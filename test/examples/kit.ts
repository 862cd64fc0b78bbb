/** Shared by the example tests: a started baton on a fresh temp SQLite file, stopped after each test. */
import { afterEach } from "vitest";
import { createBaton, type Baton, type FunctionDefinition, type HistoryEntry } from "../../src/index.js";
import { tempStoreUrl } from "../helpers/temp-store.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const started: Baton[] = [];

afterEach(async () => {
  for (const baton of started.splice(0)) await baton.stop();
});

export async function startBaton(
  functions: readonly FunctionDefinition[],
  { start = true, ...options }: { maxConcurrentActivities?: number; start?: boolean } = {},
): Promise<Baton> {
  const baton = await createBaton({ store: tempStoreUrl(), functions, logger: quiet, ...options });
  started.push(baton);
  if (start) await baton.start();
  return baton;
}

/** The history of an instance, which must exist. */
export async function historyOf(baton: Baton, instanceId: string): Promise<HistoryEntry[]> {
  const status = await baton.client.getStatus(instanceId, { showHistory: true });
  if (!status?.history) throw new Error(`no history for ${instanceId}`);
  return status.history;
}
