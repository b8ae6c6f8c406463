/**
 * The etcd backend's retry timing, in one place: the memory backend's simulated link (faults) waits by
 * the same numbers, so that a request under a simulated fault fails or succeeds when it would on etcd.
 */

/** Pause before resending a read whose attempt `attempt` (0-based) failed: 25 ms doubling to 500 ms. */
export function backoff(attempt: number): number {
  return Math.min(25 * 2 ** attempt, 500);
}

/** Pause before a lease renewal is sent again on a new keepalive stream, after the old one broke. */
export const KEEPALIVE_RETRY_MS = 50;
