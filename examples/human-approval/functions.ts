/**
 * Human interaction: ask someone for approval, then wait for their answer — an external
 * event named "Approval" — for as long as the timeout says. The wait is durable: the
 * process may restart while it waits, and an answer raised before the orchestration
 * reaches its wait is buffered, not lost. No answer in time: escalate.
 */
import { activity, orchestration, TimeoutError } from "../../src/index.js";

export interface ApprovalRequest {
  /** What needs approving, e.g. "Purchase order #42". */
  subject: string;
  /** Who is asked. */
  approver: string;
  /** How long to wait for the answer. Default: three days. */
  timeoutMs?: number;
}

/** The data of the "Approval" event. */
export interface ApprovalAnswer {
  approved: boolean;
}

export type ApprovalOutcome = "approved" | "rejected" | "escalated";

/** Stands in for e-mail: what the activities "sent". main.ts prints it; the tests read it. */
export const outbox: { instanceId: string; kind: "request" | "escalation"; to: string; text: string }[] = [];

export const requestApproval = activity("RequestApproval", async (request: ApprovalRequest, actx) => {
  const text = `Please approve "${request.subject}" (instance ${actx.instanceId}).`;
  outbox.push({ instanceId: actx.instanceId, kind: "request", to: request.approver, text });
  actx.log.info(`asked ${request.approver} to approve "${request.subject}"`);
});

export const escalate = activity("Escalate", async (request: ApprovalRequest, actx) => {
  const text = `${request.approver} did not answer about "${request.subject}" in time.`;
  outbox.push({ instanceId: actx.instanceId, kind: "escalation", to: "manager", text });
  actx.log.info(`escalated "${request.subject}" to a manager`);
});

export const DEFAULT_APPROVAL_TIMEOUT_MS = 3 * 24 * 60 * 60 * 1000;

export const approvalWorkflow = orchestration(
  "ApprovalWorkflow",
  async (ctx, request: ApprovalRequest): Promise<ApprovalOutcome> => {
    await ctx.callActivity(requestApproval, request);
    // Visible in getStatus: lets a client (or a dashboard) see what the instance waits for.
    ctx.setCustomStatus("waiting for approval");
    try {
      const timeout = request.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
      const answer = await ctx.waitForExternalEvent<ApprovalAnswer>("Approval", { timeout });
      return answer.approved ? "approved" : "rejected";
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      // The durable timer fired first: nobody answered in time.
      await ctx.callActivity(escalate, request);
      return "escalated";
    }
  },
);

export const functions = [requestApproval, escalate, approvalWorkflow];
