/**
 * Human approval, tested with batonjs/testing: an answer raised by the test, and the real
 * three-day timeout, which the virtual clock skips when nobody answers.
 */
import { beforeEach, expect, it } from "vitest";
import { createTestEnvironment } from "../../../src/testing/index.js";
import {
  approvalWorkflow,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  escalate,
  functions,
  outbox,
  type ApprovalRequest,
} from "../../../examples/human-approval/functions.js";

const request: ApprovalRequest = { subject: "Purchase order #42", approver: "ada@example.com" };

beforeEach(() => {
  outbox.length = 0; // the example's stand-in for e-mail lives in the module
});

it("is approved when the approver answers in time", async () => {
  const env = await createTestEnvironment({ functions });
  try {
    const id = await env.client.startNew(approvalWorkflow, { input: request });
    // Let the request go out and the wait begin; waiting for completion first would skip
    // the clock straight to the timeout.
    await env.advanceTime(0);
    expect((await env.client.getStatus(id))?.customStatus).toBe("waiting for approval");
    await env.client.raiseEvent(id, "Approval", { approved: true });
    const done = await env.client.waitForCompletion(id);
    expect(done.output).toBe("approved");
    expect(outbox.map((mail) => mail.kind)).toEqual(["request"]);
    expect(env.activityCalls(escalate)).toEqual([]);
  } finally {
    await env.close();
  }
});

it("escalates after three days without an answer", async () => {
  const env = await createTestEnvironment({ functions });
  try {
    const started = env.now();
    const id = await env.client.startNew(approvalWorkflow, { input: request });
    const done = await env.client.waitForCompletion(id); // the three days pass at once
    expect(done.output).toBe("escalated");
    expect(outbox.map((mail) => [mail.kind, mail.to])).toEqual([["request", "ada@example.com"], ["escalation", "manager"]]);

    // The history keeps the virtual time: the timer fired three days after the start.
    const fired = (await env.history(id)).find((entry) => entry.type === "TimerFired");
    expect(fired!.timestamp.getTime() - started).toBeGreaterThanOrEqual(DEFAULT_APPROVAL_TIMEOUT_MS);
    expect(env.now() - started).toBeGreaterThanOrEqual(DEFAULT_APPROVAL_TIMEOUT_MS);
  } finally {
    await env.close();
  }
});

it("retries the request e-mail when sending fails once", async () => {
  const env = await createTestEnvironment({ functions, defaultActivityRetry: { maxAttempts: 2, firstRetryInterval: "5m" } });
  try {
    env.failActivity("RequestApproval", { error: new Error("mail server down") });
    const id = await env.client.startNew(approvalWorkflow, { input: request });
    await env.advanceTime("5m"); // past the backoff: the second attempt sends it
    expect(env.activityCalls("RequestApproval").map((call) => call.outcome.status)).toEqual(["failed", "completed"]);
    await env.client.raiseEvent(id, "Approval", { approved: false });
    expect((await env.client.waitForCompletion(id)).output).toBe("rejected");
  } finally {
    await env.close();
  }
});
