/**
 * Lease arithmetic, the same in every backend. A lease counts from when its write takes effect:
 * `now` was read before the transaction began, which may have waited for a connection or a
 * lock (or been retried after a cut connection), so the start is never earlier than the
 * store's clock, read in the transaction attempt that writes the lease.
 */

/** The store's clock (milliseconds since the epoch): Date.now unless a test runs the store on a virtual one. */
export type Clock = () => number;

export function leaseStart(now: number, clock: Clock): number {
  return Math.max(now, clock());
}

/** When a lease of `leaseMs` written now runs out. */
export function leaseExpiry(now: number, leaseMs: number, clock: Clock): number {
  return leaseStart(now, clock) + leaseMs;
}
