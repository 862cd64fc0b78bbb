import { describe, expect, it } from "vitest";
import { approvalWorkflow, functions, outbox, type ApprovalRequest } from "../../examples/human-approval/functions.js";
import { waitUntil } from "../helpers/wait.js";
import { historyOf, startBaton } from "./kit.js";

const request = (timeoutMs: number): ApprovalRequest => ({ subject: "Purchase order #42", approver: "ana", timeoutMs });
const sent = (instanceId: string, kind: "request" | "escalation") =>
  outbox.filter((m) => m.instanceId === instanceId && m.kind === kind).length;

describe("example: human approval", () => {
  it("is approved by an event raised while it waits", async () => {
    const baton = await startBaton(functions);
    const id = await baton.client.startNew(approvalWorkflow, { input: request(60_000) });
    const waiting = await waitUntil(async () => {
      const status = await baton.client.getStatus(id, { showHistory: true });
      return status?.customStatus === "waiting for approval" ? status : undefined;
    }, "the workflow to wait for the answer");
    expect(waiting.runtimeStatus).toBe("Running");
    expect(waiting.history!.some((e) => e.type === "TimerCreated")).toBe(true);
    expect(waiting.history!.some((e) => e.type === "EventRaised")).toBe(false);

    await baton.client.raiseEvent(id, "Approval", { approved: true });
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });

    expect(done.output).toBe("approved");
    expect(sent(id, "request")).toBe(1);
    expect(sent(id, "escalation")).toBe(0);
  });

  it("is rejected when the answer says so", async () => {
    const baton = await startBaton(functions);
    const id = await baton.client.startNew(approvalWorkflow, { input: request(60_000) });
    await baton.client.raiseEvent(id, "Approval", { approved: false });
    expect((await baton.client.waitForCompletion(id, { timeout: "20s" })).output).toBe("rejected");
  });

  it("escalates exactly once when no answer comes before the timeout", async () => {
    const baton = await startBaton(functions);
    const id = await baton.client.startNew(approvalWorkflow, { input: request(200) });
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });

    expect(done.output).toBe("escalated");
    expect(sent(id, "escalation")).toBe(1);
    const history = await historyOf(baton, id);
    expect(history.filter((e) => e.type === "TimerFired")).toHaveLength(1);
    expect(history.filter((e) => e.type === "TaskScheduled").map((e) => e.name)).toEqual(["RequestApproval", "Escalate"]);
  });

  it("keeps an answer raised before the workflow reaches its wait", async () => {
    // The worker starts only after the answer is in, so the answer is there before the wait.
    const baton = await startBaton(functions, { start: false });
    const id = await baton.client.startNew(approvalWorkflow, { input: request(5_000) });
    await baton.client.raiseEvent(id, "Approval", { approved: true });
    await baton.start();
    const done = await baton.client.waitForCompletion(id, { timeout: "20s" });

    expect(done.output).toBe("approved");
    expect(sent(id, "escalation")).toBe(0);
    // The event reached the history before RequestApproval's result, i.e. before the wait began.
    const history = await historyOf(baton, id);
    const raisedAt = history.findIndex((e) => e.type === "EventRaised");
    const requestDoneAt = history.findIndex((e) => e.type === "TaskCompleted");
    expect(raisedAt).toBeGreaterThanOrEqual(0);
    expect(raisedAt).toBeLessThan(requestDoneAt);
  });
});
