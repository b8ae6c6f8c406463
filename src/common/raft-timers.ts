/** etcd's raft timers and what follows from them for clients. */

/**
 * The minimum lease TTL etcd grants for these raft timers, in seconds: ceil(⌊3 × ticks / 2⌋ × heartbeat)
 * with ticks = ⌊election ÷ heartbeat⌋ (2 s with etcd's defaults of 100/1000 ms; semantics §12).
 */
export function minLeaseTtlFor(heartbeatMs: number, electionMs: number): number {
  const ticks = Math.floor(electionMs / heartbeatMs);
  return Math.ceil((Math.floor((3 * ticks) / 2) * heartbeatMs) / 1000);
}
