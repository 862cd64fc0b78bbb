/**
 * The instances a chaos run starts: a fixed mix of every orchestration shape, numbered, with
 * inputs and start times drawn from the run's seed. Some are designated for client calls that
 * race the faults: events to raise (ChaosEvents needs them to finish), a suspension followed
 * by a resumption, and a termination (ChaosHold only ends that way).
 */
import type { Random } from "./random.js";

export type Role = "plain" | "events" | "suspend" | "terminate";

export interface PlannedInstance {
  instanceId: string;
  name: string;
  input: unknown;
  role: Role;
  /** When the driver starts it, in ms after the run began. */
  startAfterMs: number;
  /** ChaosEvents: how many events it waits for. */
  events?: number;
}

/** One round of the mix: 20 instances. */
const MIX = [
  "chain", "chain", "chain", "chain", "chain",
  "fan", "fan", "fan",
  "timer", "timer", "timer",
  "events", "events",
  "parent", "parent",
  "loop", "loop",
  "detached", "detached",
  "hold",
] as const;

/** `count` instances started over the first `spreadMs` of the run. */
export function planWorkload(count: number, spreadMs: number, random: Random): PlannedInstance[] {
  const planned: PlannedInstance[] = [];
  for (let i = 0; i < count; i++) {
    const kind = MIX[i % MIX.length]!;
    const n = i * 1000;
    const base = { instanceId: `${kind}-${i}`, startAfterMs: Math.round(random.between(0, spreadMs)) };
    planned.push({ ...base, ...shape(kind, n, i, random) });
  }
  return planned.sort((a, b) => a.startAfterMs - b.startAfterMs);
}

function shape(kind: (typeof MIX)[number], n: number, i: number, random: Random): Omit<PlannedInstance, "instanceId" | "startAfterMs"> {
  switch (kind) {
    case "chain":
      // One chain in five is suspended and resumed while it runs.
      return { name: "ChaosChain", input: { n, length: random.int(3, 6), workMs: random.pick([2, 5, 20, 150, 400]) }, role: i % 20 === 0 ? "suspend" : "plain" };
    case "fan":
      return { name: "ChaosFanOut", input: { n, width: random.int(4, 12), workMs: random.pick([2, 10, 60, 250]) }, role: "plain" };
    case "timer":
      return { name: "ChaosTimer", input: { n, sleepMs: random.int(500, 1500) }, role: "plain" };
    case "events": {
      const events = random.int(2, 3);
      return { name: "ChaosEvents", input: { n, events }, role: "events", events };
    }
    case "parent":
      return { name: "ChaosParent", input: { n }, role: "plain" };
    case "loop":
      return { name: "ChaosLoop", input: { n, remaining: random.int(2, 4) }, role: "plain" };
    case "detached":
      // Half of them end in the episode that starts the child.
      return { name: "ChaosDetached", input: { n, endAtOnce: i % MIX.length === MIX.indexOf("detached") }, role: "plain" };
    case "hold":
      return { name: "ChaosHold", input: { n, child: true }, role: "terminate" };
  }
}
