/**
 * createClient: a client on a store, for a process that runs no worker (the CLI's management
 * commands, an admin script). It loads no worker code.
 */
import { BatonClient } from "../client/client.js";
import { DEFAULT_MAX_PAYLOAD_BYTES } from "../definitions/payload.js";
import { openStore } from "../store/open-store.js";
import { checkKeys, positiveInt } from "./option-checks.js";

/**
 * A client for a process that runs no worker. Close it with client.close().
 *
 * @example
 * const client = await createClient({ store: "sqlite:./baton.db" });
 * const status = await client.getStatus("order-42");
 * await client.close();
 */
export async function createClient(options: { store: string; maxPayloadBytes?: number }): Promise<BatonClient> {
  checkKeys(options, ["store", "maxPayloadBytes"], "createClient");
  const maxPayloadBytes = positiveInt(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, "maxPayloadBytes");
  const store = await openStore(options.store);
  return new BatonClient({ store, maxPayloadBytes, now: () => Date.now(), onClose: () => store.close() });
}
