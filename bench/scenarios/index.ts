/** Every scenario, in the order the runner runs them. */
import type { Scenario } from "../scenario.js";
import { w1 } from "./w1-chains.js";
import { w2 } from "./w2-fan-out.js";
import { w3 } from "./w3-latency.js";
import { w4 } from "./w4-long-chain.js";
import { w5 } from "./w5-waiting.js";
import { w6 } from "./w6-timers.js";
import { w7 } from "./w7-large-store.js";

export const SCENARIOS: readonly Scenario[] = [w1, w2, w3, w4, w5, w6, w7];

export function findScenario(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id.toLowerCase() === id.toLowerCase());
}
