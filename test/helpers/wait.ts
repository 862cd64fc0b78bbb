import type { BatonClient, InstanceStatus, RuntimeStatus } from "../../src/index.js";

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitUntil<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the instance reaches `status` (or any of them). */
export function waitForStatus(
  client: BatonClient,
  instanceId: string,
  status: RuntimeStatus | RuntimeStatus[],
  timeoutMs?: number,
): Promise<InstanceStatus> {
  const wanted = Array.isArray(status) ? status : [status];
  return waitUntil(
    async () => {
      const current = await client.getStatus(instanceId, { showHistory: true });
      return current && wanted.includes(current.runtimeStatus) ? current : undefined;
    },
    `instance ${instanceId} to be ${wanted.join(" or ")}`,
    timeoutMs,
  );
}

/** Waits until the instance's history holds an event of this type; resolves with the history. */
export function waitForHistoryEvent(client: BatonClient, instanceId: string, type: string, timeoutMs?: number) {
  return waitUntil(
    async () => {
      const history = (await client.getStatus(instanceId, { showHistory: true }))?.history;
      return history?.some((e) => e.type === type) ? history : undefined;
    },
    `a ${type} event in the history of ${instanceId}`,
    timeoutMs,
  );
}
