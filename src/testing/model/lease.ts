/** Leases (docs/semantics.md §8): grant, revoke, keepalive, time-to-live, and expiry as time passes. */

import { LeaseExistsError, LeaseNotFoundError, LeaseTtlTooLargeError } from '../../interface/errors.js';
import type {
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from '../../interface/lease.js';
import { header, keyString } from './keys.js';
import type { ModelState } from './types.js';
import { WriteView } from './write.js';

/** etcd's MaxLeaseTTL. */
export const MAX_LEASE_TTL = 9_000_000_000;

/** Grant: TTL check, then duplicate ID; a TTL below the minimum (or negative) is raised. */
export function grant(
  state: ModelState,
  request: LeaseGrantRequest,
): { state: ModelState; value: LeaseGrantResponse } {
  if (request.ttl > MAX_LEASE_TTL) throw new LeaseTtlTooLargeError();
  const explicit = request.id ?? 0n;
  if (explicit !== 0n && state.leases.has(explicit)) throw new LeaseExistsError();
  let id = explicit;
  let nextLeaseId = state.nextLeaseId;
  if (id === 0n) {
    while (state.leases.has(nextLeaseId)) nextLeaseId++;
    id = nextLeaseId++;
  }
  const ttl = Math.max(request.ttl, state.options.minLeaseTtl);
  const leases = new Map(state.leases);
  leases.set(id, { id, ttl, expiresAt: state.now + ttl * 1000, seq: state.grants });
  return {
    state: { ...state, leases, grants: state.grants + 1, nextLeaseId },
    value: { header: header(state.revision), id, ttl },
  };
}

/** Remove a lease and delete its keys at one revision (none when it has no keys). */
export function revokeLease(state: ModelState, id: bigint): ModelState {
  if (!state.leases.has(id)) throw new LeaseNotFoundError();
  const view = new WriteView(state);
  const keys = [...state.kvs.values()].filter((kv) => kv.lease === id).map((kv) => keyString(kv.key));
  for (const k of keys.sort()) view.deleteKey(k);
  const next = view.commit();
  const leases = new Map(state.leases);
  leases.delete(id);
  return { ...next, leases };
}

/** KeepAlive: expiry = now + TTL; an unknown lease answers TTL 0. */
export function keepAlive(
  state: ModelState,
  id: bigint,
): { state: ModelState; value: LeaseKeepAliveResponse } {
  const lease = state.leases.get(id);
  if (!lease) return { state, value: { header: header(state.revision), id, ttl: 0 } };
  const leases = new Map(state.leases);
  leases.set(id, { ...lease, expiresAt: state.now + lease.ttl * 1000 });
  return { state: { ...state, leases }, value: { header: header(state.revision), id, ttl: lease.ttl } };
}

/** TimeToLive: remaining whole seconds (rounded down); an unknown lease answers −1. Keys in key order. */
export function timeToLive(state: ModelState, request: LeaseTimeToLiveRequest): LeaseTimeToLiveResponse {
  const lease = state.leases.get(request.id);
  if (!lease) return { header: header(state.revision), id: request.id, ttl: -1, grantedTtl: 0, keys: [] };
  const keys = request.keys
    ? [...state.kvs.values()]
        .filter((kv) => kv.lease === request.id)
        .map((kv) => kv.key)
        .sort((a, b) => (keyString(a) < keyString(b) ? -1 : 1))
    : [];
  const ttl = Math.floor((lease.expiresAt - state.now) / 1000);
  return { header: header(state.revision), id: request.id, ttl, grantedTtl: lease.ttl, keys };
}

/** Leases(): IDs in grant order (etcd's order is undefined; compare sorted). */
export function leases(state: ModelState): LeaseLeasesResponse {
  const list = [...state.leases.values()].sort((a, b) => a.seq - b.seq).map((l) => ({ id: l.id }));
  return { header: header(state.revision), leases: list };
}

/**
 * Let `ms` pass: every lease whose expiry is ≤ the new time is revoked, earliest first (ties in grant
 * order), each with its own revision when it has keys.
 */
export function advance(state: ModelState, ms: number): { state: ModelState; expired: bigint[] } {
  const target = state.now + ms;
  const expired: bigint[] = [];
  for (;;) {
    const due = [...state.leases.values()]
      .filter((l) => l.expiresAt <= target)
      .sort((a, b) => a.expiresAt - b.expiresAt || a.seq - b.seq)[0];
    if (!due) break;
    state = revokeLease({ ...state, now: due.expiresAt }, due.id);
    expired.push(due.id);
  }
  return { state: { ...state, now: target }, expired };
}
