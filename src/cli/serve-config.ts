/**
 * The configuration `dev` and `start` run with: the config file with BATON_* over it, then the
 * flags over both. Read by the command, and again by each worker process of `dev --watch` (so
 * a change to the file applies at the next reload).
 */
import { loadConfig, type LoadedConfig } from "../host/load-config.js";

export interface ServeFlags {
  config?: string;
  store?: string;
  token?: string;
  port?: number;
  host?: string;
  /** `--read-only`: the HTTP API refuses every write, over the config's http.readOnly. */
  readOnly?: boolean;
  /** `dev --guard`: the determinism guard, over the config's determinismGuard. */
  guard?: boolean;
}

export async function serveConfig(cwd: string, flags: ServeFlags): Promise<LoadedConfig> {
  const loaded = await loadConfig({ cwd, ...(flags.config ? { explicitPath: flags.config } : {}), env: process.env });
  return {
    ...loaded,
    config: {
      ...loaded.config,
      ...(flags.store ? { store: flags.store } : {}),
      ...(flags.guard ? { determinismGuard: true } : {}),
      http: {
        ...loaded.config.http,
        ...(flags.port !== undefined ? { port: flags.port } : {}),
        ...(flags.host ? { host: flags.host } : {}),
        ...(flags.token ? { token: flags.token } : {}),
        ...(flags.readOnly ? { readOnly: true } : {}),
      },
    },
  };
}
