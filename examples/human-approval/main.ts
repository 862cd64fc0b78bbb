// Run: npx tsx examples/human-approval/main.ts
import { createBaton } from "../../src/index.js";
import { approvalWorkflow, functions } from "./functions.js";

const baton = await createBaton({ store: process.env.BATON_STORE ?? "sqlite:./baton.db", functions });
await baton.start();

// Someone answers in time.
const approved = await baton.client.startNew(approvalWorkflow, { input: { requester: "ana", amount: 120, timeout: "1m" } });
await baton.client.raiseEvent(approved, "Approval", { approved: true });
console.log(`ApprovalWorkflow ${approved} (answered):`, (await baton.client.waitForCompletion(approved)).output);

// Nobody answers: escalated when the durable timer fires.
const ignored = await baton.client.startNew(approvalWorkflow, { input: { requester: "ben", amount: 9000, timeout: "500ms" } });
console.log(`ApprovalWorkflow ${ignored} (no answer):`, (await baton.client.waitForCompletion(ignored)).output);
await baton.stop();
