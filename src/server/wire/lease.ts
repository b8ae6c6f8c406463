/** Lease messages between the wire and the store. */

import type {
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from '../../interface/lease.js';
import { fromBigint } from './int64.js';
import { bigintOf, boolOf, type HeaderEncoder, numberOf, type WireMessage } from './message.js';

/** LeaseGrantRequest from the wire. */
export function grantIn(m: WireMessage): LeaseGrantRequest {
  return { ttl: numberOf(m, 'TTL'), id: bigintOf(m, 'ID') };
}

/** The lease ID of a Revoke or KeepAlive request. */
export function leaseIdIn(m: WireMessage): bigint {
  return bigintOf(m, 'ID');
}

/** LeaseTimeToLiveRequest from the wire. */
export function timeToLiveIn(m: WireMessage): LeaseTimeToLiveRequest {
  return { id: bigintOf(m, 'ID'), keys: boolOf(m, 'keys') };
}

/** LeaseGrantResponse to the wire. */
export function grantOut(h: HeaderEncoder, r: LeaseGrantResponse): WireMessage {
  return { header: h.full(r.header), ID: fromBigint(r.id), TTL: r.ttl };
}

/** LeaseRevokeResponse to the wire. */
export function revokeOut(h: HeaderEncoder, r: LeaseRevokeResponse): WireMessage {
  return { header: h.full(r.header) };
}

/** LeaseKeepAliveResponse to the wire (TTL 0 left out, as etcd sends it for an unknown lease). */
export function keepAliveOut(h: HeaderEncoder, r: LeaseKeepAliveResponse): WireMessage {
  const out: WireMessage = { header: h.full(r.header) };
  if (r.id !== 0n) out.ID = fromBigint(r.id);
  if (r.ttl !== 0) out.TTL = r.ttl;
  return out;
}

/** LeaseTimeToLiveResponse to the wire. */
export function timeToLiveOut(h: HeaderEncoder, r: LeaseTimeToLiveResponse): WireMessage {
  const out: WireMessage = { header: h.full(r.header), ID: fromBigint(r.id), TTL: r.ttl };
  if (r.grantedTtl !== 0) out.grantedTTL = r.grantedTtl;
  if (r.keys.length > 0) out.keys = r.keys;
  return out;
}

/** LeaseLeasesResponse to the wire. */
export function leasesOut(h: HeaderEncoder, r: LeaseLeasesResponse): WireMessage {
  return { header: h.full(r.header), leases: r.leases.map((l) => ({ ID: fromBigint(l.id) })) };
}
