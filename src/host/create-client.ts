/**
 * createClient: a client on a store, for a process that runs no worker (the CLI's management
 * commands, an admin script). It loads no worker code.
 */
import { BatonClient } from "../client/client.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../definitions/payload.js";
import { InvalidArgumentError } from "../errors.js";
import { isMemoryStoreUrl, openStore } from "../store/open-store.js";
import { checkKeys, knownKeys } from "../definitions/options.js";
import { positiveInt } from "./option-checks.js";

export interface CreateClientOptions {
  /** Store URL, as for createBaton. */
  store: string;
  /** Largest input or event data this client sends, in bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
}

const CLIENT_OPTION_KEYS = knownKeys<CreateClientOptions>()({ store: true, maxPayloadBytes: true });

/**
 * A client for a process that runs no worker. Close it with client.close().
 *
 * @example
 * const client = await createClient({ store: "sqlite:./baton.db" });
 * const status = await client.getStatus("order-42");
 * await client.close();
 */
export async function createClient(options: CreateClientOptions): Promise<BatonClient> {
  checkKeys(options, CLIENT_OPTION_KEYS, "createClient");
  if (isMemoryStoreUrl(options.store)) {
    throw new InvalidArgumentError(
      `createClient: "${options.store}" is a store in the memory of the baton that opened it; a client of its own would open another, empty one. ` +
        `In the process of that baton, use that baton's client (baton.client); elsewhere, use a store file ("sqlite:./baton.db") or PostgreSQL.`,
    );
  }
  const maxPayloadBytes = positiveInt(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, "maxPayloadBytes");
  const store = await openStore(options.store);
  return new BatonClient({ store, maxPayloadBytes, now: () => Date.now(), onClose: () => store.close() });
}
