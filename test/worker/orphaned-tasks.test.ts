/**
 * A task leased to a worker that died, of an instance that ended meanwhile, is never claimed
 * again: running workers delete it once its lease has expired (when they start, every so often,
 * and when they stop), so nothing is left queued for ever.
 */
import { afterEach, describe, expect, it } from "vitest";
import { activity, createBaton, orchestration, type Baton } from "../../src/index.js";
import { silentLogger } from "../../src/definitions/logger.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { ACT, activityClaim, finish, ORCH, scheduleTask, startRunning } from "../store/conformance/ops.js";
import { tableRows } from "../helpers/store-snapshot.js";
import { tempStoreUrl } from "../helpers/temp-store.js";
import { waitUntil } from "../helpers/wait.js";

const batons: Baton[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const baton of batons.splice(0)) await baton.stop();
  for (const store of stores.splice(0)) await store.close();
});

describe("tasks left leased on ended instances", () => {
  it("are deleted by a running worker once their lease has expired", async () => {
    const url = tempStoreUrl();
    const store = await openStore(url);
    stores.push(store);
    // An instance with two tasks, leased by a worker that then dies (leases of 1 ms), and ended by a termination.
    const now = Date.now();
    await startRunning(store, "ended", now, { commands: [scheduleTask(0), scheduleTask(1)] });
    const { activities } = await store.claim(activityClaim("dead-worker", now, { leaseMs: 1 }));
    expect(activities).toHaveLength(2);
    await finish(store, "ended", now, { runtimeStatus: "Terminated", output: '"stop"' });
    expect(await tableRows(url, "activity_tasks")).toHaveLength(2);

    const baton = await createBaton({
      store: url,
      functions: [activity(ACT, async () => 1), orchestration(ORCH, async () => 1)],
      logger: silentLogger,
    });
    batons.push(baton);
    await baton.start();
    await waitUntil(async () => ((await tableRows(url, "activity_tasks")).length === 0 ? true : undefined), "the worker to delete the orphaned tasks");
    expect(await store.getInstance("ended")).toMatchObject({ runtimeStatus: "Terminated" });
  });
});
