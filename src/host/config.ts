/**
 * baton.config.{ts,mts,js,mjs,json}: the settings of the `baton` command, as users write them.
 * Reading a file and the BATON_* variables over it is load-config.ts; checking each key's kind
 * is config-checks.ts.
 */
import type { ActivityOptions } from "../definitions/activity.js";
import type { Duration } from "../definitions/duration.js";
import type { RetryPolicy } from "../definitions/retry-policy.js";

export interface BatonConfig {
  /** Store URL. Default "sqlite:./baton.db" (relative to the working directory). */
  store?: string;
  /** The module that exports the functions to host (named exports, or a default export array), relative to this file. */
  functions?: string;
  maxConcurrentActivities?: number;
  maxConcurrentOrchestrations?: number;
  leaseMs?: Duration;
  pollIntervalMs?: Duration;
  maxPayloadBytes?: number;
  maxCachedOrchestrations?: number;
  maxCachedOrchestrationBytes?: number;
  inlineActivities?: boolean;
  /** Orchestration code may not read the clock, randomness or timers (BatonOptions.determinismGuard; `baton dev --guard`). */
  determinismGuard?: boolean;
  /** Options of hosted activities by name, over their definitions' (e.g. `{ SendEmail: { concurrency: 5 } }`). */
  activities?: Record<string, ActivityOptions>;
  /** The retry policy of activities whose definition sets none. */
  defaultActivityRetry?: RetryPolicy;
  http?: HttpConfig;
}

export interface HttpConfig {
  /** Default 127.0.0.1; any other address needs `token`. */
  host?: string;
  /** Default 7071. */
  port?: number;
  /** The bearer token clients must send. Prefer BATON_HTTP_TOKEN to keep it out of files. */
  token?: string;
  /** Require the token on 127.0.0.1 too. */
  requireToken?: boolean;
  /** Largest request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Refuse every route that changes something (403 READ_ONLY): a dashboard to look, not touch. */
  readOnly?: boolean;
}

/** Gives a baton.config.ts its types: `export default defineConfig({ ... })`. */
export function defineConfig(config: BatonConfig): BatonConfig {
  return config;
}
