/**
 * etcd's Hash and HashKV over the store's contents, byte for byte as etcd 3.4 computes them over its bolt
 * backend (mvcc `HashByRev`, backend `Hash`), so the memory store and a real etcd given the same history
 * agree on HashKV.
 *
 * HashKV(rev) is a CRC-32C over the bucket name `key`, then, for each stored revision ≤ rev in ascending
 * (revision, sub-revision) order, its revision key followed by its protobuf KeyValue. After a compaction
 * at C, a stored revision ≤ C counts only if it is its key's newest revision ≤ rev and not a deletion
 * (etcd's `kvindex.Keep(rev)`), except that when no key is alive at rev they all count, as in etcd.
 */

import { CompactedError, FutureRevisionError } from '../../interface/errors.js';
import type { KeyRev } from '../key-rev.js';
import type { MvccStore } from '../mvcc-store.js';
import { crc32cUpdate } from './crc32c.js';
import { ProtoWriter, writeAlarmMember, writeKeyValue, writeLease } from './proto.js';

const KEY_BUCKET = new TextEncoder().encode('key');
const LEASE_BUCKET = new TextEncoder().encode('lease');
const ALARM_BUCKET = new TextEncoder().encode('alarm');

/** The 17-byte revision key etcd stores a version under (18 with the tombstone mark `t`). */
export function revisionKey(mod: number, sub: number, tombstone: boolean): Uint8Array {
  const b = new Uint8Array(tombstone ? 18 : 17);
  const view = new DataView(b.buffer);
  view.setBigUint64(0, BigInt(mod));
  b[8] = 0x5f; // '_'
  view.setBigUint64(9, BigInt(sub));
  if (tombstone) b[17] = 0x74; // 't'
  return b;
}

/**
 * The versions etcd's backend holds, in (revision, sub-revision) order: every kept version except a
 * tombstone at or below the compact revision (the memory store keeps one made exactly at it, for
 * watchers; etcd's compaction deletes it).
 */
export function storedVersions(mvcc: MvccStore): KeyRev[] {
  const out: KeyRev[] = [];
  for (const r of mvcc.versions()) {
    if (r.create === 0 && r.mod <= mvcc.compactRev) continue;
    out.push(r);
  }
  return out.sort((a, b) => a.mod - b.mod || a.sub - b.sub);
}

/** The revisions etcd's `kvindex.Keep(rev)` returns: each key's newest version ≤ rev, if not a deletion. */
function keepAt(mvcc: MvccStore, rev: number): Set<KeyRev> {
  const keep = new Set<KeyRev>();
  for (const head of mvcc.heads()) {
    const r = head.at(rev);
    if (r !== undefined && r.create !== 0) keep.add(r);
  }
  return keep;
}

/** HashKV's answer: the hash, and the current and compact revisions it was taken at. */
export interface HashKvResult {
  hash: number;
  revision: number;
  compactRevision: number;
}

/** etcd's HashByRev at `rev` (0: the current revision). */
export function hashKv(mvcc: MvccStore, rev: number): HashKvResult {
  const compactRev = mvcc.compactRev;
  const current = mvcc.rev;
  if (rev > 0 && rev <= compactRev) throw new CompactedError();
  if (rev > 0 && rev > current) throw new FutureRevisionError();
  const at = rev === 0 ? current : rev;
  const keep = keepAt(mvcc, at);
  const lower = compactRev + 1;
  const w = new ProtoWriter();
  let crc = crc32cUpdate(0, KEY_BUCKET);
  for (const r of storedVersions(mvcc)) {
    if (r.mod > at) continue;
    if (r.mod < lower && keep.size > 0 && !keep.has(r)) continue;
    crc = crc32cUpdate(crc, revisionKey(r.mod, r.sub, r.create === 0));
    crc = crc32cUpdate(crc, writeKeyValue(w.reset(), r).bytes);
  }
  return { hash: crc, revision: current, compactRevision: compactRev };
}

/** What {@link hashAll} covers besides the keys. */
export interface HashExtras {
  /** Live leases: ID and granted TTL. */
  leases: Iterable<{ id: bigint; ttl: number }>;
  /** Raised alarms: member ID and alarm number. */
  alarms: Iterable<{ memberId: bigint; alarm: number }>;
}

/**
 * etcd's Hash, over the buckets this store has, in bolt's layout and order: `alarm` (AlarmMember keys),
 * `key` (every stored version), `lease` (8-byte big-endian ID → Lease{ID, TTL}). Deterministic for a
 * history (lease IDs included); it never matches a real etcd, whose backend has more buckets.
 */
export function hashAll(mvcc: MvccStore, extras: HashExtras): number {
  const w = new ProtoWriter();
  let crc = crc32cUpdate(0, ALARM_BUCKET);
  const alarms = [...extras.alarms]
    .map((a) => Uint8Array.from(writeAlarmMember(w.reset(), a.memberId, a.alarm).bytes))
    .sort(compareBytes);
  for (const a of alarms) crc = crc32cUpdate(crc, a);
  crc = crc32cUpdate(crc, KEY_BUCKET);
  for (const r of storedVersions(mvcc)) {
    crc = crc32cUpdate(crc, revisionKey(r.mod, r.sub, r.create === 0));
    crc = crc32cUpdate(crc, writeKeyValue(w.reset(), r).bytes);
  }
  crc = crc32cUpdate(crc, LEASE_BUCKET);
  // Bolt orders the keys as bytes: the IDs as unsigned 64-bit numbers.
  const unsigned = (id: bigint): bigint => BigInt.asUintN(64, id);
  const leases = [...extras.leases].sort((a, b) =>
    unsigned(a.id) < unsigned(b.id) ? -1 : unsigned(a.id) > unsigned(b.id) ? 1 : 0,
  );
  for (const l of leases) {
    const key = new Uint8Array(8);
    new DataView(key.buffer).setBigUint64(0, BigInt.asUintN(64, l.id));
    crc = crc32cUpdate(crc, key);
    crc = crc32cUpdate(crc, writeLease(w.reset(), l.id, l.ttl).bytes);
  }
  return crc;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
