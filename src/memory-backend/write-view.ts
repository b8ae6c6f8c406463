/**
 * A copy-on-write view for one write request: changes are staged at revision R + 1 over the store and
 * become visible only on commit, so a request that fails half-way leaves no trace.
 */

import { KeyRev } from './key-rev.js';
import { inRange, type KeyRange } from './keys.js';
import type { MvccStore } from './mvcc-store.js';

/** Staged changes of one request, readable as the state after them (a txn reads its own writes). */
export class WriteView {
  /** Staged changes in request order. */
  readonly changes: KeyRev[] = [];
  /** The revision every staged change gets. */
  readonly rev: number;
  /** The first staged change; most writes stage one, and need no map. */
  #first: KeyRev | undefined;
  #overlay: Map<string, KeyRev> | undefined;

  constructor(readonly store: MvccStore) {
    this.rev = store.rev + 1;
  }

  /** The newest version of `key` in the view, tombstones included. */
  head(key: string): KeyRev | undefined {
    if (this.#first === undefined) return this.store.head(key);
    if (this.#overlay === undefined) return this.#first.key === key ? this.#first : this.store.head(key);
    return this.#overlay.get(key) ?? this.store.head(key);
  }

  /** The live version of `key` in the view. */
  live(key: string): KeyRev | undefined {
    const h = this.head(key);
    return h === undefined || h.create === 0 ? undefined : h;
  }

  /**
   * Stage a put of `key` over `prev` (its head in this view); the caller has checked the lease. Returns
   * the version it replaces, if live.
   */
  put(key: string, value: string, lease: bigint, prev: KeyRev | undefined): KeyRev | undefined {
    const live = prev === undefined || prev.create === 0 ? undefined : prev;
    // Share the stored key string rather than keep the caller's copy.
    if (prev !== undefined) key = prev.key;
    const create = live === undefined ? this.rev : live.create;
    const version = live === undefined ? 1 : live.version + 1;
    this.#stage(new KeyRev(key, this.rev, create, version, lease, value, prev));
    return live;
  }

  /** Stage deletion of every live key in `range`, in key order. Returns the deleted versions. */
  delete(range: KeyRange): KeyRev[] {
    const deleted: KeyRev[] = [];
    for (const key of this.#keysIn(range)) {
      const h = this.head(key);
      if (h === undefined || h.create === 0) continue;
      this.#stage(new KeyRev(key, this.rev, 0, 0, 0n, '', h));
      deleted.push(h);
    }
    return deleted;
  }

  /** Live versions in `range` as the view sees them, in key order. */
  scan(range: KeyRange, visit: (r: KeyRev) => void): void {
    if (this.#first === undefined) {
      this.store.scan(range, this.store.rev, visit);
      return;
    }
    for (const key of this.#keysIn(range)) {
      const r = this.live(key);
      if (r !== undefined) visit(r);
    }
  }

  #keysIn(range: KeyRange): string[] {
    const keys = this.store.keysIn(range);
    if (this.#first === undefined) return keys;
    const staged = this.#overlay === undefined ? [this.#first.key] : [...this.#overlay.keys()];
    const extra = staged.filter((k) => inRange(range, k) && !this.store.has(k));
    if (extra.length === 0) return keys;
    return [...keys, ...extra].sort();
  }

  #stage(r: KeyRev): void {
    this.changes.push(r);
    if (this.#first === undefined) {
      this.#first = r;
      return;
    }
    if (this.#overlay === undefined) this.#overlay = new Map([[this.#first.key, this.#first]]);
    this.#overlay.set(r.key, r);
  }
}
