/**
 * What the Lock and Election services share: who a request runs for, and the keys and leases of etcd's
 * concurrency package (a name's prefix, a lease's key under it, the session lease of a request).
 */

import { leaseHex } from '../../common/bytes.js';
import type { MemoryBackend } from '../../memory-backend/memory-backend.js';
import type { MemoryCallOptions } from '../../memory-backend/options.js';

/**
 * Who a request runs for: the client of the caller's connection, the caller's call options (credentials,
 * and the signal that aborts when the caller goes away), and the server's own client for the clean-up
 * etcd does after its caller has gone (etcd's embedded client: no credentials, on no connection).
 */
export interface Caller {
  readonly client: MemoryBackend;
  readonly as: MemoryCallOptions;
  embedded<T>(use: (client: MemoryBackend) => Promise<T>): Promise<T>;
}

/** TTL of the lease etcd grants when a request names none (concurrency.NewSession's default). */
export const DEFAULT_SESSION_TTL = 60;

/** The lease a request runs on: its own, or (lease 0) a fresh one that nobody keeps alive. */
export async function sessionLease(caller: Caller, lease: bigint): Promise<bigint> {
  if (lease !== 0n) return lease;
  return (await caller.client.leaseGrant({ ttl: DEFAULT_SESSION_TTL }, caller.as)).id;
}

/** `prefix` + hex lease ID: the key a lease holds under a prefix (Go: fmt.Sprintf("%s%x")). */
export function leaseKey(prefix: Uint8Array, lease: bigint): Uint8Array {
  return Buffer.concat([prefix, Buffer.from(leaseHex(lease))]);
}

/** `name` + "/": the prefix of a lock's or an election's keys. */
export function namePrefix(name: Uint8Array): Uint8Array {
  return Buffer.concat([name, Buffer.from('/')]);
}
