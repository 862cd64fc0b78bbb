/**
 * Named places in the commit path where a crash test can kill this process for real.
 * Armed through the environment, so a test arms a child worker without touching its code:
 *   BATON_FAULT_POINT=after-commit:3   SIGKILL self on the 3rd time "after-commit" is reached.
 * Unarmed, a fault point costs one comparison.
 */
export type FaultPointName = "before-commit" | "after-commit" | "activity-after-run-before-complete";

const armed = parse(process.env.BATON_FAULT_POINT);
let hits = 0;

function parse(spec: string | undefined): { name: string; at: number } | undefined {
  if (!spec) return undefined;
  const [name, at] = spec.split(":");
  return { name: name!, at: Number(at ?? 1) || 1 };
}

export function faultPoint(name: FaultPointName): void {
  if (armed === undefined || armed.name !== name) return;
  hits++;
  if (hits >= armed.at) process.kill(process.pid, "SIGKILL");
}
