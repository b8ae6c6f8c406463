/**
 * Permission checks of KV and lease requests, exactly where current etcd makes them
 * (server/etcdserver/apply/auth.go, v3_server.go): READ on a range, WRITE on a put or delete, READ for
 * prev_kv, WRITE on every key already on a put's lease; every compare and every op of both branches of a
 * txn, nested txns included. etcd 3.4.23 skips some of these (nested txns, a txn put's prev_kv and lease:
 * the list of differences); the memory store makes every check on every version.
 */

import { KEY_INFINITY, type KeyRange } from '../keys.js';
import type { ParsedDelete, ParsedOp, ParsedPut, ParsedRange, ParsedTxn } from '../request.js';
import type { AuthInfo } from './caller.js';
import type { MemoryAuth } from './memory-auth.js';

/** The keys attached to a lease, or undefined when there is no such lease. */
export type LeaseKeys = (id: bigint) => Iterable<string> | undefined;

/** A store key range as the permission check reads it: "" end for one key, "\0" for from key. */
export function rangeEndOf(range: KeyRange): string {
  if (range.end === undefined) return '';
  return range.end === KEY_INFINITY ? '\0' : range.end;
}

/** Range: READ on its interval. */
export function checkRangeAuth(auth: MemoryAuth, who: AuthInfo | undefined, r: ParsedRange): void {
  auth.checkKeys(who, r.range.start, rangeEndOf(r.range), false);
}

/** Put: WRITE on the key, WRITE on every key already on its lease (unless admin), READ if prev_kv. */
export function checkPutAuth(
  auth: MemoryAuth,
  who: AuthInfo | undefined,
  p: ParsedPut,
  leaseKeys: LeaseKeys,
): void {
  if (who === undefined) return;
  auth.checkKeys(who, p.key, '', true);
  if (p.lease !== 0n) checkLeaseWrite(auth, who, leaseKeys(p.lease));
  if (p.prevKv) auth.checkKeys(who, p.key, '', false);
}

/** DeleteRange: WRITE on its interval, READ too if prev_kv. */
export function checkDeleteAuth(auth: MemoryAuth, who: AuthInfo | undefined, d: ParsedDelete): void {
  if (who === undefined) return;
  const end = rangeEndOf(d.range);
  auth.checkKeys(who, d.range.start, end, true);
  if (d.prevKv) auth.checkKeys(who, d.range.start, end, false);
}

/** Txn: READ on every compare, then every op of both branches, nested txns included. */
export function checkTxnAuth(
  auth: MemoryAuth,
  who: AuthInfo | undefined,
  t: ParsedTxn,
  leaseKeys: LeaseKeys,
): void {
  if (who === undefined) return;
  for (const c of t.compare) auth.checkKeys(who, c.range.start, rangeEndOf(c.range), false);
  for (const op of t.success) checkOpAuth(auth, who, op, leaseKeys);
  for (const op of t.failure) checkOpAuth(auth, who, op, leaseKeys);
}

function checkOpAuth(auth: MemoryAuth, who: AuthInfo, op: ParsedOp, leaseKeys: LeaseKeys): void {
  switch (op.kind) {
    case 'range':
      checkRangeAuth(auth, who, op);
      return;
    case 'put':
      checkPutAuth(auth, who, op, leaseKeys);
      return;
    case 'delete': {
      // etcd checks a txn delete's prev_kv before its write.
      const end = rangeEndOf(op.range);
      if (op.prevKv) auth.checkKeys(who, op.range.start, end, false);
      auth.checkKeys(who, op.range.start, end, true);
      return;
    }
    case 'txn':
      checkTxnAuth(auth, who, op, leaseKeys);
      return;
    default:
      return;
  }
}

/** A lease's keys must all be writable (LeaseRevoke, a put with the lease, a renewal); admins skip. */
export function checkLeaseWrite(
  auth: MemoryAuth,
  who: AuthInfo | undefined,
  keys: Iterable<string> | undefined,
): void {
  if (keys === undefined || auth.isAdmin(who)) return;
  for (const key of keys) auth.checkKeys(who, key, '', true);
}

/** A lease's keys must all be readable (LeaseTimeToLive with keys, LeaseLeases); admins skip. */
export function checkLeaseRead(
  auth: MemoryAuth,
  who: AuthInfo | undefined,
  keys: Iterable<string> | undefined,
): void {
  if (keys === undefined || auth.isAdmin(who)) return;
  for (const key of keys) auth.checkKeys(who, key, '', false);
}
