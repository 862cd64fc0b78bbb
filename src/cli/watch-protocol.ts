/** What `baton dev --watch`'s supervisor (watch.ts) and its worker processes (watch-child.ts) tell each other. */
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
  | { type: "unhosted"; kind: "activity" | "orchestration"; name: string };

export type SupervisorMessage = { type: "start" } | { type: "stop" };

/** What must be the same as the supervisor's for this process to serve its API: the store and http settings. */
export function settingsOf(config: { store?: string | undefined; http?: unknown }): string {
  return JSON.stringify({ store: config.store, http: config.http });
}
