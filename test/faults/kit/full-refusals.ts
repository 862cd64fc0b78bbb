/**
 * Records when a store refused one of the worker's background writes as full: wraps the store's
 * claim, commit, renewLeases and workerAlive in place. The full-disk tests count the refusals to
 * show that a worker backs off instead of spinning.
 */
import { StoreFullError } from "../../../src/index.js";

export function recordFullRefusals(store: object): number[] {
  const refusals: number[] = [];
  const methods = store as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of ["claim", "commit", "renewLeases", "workerAlive"]) {
    const original = methods[method]!.bind(store);
    methods[method] = async (...args: unknown[]) => {
      try {
        return await original(...args);
      } catch (error) {
        if (error instanceof StoreFullError) refusals.push(Date.now());
        throw error;
      }
    };
  }
  return refusals;
}
