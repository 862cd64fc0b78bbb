/**
 * Lease arithmetic, the same in every backend. A lease counts from when its write takes effect:
 * `now` was read before the transaction began, which may have waited for a connection or a
 * lock, so the start is never earlier than the clock at the moment of the write.
 */

export function leaseStart(now: number): number {
  return Math.max(now, Date.now());
}

/** When a lease of `leaseMs` written now runs out. */
export function leaseExpiry(now: number, leaseMs: number): number {
  return leaseStart(now) + leaseMs;
}
