/** Keys in the model: bytes as "binary strings", so JS string order is etcd's bytewise order. */

import { toBytes } from '../../common/bytes.js';
import type { Bytes, KeyValue, ResponseHeader } from '../../interface/kv.js';

/** One char per byte (latin1); comparing two such strings compares the bytes. */
export function keyString(key: Bytes): string {
  const bytes = toBytes(key);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** The bytes of a {@link keyString}. */
export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/** A key interval: [start, end), with `end` undefined for a single key and null for "to the end". */
export interface KeyInterval {
  readonly start: string;
  readonly end: string | null | undefined;
}

/** etcd's range conventions: absent/empty end → the key; "\0" → every key ≥ key; else [key, end). */
export function interval(key: Bytes, rangeEnd: Bytes | undefined): KeyInterval {
  const start = keyString(key);
  if (rangeEnd === undefined) return { start, end: undefined };
  const end = keyString(rangeEnd);
  if (end === '') return { start, end: undefined };
  if (end === '\0') return { start, end: null };
  return { start, end };
}

/** True when `key` lies in the interval. */
export function inInterval(key: string, iv: KeyInterval): boolean {
  if (iv.end === undefined) return key === iv.start;
  if (iv.end === null) return key >= iv.start;
  return key >= iv.start && key < iv.end;
}

/** The live KeyValues of `kvs` inside `iv`, in key order. */
export function kvsIn(kvs: ReadonlyMap<string, KeyValue>, iv: KeyInterval): KeyValue[] {
  const keys = [...kvs.keys()].filter((k) => inInterval(k, iv)).sort();
  return keys.map((k) => kvs.get(k)!);
}

/** The model's header: only `revision` means anything. */
export function header(revision: number): ResponseHeader {
  return { revision, clusterId: 0n, memberId: 0n, raftTerm: 0 };
}

/** The zero KeyValue a missing key compares as. */
export const ZERO_KV: KeyValue = {
  key: new Uint8Array(),
  value: new Uint8Array(),
  createRevision: 0,
  modRevision: 0,
  version: 0,
  lease: 0n,
};
