/**
 * Human interaction: ask for approval, then wait for an "Approval" event — durably, for as
 * long as the timeout says, across restarts. No answer in time: escalate.
 */
import { activity, orchestration, TimeoutError } from "../../src/index.js";

export interface ApprovalRequest {
  requester: string;
  amount: number;
  /** How long to wait for an answer; in real use hours or days, e.g. "3d". */
  timeout: number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;
}

export const requestApproval = activity("RequestApproval", async (request: ApprovalRequest, ctx) => {
  ctx.log.info(`approval requested by ${request.requester} for ${request.amount}`);
});

export const escalate = activity("Escalate", async (request: ApprovalRequest, ctx) => {
  ctx.log.info(`no answer for ${request.requester}: escalated to a manager`);
});

export const approvalWorkflow = orchestration("ApprovalWorkflow", async (ctx, request: ApprovalRequest) => {
  await ctx.callActivity(requestApproval, request);
  try {
    const answer = await ctx.waitForExternalEvent<{ approved: boolean }>("Approval", { timeout: request.timeout });
    return answer.approved ? "approved" : "rejected";
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    await ctx.callActivity(escalate, request);
    return "escalated";
  }
});

export const functions = [requestApproval, escalate, approvalWorkflow];
