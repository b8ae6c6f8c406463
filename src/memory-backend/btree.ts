/** sorted-btree's class, loaded the same way under Node ESM (CommonJS interop) and bundlers. */

import * as mod from 'sorted-btree';

/** The part of sorted-btree's BTree the store uses. */
export interface BTreeMap<K, V> {
  readonly size: number;
  get(key: K): V | undefined;
  has(key: K): boolean;
  set(key: K, value: V): boolean;
  delete(key: K): boolean;
  minKey(): K | undefined;
  maxKey(): K | undefined;
  forRange(low: K, high: K, includeHigh: boolean, onFound: (k: K, v: V) => void): number;
  editRange(
    low: K,
    high: K,
    includeHigh: boolean,
    onFound: (k: K, v: V) => { value?: V; delete?: boolean } | undefined,
  ): number;
}

type BTreeClass = new <K, V>(entries?: [K, V][], compare?: (a: K, b: K) => number) => BTreeMap<K, V>;

// Under Node ESM the default import is module.exports, whose `default` is the class; bundlers unwrap it.
const loaded = mod as unknown as { default: BTreeClass | { default: BTreeClass } };

/** The B+ tree class from sorted-btree: an ordered map with O(log n) lookups and range scans. */
export const BTree: BTreeClass =
  'default' in loaded.default
    ? (loaded.default as { default: BTreeClass }).default
    : (loaded.default as BTreeClass);
