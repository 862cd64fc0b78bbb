/** What `baton dev --watch`'s supervisor (watch.ts) and its worker processes (watch-child.ts) tell each other. */
import type { MetricFamily } from "../observability/prometheus-text.js";
import type { FunctionPrint } from "./fingerprint.js";
import type { ServeFlags } from "./serve-config.js";

export interface ChildArgs {
  cwd: string;
  flags: ServeFlags;
  module: string | undefined;
  /** The supervisor's store: the one its API serves, whatever the config says now. */
  store: string;
  stopTimeoutMs: number;
}

export type ChildMessage =
  | { type: "loaded"; functions: FunctionPrint[]; settings: string }
  | { type: "failed"; message: string }
  | { type: "started" }
  | { type: "unhosted"; kind: "activity" | "orchestration"; name: string }
  /** The answer to a "metrics" request with the same id: what the worker recorded. */
  | { type: "metrics"; id: number; families: MetricFamily[] };

/** "metrics": GET /api/metrics of the supervisor's API asks for the worker's figures. */
export type SupervisorMessage = { type: "start" } | { type: "stop" } | { type: "metrics"; id: number };

/** What must be the same as the supervisor's for this process to serve its API: the store and http settings. */
export function settingsOf(config: { store?: string | undefined; http?: unknown }): string {
  return JSON.stringify({ store: config.store, http: config.http });
}
