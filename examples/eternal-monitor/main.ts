/**
 * Runs the eternal-monitor example:  npx tsx examples/eternal-monitor/main.ts
 * Watches a pretend endpoint every 200 ms, takes it down and brings it back, then stops the
 * monitor with a "Stop" event and shows that the history held only the last generation.
 * The store is a new temporary SQLite file, or the URL in BATON_STORE.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { createBaton, type BatonClient } from "../../src/index.js";
import { alertLog, endpoints, eternalMonitor, functions, type MonitorProgress } from "./functions.js";

const scratch = process.env.BATON_STORE ? undefined : mkdtempSync(join(tmpdir(), "baton-monitor-"));
const store = process.env.BATON_STORE ?? `sqlite:${join(scratch!, "baton.db")}`;
const target = "api.example.com";

/** Polls the custom status, as a dashboard would, printing each new check, until `checks` is reached. */
let shown = 0;
async function untilChecks(client: BatonClient, id: string, checks: number): Promise<void> {
  for (;;) {
    const progress = (await client.getStatus(id))?.customStatus as MonitorProgress | undefined;
    if (progress && progress.checks > shown) {
      shown = progress.checks;
      console.log(`  check #${progress.checks}: ${progress.lastStatus} (alerts so far: ${progress.alerts})`);
    }
    if (progress && progress.checks >= checks) return;
    await delay(20);
  }
}

const baton = await createBaton({ store, functions });
await baton.start();
const { client } = baton;
try {
  endpoints.set(target, "up");
  const id = await client.startNew(eternalMonitor, {
    instanceId: `monitor-${Date.now().toString(36)}`,
    input: { target, intervalMs: 200 },
  });
  console.log(`started EternalMonitor as ${id}, watching ${target} every 200 ms`);
  await untilChecks(client, id, 3);

  console.log(`${target} goes down`);
  endpoints.set(target, "down");
  await untilChecks(client, id, shown + 3); // down three times in a row: one alert

  console.log(`${target} is back`);
  endpoints.set(target, "up");
  await untilChecks(client, id, shown + 2);

  console.log("raising Stop");
  await client.raiseEvent(id, "Stop");
  const done = await client.waitForCompletion(id, { timeout: "30s" });
  console.log(`EternalMonitor ${done.runtimeStatus}: ${JSON.stringify(done.output)}`);

  console.log("alerts sent:");
  for (const alert of alertLog) console.log(`  ${alert.text}`);

  // Only the last generation's history is kept, however many checks came before it.
  const history = (await client.getStatus(id, { showHistory: true }))?.history ?? [];
  console.log(`history of the last generation: ${history.length} events (${history.map((e) => e.type).join(", ")})`);
} finally {
  await baton.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
