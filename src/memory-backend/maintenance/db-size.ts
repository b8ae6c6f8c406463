/**
 * The store's db size, computed from its contents, as a stable stand-in for etcd's bolt file size:
 *
 * - **in use** (Status `dbSizeInUse`): for each stored key version, the bytes etcd writes for it in its
 *   backend — the 17-byte revision key (8-byte big-endian revision, `_`, 8-byte big-endian
 *   sub-revision; 18 with the tombstone mark `t`) plus the protobuf KeyValue (a tombstone holds only its
 *   key). Compaction lowers it.
 * - **total** (Status `dbSize`): the largest in-use size since the last defragment, as a bolt file never
 *   shrinks until it is defragmented. The space quota is checked against it.
 *
 * Leases, alarms and etcd's own metadata are not counted, so a fresh store reports 0 where etcd reports
 * its empty bolt file (32 KiB).
 */

import type { KeyRev } from '../key-rev.js';
import { keyValueSize } from './proto.js';

/** The bytes one stored version takes: revision key plus KeyValue. */
export function revisionBytes(r: KeyRev): number {
  return (r.create === 0 ? 18 : 17) + keyValueSize(r);
}

/** Tracks the total size: the in-use peak since the last defragment. */
export class DbSize {
  #peak = 0;

  /** Note the in-use size before it can fall (before a compaction). */
  note(inUse: number): void {
    if (inUse > this.#peak) this.#peak = inUse;
  }

  /** The total size, given the in-use size now. */
  total(inUse: number): number {
    this.note(inUse);
    return this.#peak;
  }

  /** Defragment: the total shrinks to what is in use. */
  defragment(inUse: number): void {
    this.#peak = inUse;
  }
}
