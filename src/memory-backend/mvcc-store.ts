/**
 * The MVCC store: one {@link KeyEntry} per key, found by a Map (point reads and writes) and by a B+ tree
 * (ordered range scans); the entry points at the key's newest version, which links to older ones. Also
 * the global revision, the compact revision, and a log of every change since the compact revision in
 * (revision, sub-index) order, which watchers read at their own pace.
 */

import { BTree, type BTreeMap } from './btree.js';
import type { KeyRev } from './key-rev.js';
import type { KeyRange } from './keys.js';
import { revisionBytes as revBytes } from './maintenance/db-size.js';

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A key's slot in both indexes; writes replace `head` without touching the tree. */
export class KeyEntry {
  constructor(public head: KeyRev) {}
}

/** The MVCC state. Single writer: every change goes through {@link MvccStore.commit}. */
export class MvccStore {
  /** Key → its entry (whose head may be a tombstone). */
  readonly #entries = new Map<string, KeyEntry>();
  /** The same entries in key order. */
  readonly #tree: BTreeMap<string, KeyEntry> = new BTree<string, KeyEntry>(undefined, compareStrings);

  /** Number of keys with any version kept (live or tombstoned). */
  get keyCount(): number {
    return this.#entries.size;
  }

  /** The newest version of `key` (possibly a tombstone), or undefined. */
  head(key: string): KeyRev | undefined {
    return this.#entries.get(key)?.head;
  }

  /** The newest version of every key (live or tombstone), keys unordered. */
  *heads(): IterableIterator<KeyRev> {
    for (const entry of this.#entries.values()) yield entry.head;
  }

  /** Every kept version of every key (live, old and tombstones), newest first per key, keys unordered. */
  *versions(): IterableIterator<KeyRev> {
    for (const entry of this.#entries.values()) {
      for (let r: KeyRev | undefined = entry.head; r !== undefined; r = r.prev) yield r;
    }
  }

  /** True when `key` has any version kept. */
  has(key: string): boolean {
    return this.#entries.has(key);
  }
  /** Current revision; an empty store is at 1. */
  rev = 1;
  /** Compact revision; −1 until the first compaction. */
  compactRev = -1;
  /** Bytes of the stored history, as etcd's backend would hold it (maintenance/db-size.ts). */
  bytes = 0;
  #log: KeyRev[] = [];
  #logBase = 0;

  /** Absolute log position of the oldest change kept. */
  get logBase(): number {
    return this.#logBase;
  }

  /** Absolute log position one past the newest change. */
  get logEnd(): number {
    return this.#logBase + this.#log.length;
  }

  /** The change at absolute log position `pos` (logBase ≤ pos < logEnd). */
  logAt(pos: number): KeyRev {
    return this.#log[pos - this.#logBase]!;
  }

  /** The first absolute log position whose revision is ≥ `rev` (logEnd when none). */
  firstPosAtOrAfter(rev: number): number {
    const log = this.#log;
    let lo = 0;
    let hi = log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (log[mid]!.mod < rev) lo = mid + 1;
      else hi = mid;
    }
    return this.#logBase + lo;
  }

  /** The live version of `key` at `rev` (current when rev ≥ R), or undefined. */
  get(key: string, rev: number): KeyRev | undefined {
    const head = this.#entries.get(key)?.head;
    if (head === undefined) return undefined;
    const r = rev >= this.rev ? head : head.at(rev);
    return r === undefined || r.create === 0 ? undefined : r;
  }

  /** Call `visit` with each live version in `range` at `rev`, in key order. */
  scan(range: KeyRange, rev: number, visit: (r: KeyRev) => void): void {
    if (range.end === undefined) {
      const r = this.get(range.start, rev);
      if (r !== undefined) visit(r);
      return;
    }
    if (range.end <= range.start) return;
    const current = rev >= this.rev;
    this.#tree.forRange(range.start, range.end, false, (_k, entry) => {
      const head = entry.head;
      const r = current ? head : head.at(rev);
      if (r !== undefined && r.create !== 0) visit(r);
    });
  }

  /** Keys in `range` that have any version (live or not), in key order. */
  keysIn(range: KeyRange): string[] {
    if (range.end === undefined) return this.#entries.has(range.start) ? [range.start] : [];
    if (range.end <= range.start) return [];
    const keys: string[] = [];
    this.#tree.forRange(range.start, range.end, false, (k) => {
      keys.push(k);
    });
    return keys;
  }

  /**
   * Make `changes` (all at revision rev + 1, each already linked to the version it replaces) the new
   * state, and advance the revision. Returns the log position of the first change.
   */
  commit(changes: readonly KeyRev[]): number {
    const first = this.logEnd;
    if (changes.length === 0) return first;
    for (let sub = 0; sub < changes.length; sub++) {
      const c = changes[sub]!;
      c.sub = sub;
      // A change replacing a committed (or earlier staged) version reuses that version's slot.
      const entry = c.prev?.entry;
      if (entry !== undefined) {
        entry.head = c;
        c.entry = entry;
      } else {
        const created = new KeyEntry(c);
        this.#entries.set(c.key, created);
        this.#tree.set(c.key, created);
        c.entry = created;
      }
      this.#log.push(c);
      this.bytes += revBytes(c);
    }
    this.rev += 1;
    return first;
  }

  /**
   * Load a snapshot's versions into this empty store: `versions` in (revision, sub-revision) order, each
   * linked to its key's previous one; the log holds those at or after the compact revision.
   */
  restore(versions: readonly KeyRev[], rev: number, compactRev: number): void {
    for (const r of versions) {
      const entry = this.#entries.get(r.key);
      if (entry !== undefined) {
        r.prev = entry.head;
        entry.head = r;
        r.entry = entry;
      } else {
        const created = new KeyEntry(r);
        this.#entries.set(r.key, created);
        this.#tree.set(r.key, created);
        r.entry = created;
      }
      this.bytes += revBytes(r);
      if (r.mod >= compactRev) this.#log.push(r);
    }
    this.rev = rev;
    this.compactRev = compactRev;
  }

  /**
   * Compact at `rev` (already validated): keep every version above it, the newest version ≤ it of each
   * key alive there, and a tombstone made exactly at it. Keys deleted before it vanish.
   */
  compact(rev: number): void {
    this.compactRev = rev;
    const drop = (from: KeyRev | undefined): void => {
      for (let r = from; r !== undefined; r = r.prev) this.bytes -= revBytes(r);
    };
    for (const [key, entry] of this.#entries) {
      const head = entry.head;
      let newer: KeyRev | undefined;
      let keep: KeyRev | undefined = head;
      while (keep !== undefined && keep.mod > rev) {
        newer = keep;
        keep = keep.prev;
      }
      if (keep === undefined) continue;
      drop(keep.prev);
      keep.prev = undefined;
      if (keep.create === 0 && keep.mod < rev) {
        this.bytes -= revBytes(keep);
        if (newer === undefined) {
          this.#entries.delete(key);
          this.#tree.delete(key);
        } else {
          newer.prev = undefined;
        }
      }
    }
    const cut = this.firstPosAtOrAfter(rev) - this.#logBase;
    if (cut > 0) {
      this.#log = this.#log.slice(cut);
      this.#logBase += cut;
    }
  }
}
