/**
 * etcd v3 lease request and response types (etcdserverpb Lease service).
 * Lease IDs are `bigint`: etcd chooses random 63-bit IDs, above 2^53.
 */

import type { ResponseHeader } from './kv.js';

/** LeaseGrantRequest. */
export interface LeaseGrantRequest {
  /** Requested TTL in seconds; raised to the backend's minimum TTL when below it. */
  ttl: number;
  /** Lease ID to use; 0n or absent lets the backend choose one. */
  id?: bigint;
}

/** LeaseGrantResponse. `header.revision` is the current revision. */
export interface LeaseGrantResponse {
  header: ResponseHeader;
  id: bigint;
  /** Granted TTL in seconds (after the minimum is applied). */
  ttl: number;
}

/** LeaseRevokeRequest. */
export interface LeaseRevokeRequest {
  id: bigint;
}

/** LeaseRevokeResponse. Attached keys were deleted at one revision (or none, when there were no keys). */
export interface LeaseRevokeResponse {
  header: ResponseHeader;
}

/** LeaseKeepAliveRequest: one renewal, as one message on etcd's keepalive stream. */
export interface LeaseKeepAliveRequest {
  id: bigint;
}

/** LeaseKeepAliveResponse. `ttl` is 0 when the lease is unknown or expired: that is not an error. */
export interface LeaseKeepAliveResponse {
  header: ResponseHeader;
  id: bigint;
  ttl: number;
}

/** LeaseTimeToLiveRequest. */
export interface LeaseTimeToLiveRequest {
  id: bigint;
  /** Also list the keys attached to the lease. */
  keys?: boolean;
}

/** LeaseTimeToLiveResponse. An unknown or expired lease answers ttl −1, grantedTtl 0, no keys. */
export interface LeaseTimeToLiveResponse {
  header: ResponseHeader;
  id: bigint;
  /** Remaining seconds, rounded down. */
  ttl: number;
  grantedTtl: number;
  /** Attached keys, in no defined order; empty unless asked for. */
  keys: Uint8Array[];
}

/** LeaseLeasesResponse. The order of `leases` is not defined. */
export interface LeaseLeasesResponse {
  header: ResponseHeader;
  leases: { id: bigint }[];
}
