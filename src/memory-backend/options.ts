/** Options of the memory backend. */

import type { Clock } from '../interface/clock.js';

/** Options for {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** The clock leases and progress notifications run on (default: the real clock). */
  clock?: Clock;
  /**
   * Minimum lease TTL in seconds (default 2, etcd's with default raft timers). Grants below it are raised
   * to it. The test harness passes 1 to match a test etcd started with short raft timers.
   */
  minLeaseTtl?: number;
  /** Maximum operations per txn level (etcd's --max-txn-ops, default 128). */
  maxTxnOps?: number;
  /** Maximum serialized size of a write request (etcd's --max-request-bytes, default 1,572,864). */
  maxRequestBytes?: number;
  /** Seed for server-chosen lease IDs; set it for deterministic IDs (default: random). */
  seed?: number | bigint;
  /** Interval of watch progress notifications in ms (etcd: 10 minutes). */
  progressNotifyIntervalMs?: number;
}
