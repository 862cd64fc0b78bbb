/**
 * Runs the human-approval example:  npx tsx examples/human-approval/main.ts
 * One request is answered by "a person" (this script, through the client); another is
 * left unanswered and escalates when its timeout passes.
 * The store is ./baton.db, or the URL in BATON_STORE.
 */
import { setTimeout as delay } from "node:timers/promises";
import { createBaton, type BatonClient } from "../../src/index.js";
import { approvalWorkflow, functions, outbox } from "./functions.js";

/** Polls until the instance says it is waiting for an answer, as a UI would. */
async function untilWaiting(client: BatonClient, id: string): Promise<void> {
  while ((await client.getStatus(id))?.customStatus !== "waiting for approval") await delay(50);
}

const baton = await createBaton({ store: process.env.BATON_STORE ?? "sqlite:./baton.db", functions });
await baton.start();
const { client } = baton;
const run = Date.now().toString(36);
try {
  // Someone answers in time.
  const answered = await client.startNew(approvalWorkflow, {
    instanceId: `approval-${run}-answered`,
    input: { subject: "Purchase order #42", approver: "ana", timeoutMs: 60_000 },
  });
  await untilWaiting(client, answered);
  console.log(`${answered} is waiting; ana approves`);
  await client.raiseEvent(answered, "Approval", { approved: true });
  console.log(`${answered}: ${(await client.waitForCompletion(answered, { timeout: "30s" })).output}`);

  // Nobody answers: when the durable timer fires, the request is escalated.
  const ignored = await client.startNew(approvalWorkflow, {
    instanceId: `approval-${run}-ignored`,
    input: { subject: "Travel request #7", approver: "ben", timeoutMs: 500 },
  });
  console.log(`${ignored} started; ben will not answer within 500 ms`);
  console.log(`${ignored}: ${(await client.waitForCompletion(ignored, { timeout: "30s" })).output}`);

  console.log("outbox:");
  for (const message of outbox) console.log(`  to ${message.to}: ${message.text}`);
} finally {
  await baton.stop();
}
