/** One version of one key in the MVCC history. */

import type { KeyValue } from '../interface/kv.js';
import { EMPTY_BYTES, pairOut, pairToBytesOut, toBytesOut } from './keys.js';

/**
 * A put or a tombstone of `key` at revision `mod`. Versions of one key form a chain newest → oldest
 * through `prev`; the store's index points at the newest. A tombstone has `create` 0 and `version` 0.
 * Several versions of one key can share a revision when one txn puts and deletes it (docs/semantics.md §12).
 */
export class KeyRev {
  /** The key's slot in the store's indexes, set when the version is committed (saves a lookup per write). */
  entry: { head: KeyRev } | undefined = undefined;

  constructor(
    /** The key, as a Latin-1 storage string (shared with the index). */
    readonly key: string,
    /** Revision of this change. */
    readonly mod: number,
    /** Revision that started this generation; 0 for a tombstone. */
    readonly create: number,
    /** Puts since creation; 0 for a tombstone. */
    readonly version: number,
    /** Attached lease, 0n for none and for tombstones. */
    readonly lease: bigint,
    /** The value, as a Latin-1 storage string. */
    readonly value: string,
    /** The previous version of this key, until compaction drops it. */
    public prev: KeyRev | undefined,
  ) {}

  /** True for a deletion marker. */
  get tombstone(): boolean {
    return this.create === 0;
  }

  /** The newest version in this chain with mod ≤ rev, or undefined. */
  at(rev: number): KeyRev | undefined {
    let r: KeyRev | undefined = this;
    while (r !== undefined && r.mod > rev) r = r.prev;
    return r;
  }

  /** The newest version strictly before this one's revision (what etcd reads at mod − 1). */
  before(): KeyRev | undefined {
    let r = this.prev;
    while (r !== undefined && r.mod >= this.mod) r = r.prev;
    return r;
  }

  /** As a KeyValue; `keysOnly` leaves the value empty. */
  toKeyValue(keysOnly = false): KeyValue {
    let key: Uint8Array;
    let value = EMPTY_BYTES;
    if (keysOnly) {
      key = toBytesOut(this.key);
    } else {
      pairToBytesOut(this.key, this.value);
      key = pairOut.first;
      value = pairOut.second;
    }
    return {
      key,
      value,
      createRevision: this.create,
      modRevision: this.mod,
      version: this.version,
      lease: this.lease,
    };
  }

  /** A DELETE event's KeyValue: the key and the deletion revision, everything else zero. */
  toDeleteKeyValue(): KeyValue {
    return {
      key: toBytesOut(this.key),
      value: EMPTY_BYTES,
      createRevision: 0,
      modRevision: this.mod,
      version: 0,
      lease: 0n,
    };
  }
}
