/**
 * What the management commands need, from either a store opened directly or a running HTTP
 * API. Both give the same JSON-shaped answers (dates as ISO strings) and fail with errors
 * carrying the same codes, so commands, output and exit codes do not depend on the route.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { createClient } from "../host/create-client.js";
import { isMemoryStoreUrl } from "../store/open-store.js";
import type { BatonClient, ListFilter } from "../client/client.js";
import type { RuntimeStatus } from "../client/instance-status.js";

/** An instance status as JSON (what the HTTP API returns). */
export type StatusJson = {
  instanceId: string;
  name: string;
  runtimeStatus: RuntimeStatus;
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
  createdAt: string;
  lastUpdatedAt: string;
  failureDetails?: { name?: string; message?: string; code?: string };
  stalled?: { code: string; message: string; since: string };
  waitingForWorker?: { message: string };
  pending?: PendingJson;
  history?: ({ type: string; timestamp: string } & Record<string, unknown>)[];
};

/** PendingWork (client/pending-work.ts) as JSON carries it: times as ISO strings. */
export interface PendingJson {
  activities: { name: string; seq: number; attempt: number; state: string; nextAttemptAt?: string; lastFailure?: { name: string; message: string } }[];
  timers: { seq: number; fireAt: string }[];
  events: string[];
  children: { instanceId: string; name: string; runtimeStatus: string }[];
  truncated?: boolean;
}

export interface Filter {
  runtimeStatus?: RuntimeStatus[];
  name?: string;
  createdFrom?: Date;
  createdTo?: Date;
  instanceIdPrefix?: string;
}

export interface Admin {
  /** Starts an instance of the orchestration `name`; resolves with its id. */
  startNew(name: string, options: { input?: unknown; instanceId?: string; startAt?: Date }): Promise<string>;
  status(instanceId: string, showHistory: boolean): Promise<StatusJson | null>;
  raise(instanceId: string, event: string, data: unknown): Promise<void>;
  act(action: "terminate" | "suspend" | "resume" | "rewind", instanceId: string, reason: string | undefined): Promise<void>;
  restart(instanceId: string): Promise<void>;
  purge(instanceId: string): Promise<boolean>;
  purgeWhere(filter: Filter, onProgress: (purged: number) => void): Promise<number>;
  list(filter: Filter & { pageSize: number; continuationToken?: string }): Promise<{ instances: StatusJson[]; continuationToken: string | undefined }>;
  close(): Promise<void>;
}

/** An error answered by the API (or raised locally) with a stable code. */
export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const asJson = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

export async function storeAdmin(storeUrl: string): Promise<Admin> {
  // Managing never creates a store: a mistyped file name must not become a new, empty one.
  // A store in memory is refused by createClient, with the reason; it has no file to look for.
  if (storeUrl.startsWith("sqlite:") && !isMemoryStoreUrl(storeUrl)) {
    const path = resolve(storeUrl.slice("sqlite:".length).split("?")[0]!);
    if (!existsSync(path)) {
      throw new CommandError("STORE_UNAVAILABLE", `No store at ${path}. Check --store (or BATON_STORE, or the config's store).`);
    }
  }
  const client: BatonClient = await createClient({ store: storeUrl });
  return {
    startNew: (name, options) => client.startNew(name, options),
    status: async (id, showHistory) => {
      const status = await client.getStatus(id, { showHistory });
      return status ? asJson<StatusJson>(status) : null;
    },
    raise: (id, event, data) => client.raiseEvent(id, event, data),
    act: (action, id, reason) => client[action](id, reason),
    restart: async (id) => void (await client.restart(id)),
    purge: (id) => client.purge(id),
    purgeWhere: async (filter, onProgress) => (await client.purgeWhere(filter, { onProgress })).purged,
    list: async (filter) => {
      const page = await client.list(filter as ListFilter);
      return { instances: asJson<StatusJson[]>(page.instances), continuationToken: page.continuationToken };
    },
    close: () => client.close(),
  };
}

export function httpAdmin(baseUrl: string, token: string | undefined): Admin {
  const base = baseUrl.replace(/\/+$/, "");
  const request = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new CommandError("API_UNREACHABLE", `Cannot reach the Baton API at ${base}: ${(error as Error).cause ?? (error as Error).message}. Is \`baton start\` running there?`);
    }
    const text = await response.text();
    const json = text === "" ? undefined : (JSON.parse(text) as unknown);
    if (response.status >= 400) {
      const { code, message } = (json ?? {}) as { code?: string; message?: string };
      throw new CommandError(code ?? "INTERNAL", message ?? `The API answered ${response.status}.`);
    }
    return { status: response.status, json };
  };
  const id = (value: string): string => encodeURIComponent(value);
  const query = (params: Record<string, string | undefined>): string => {
    const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
    const text = search.toString();
    return text ? `?${text}` : "";
  };
  const filterParams = (filter: Filter): Record<string, string | undefined> => ({
    runtimeStatus: filter.runtimeStatus?.join(","),
    name: filter.name,
    createdFrom: filter.createdFrom?.toISOString(),
    createdTo: filter.createdTo?.toISOString(),
    instanceIdPrefix: filter.instanceIdPrefix,
  });
  return {
    startNew: async (name, options) => {
      const path = `/api/orchestrators/${id(name)}${options.instanceId === undefined ? "" : `/${id(options.instanceId)}`}`;
      const { json } = await request("POST", `${path}${query({ startAt: options.startAt?.toISOString() })}`, options.input);
      return (json as { id: string }).id;
    },
    status: async (instanceId, showHistory) => {
      try {
        return (await request("GET", `/api/instances/${id(instanceId)}${query({ showHistory: String(showHistory) })}`)).json as StatusJson;
      } catch (error) {
        if (error instanceof CommandError && error.code === "INSTANCE_NOT_FOUND") return null;
        throw error;
      }
    },
    raise: async (instanceId, event, data) => void (await request("POST", `/api/instances/${id(instanceId)}/raiseEvent/${id(event)}`, data)),
    act: async (action, instanceId, reason) => void (await request("POST", `/api/instances/${id(instanceId)}/${action}${query({ reason })}`)),
    restart: async (instanceId) => void (await request("POST", `/api/instances/${id(instanceId)}/restart`)),
    purge: async (instanceId) => {
      try {
        await request("DELETE", `/api/instances/${id(instanceId)}`);
        return true;
      } catch (error) {
        if (error instanceof CommandError && error.code === "INSTANCE_NOT_FOUND") return false;
        throw error;
      }
    },
    purgeWhere: async (filter) => ((await request("DELETE", `/api/instances${query(filterParams(filter))}`)).json as { instancesDeleted: number }).instancesDeleted,
    list: async (filter) => {
      const path = `/api/instances${query({
        ...filterParams(filter),
        pageSize: String(filter.pageSize),
        continuationToken: filter.continuationToken,
        // As client.list() (the store route): no inputs, and no read per instance on the server.
        showInput: "false",
      })}`;
      const page = (await request("GET", path)).json as { instances: StatusJson[]; continuationToken: string | null };
      return { instances: page.instances, continuationToken: page.continuationToken ?? undefined };
    },
    close: async () => undefined,
  };
}
