/**
 * The instance checks after a chaos run, through the client: every planned instance, and every
 * child its history schedules (recursively) or its shape implies (the child a ChaosDetached
 * starts without awaiting it), reached the exact status and output its input implies, with a
 * history that is one clean run (expectations.ts); and no other instance exists in the store
 * (a duplicated execution creates children under new generated ids).
 */
import type { BatonClient, HistoryEntry, InstanceStatus } from "../../src/index.js";
import { expectedRun, historyExcerpt, historyProblems, type Expected } from "./expectations.js";
import type { PlannedInstance } from "./workload.js";

export interface Violation {
  invariant: string;
  instanceId?: string;
  detail: string;
  excerpt?: string[];
}

export interface CheckedInstance {
  instanceId: string;
  name: string;
  parent?: string;
  expected: Expected;
  status: InstanceStatus | null;
}

export interface InstanceFindings {
  checked: CheckedInstance[];
  /** Histories of every instance found, for the side-log checks. */
  histories: Map<string, HistoryEntry[]>;
  violations: Violation[];
}

interface Pending {
  instanceId: string;
  name: string;
  input: unknown;
  parent?: string;
}

/** Children a shape implies whether or not its history records them. */
function impliedChildren(plan: PlannedInstance): Pending[] {
  if (plan.name !== "ChaosDetached") return [];
  const { n } = plan.input as { n: number };
  return [{ instanceId: `${plan.instanceId}.d`, name: "ChaosChild", input: { n, depth: 2, explicitGrandchild: false }, parent: plan.instanceId }];
}

export async function checkInstances(client: BatonClient, planned: readonly PlannedInstance[], acknowledged: ReadonlySet<string>): Promise<InstanceFindings> {
  const findings: InstanceFindings = { checked: [], histories: new Map(), violations: [] };
  const queue: Pending[] = planned.filter((p) => acknowledged.has(p.instanceId)).flatMap((p) => [p, ...impliedChildren(p)]);
  const seen = new Set<string>();
  while (queue.length > 0) {
    const batch = queue.splice(0, 16).filter((p) => !seen.has(p.instanceId));
    for (const p of batch) seen.add(p.instanceId);
    const statuses = await Promise.all(batch.map((p) => client.getStatus(p.instanceId, { showHistory: true })));
    batch.forEach((pending, i) => {
      const status = statuses[i] ?? null;
      const expected = expectedRun(pending.name, pending.input);
      findings.checked.push({ instanceId: pending.instanceId, name: pending.name, ...(pending.parent ? { parent: pending.parent } : {}), expected, status });
      checkOne(pending, expected, status, findings);
      for (const event of status?.history ?? []) {
        if (event.type !== "SubOrchestrationScheduled") continue;
        queue.push({ instanceId: event.instanceId as string, name: event.name as string, input: event.input, parent: pending.instanceId });
      }
    });
  }
  for (const orphan of await unreached(client, seen)) {
    const history = (await client.getStatus(orphan.instanceId, { showHistory: true }))?.history ?? [];
    findings.histories.set(orphan.instanceId, history);
    findings.violations.push({
      invariant: "no instance but those the workload and its histories create",
      instanceId: orphan.instanceId,
      detail: `${orphan.name}, ${orphan.runtimeStatus}: no planned instance and no history schedules it`,
      excerpt: historyExcerpt(history),
    });
  }
  return findings;
}

function checkOne(pending: Pending, expected: Expected, status: InstanceStatus | null, findings: InstanceFindings): void {
  const what = pending.parent ? `child of ${pending.parent}` : "instance";
  if (status === null) {
    findings.violations.push({ invariant: "every acknowledged instance and child exists", instanceId: pending.instanceId, detail: `${what} ${pending.name} was never created` });
    return;
  }
  const history = status.history ?? [];
  findings.histories.set(pending.instanceId, history);
  if (status.runtimeStatus !== expected.status) {
    const why = status.failureDetails ?? status.stalled;
    findings.violations.push({
      invariant: "every instance reaches its expected status",
      instanceId: pending.instanceId,
      detail: `${what} ${pending.name} is ${status.runtimeStatus}, expected ${expected.status}${why ? ` (${JSON.stringify(why)})` : ""}`,
      excerpt: historyExcerpt(history),
    });
    return;
  }
  const problems = historyProblems(history, expected, status.output);
  if (problems.length > 0) {
    findings.violations.push({
      invariant: "one clean run per execution, with the expected output",
      instanceId: pending.instanceId,
      detail: `${what} ${pending.name}: ${problems.join("; ")}`,
      excerpt: historyExcerpt(history),
    });
  }
}

/** Instances in the store that the walk from the planned ones did not reach. */
async function unreached(client: BatonClient, reached: ReadonlySet<string>): Promise<InstanceStatus[]> {
  const found: InstanceStatus[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await client.list({ pageSize: 1000, ...(continuationToken ? { continuationToken } : {}) });
    found.push(...page.instances.filter((s) => !reached.has(s.instanceId)));
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return found;
}
