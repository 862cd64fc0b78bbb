/**
 * Eternal monitor: check an endpoint on a durable timer, forever, with a bounded history.
 * A loop inside one execution would grow its history by a few events per check, without
 * end. Instead each generation checks once, sleeps, and calls `ctx.continueAsNew` with what
 * the next one needs to know (the count, the last status): the instance keeps its id and
 * starts over with an empty history. A "Stop" event ends it; so may `maxChecks`.
 */
import { activity, orchestration } from "../../src/index.js";

export type EndpointStatus = "up" | "down";

/**
 * Stands in for the endpoints being watched: the status CheckEndpoint reads, by target.
 * main.ts and the tests flip it. A target nobody set up does not answer: "down".
 */
export const endpoints = new Map<string, EndpointStatus>();

/** Every check and every alert, in order: main.ts prints them, the tests read them. */
export const checkLog: { instanceId: string; target: string; status: EndpointStatus; idempotencyKey: string }[] = [];
export const alertLog: { instanceId: string; target: string; check: number; text: string }[] = [];

/** Reads the target's status, as a health check over HTTP would. */
export const checkEndpoint = activity("CheckEndpoint", async (target: string, actx) => {
  const status = endpoints.get(target) ?? "down";
  checkLog.push({ instanceId: actx.instanceId, target, status, idempotencyKey: actx.idempotencyKey });
  return status;
});

export interface AlertRequest {
  target: string;
  /** Which check found it down, counting from 1. */
  check: number;
}

/** Tells someone the target went down (a page, a chat message...). */
export const sendAlert = activity("Alert", async ({ target, check }: AlertRequest, actx) => {
  const text = `${target} is down (check #${check})`;
  alertLog.push({ instanceId: actx.instanceId, target, check, text });
  actx.log.warn(text);
});

export interface MonitorInput {
  /** What to watch: a key of `endpoints`. */
  target: string;
  /** Time between two checks. */
  intervalMs: number;
  /** Stop by itself after this many checks. Default: never. */
  maxChecks?: number;
  // Carried from one generation to the next; leave them out to start.
  checks?: number;
  alerts?: number;
  lastStatus?: EndpointStatus;
}

/** What setCustomStatus shows while it runs. */
export interface MonitorProgress {
  target: string;
  checks: number;
  alerts: number;
  lastStatus: EndpointStatus;
  lastCheckedAt: string;
}

export interface MonitorSummary {
  target: string;
  checks: number;
  alerts: number;
  lastStatus: EndpointStatus;
  stoppedBy: "Stop" | "maxChecks";
}

/**
 * One generation: check, alert if the target just went down, show the progress, then wait
 * for the interval (or a Stop) and start over. The output is the summary; the `undefined`
 * returned after continueAsNew is never an output, as the instance does not end there.
 */
export const eternalMonitor = orchestration(
  "EternalMonitor",
  async (ctx, input: MonitorInput): Promise<MonitorSummary | undefined> => {
    const { target, intervalMs, maxChecks } = input;
    const status = await ctx.callActivity(checkEndpoint, target);
    const checks = (input.checks ?? 0) + 1;
    let alerts = input.alerts ?? 0;
    // Only on the transition: a target that stays down is not reported at every check.
    if (status === "down" && input.lastStatus !== "down") {
      await ctx.callActivity(sendAlert, { target, check: checks });
      alerts++;
    }
    const progress: MonitorProgress = { target, checks, alerts, lastStatus: status, lastCheckedAt: ctx.currentUtcDateTime.toISOString() };
    ctx.setCustomStatus(progress);

    const summary = { target, checks, alerts, lastStatus: status };
    if (maxChecks !== undefined && checks >= maxChecks) return { ...summary, stoppedBy: "maxChecks" };

    // A Stop interrupts the wait; one raised while this generation was checking is already here.
    const timer = ctx.sleep(intervalMs);
    const woken = await ctx.any([ctx.waitForExternalEvent("Stop"), timer]);
    if (woken.index === 0) {
      timer.cancel();
      return { ...summary, stoppedBy: "Stop" };
    }
    // Same config, the new counts. A Stop raised from now on is carried into the next generation.
    ctx.continueAsNew({ ...input, checks, alerts, lastStatus: status } satisfies MonitorInput);
    return undefined;
  },
);

export const functions = [checkEndpoint, sendAlert, eternalMonitor];
