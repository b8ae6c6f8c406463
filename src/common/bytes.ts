/** Byte helpers shared by the backends, the recipes and tests: encoding, ordering and range ends. */

import type { Bytes } from '../interface/kv.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The one-byte key "\0": as a range end it means "every key from `key` on". */
export const ZERO_KEY: Uint8Array = Uint8Array.of(0);

/** UTF-8 encode a string; return bytes unchanged. */
export function toBytes(value: Bytes): Uint8Array {
  return typeof value === 'string' ? encoder.encode(value) : value;
}

/** Decode bytes as UTF-8 (invalid sequences become U+FFFD). */
export function toText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Bytewise comparison, as etcd orders keys: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** True when both byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The range end that covers every key starting with `prefix` (etcd's GetPrefixRangeEnd): drop trailing
 * 0xff bytes and increment the last byte. When every byte is 0xff (or the prefix is empty) the answer is
 * "\0", meaning "to the end of the keyspace".
 */
export function prefixEnd(prefix: Bytes): Uint8Array {
  const p = toBytes(prefix);
  for (let i = p.length - 1; i >= 0; i--) {
    if (p[i]! < 0xff) {
      // Uint8Array's slice copies; Buffer's would be a view, and the increment would corrupt the caller's bytes.
      const end = Uint8Array.prototype.slice.call(p, 0, i + 1);
      end[i]! += 1;
      return end;
    }
  }
  return ZERO_KEY;
}

/** `{ key, rangeEnd }` covering every key with this prefix; an empty prefix means all keys. */
export function prefixRange(prefix: Bytes): { key: Uint8Array; rangeEnd: Uint8Array } {
  const key = toBytes(prefix);
  return key.length === 0 ? { key: ZERO_KEY, rangeEnd: ZERO_KEY } : { key, rangeEnd: prefixEnd(key) };
}

/** `{ key, rangeEnd }` covering every key ≥ `key`; an empty key means all keys. */
export function fromKeyRange(key: Bytes): { key: Uint8Array; rangeEnd: Uint8Array } {
  const k = toBytes(key);
  return { key: k.length === 0 ? ZERO_KEY : k, rangeEnd: ZERO_KEY };
}

/** Lease ID as etcd's concurrency package writes it into keys: lowercase, unpadded hex. */
export function leaseHex(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16);
}
