/**
 * Runs the function-chaining example:  npx tsx examples/function-chaining/main.ts
 * The store is ./baton.db, or the URL in BATON_STORE.
 */
import { createBaton } from "../../src/index.js";
import { functions, helloCities } from "./functions.js";

const baton = await createBaton({ store: process.env.BATON_STORE ?? "sqlite:./baton.db", functions });
await baton.start(); // the worker loops now run in this process
try {
  // A readable id that is new on every run; leave it out to get a random UUID.
  const id = await baton.client.startNew(helloCities, { instanceId: `hello-cities-${Date.now().toString(36)}` });
  console.log(`started HelloCities as ${id}`);

  const status = await baton.client.waitForCompletion(id, { timeout: "30s" });
  console.log(`HelloCities ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
} finally {
  await baton.stop(); // finishes or releases claimed work, then closes the store
}
