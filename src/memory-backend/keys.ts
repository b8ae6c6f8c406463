/**
 * Keys and values are stored as Latin-1 strings: one char per byte. JavaScript compares such strings
 * code unit by code unit, which is etcd's bytewise order, so they serve directly as B-tree and Map keys,
 * and V8 stores them one byte per char (lighter than a Uint8Array per value).
 */

import { describe } from '../common/validate.js';
import { InvalidArgumentError } from '../interface/errors.js';

const encoder = new TextEncoder();

/** A range end above every stored key: "to the end of the keyspace". */
export const KEY_INFINITY = '\u0100';

/** An empty byte array, shared (it has no bytes a caller could change). */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Bytes (or a UTF-8 string) as a Latin-1 storage string. Copies: a caller may change its array later. */
export function storeString(name: string, value: unknown): string {
  if (typeof value === 'string') {
    // An ASCII string is its own UTF-8 encoding, and so its own Latin-1 form. It is ASCII exactly when its
    // UTF-8 length equals its length (any other char takes 2+ bytes); the native count beats a regex.
    if (Buffer.byteLength(value, 'utf8') === value.length) return value;
    return latin1(encoder.encode(value));
  }
  if (value instanceof Uint8Array) return latin1(value);
  throw new InvalidArgumentError(`${name} must be a string or Uint8Array, received ${describe(value)}`);
}

/** Like {@link storeString}, with undefined meaning the empty string. */
export function optionalStoreString(name: string, value: unknown): string {
  return value === undefined ? '' : storeString(name, value);
}

function latin1(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

// Output bytes are carved from 8 KiB chunks (as Node's Buffer pool does) and filled by a native Latin-1
// write: about twice as fast as Buffer.from for short keys and values.
const CHUNK = 8192;
let chunk = new ArrayBuffer(CHUNK);
let chunkWriter = Buffer.from(chunk);
let chunkUsed = 0;

// Buffer#latin1Write is the native writer behind buf.write(s, off, len, 'latin1'), minus its dispatch.
type Latin1Writer = { latin1Write?(s: string, offset: number, length: number): number };
const hasLatin1Write = typeof (Buffer.prototype as Latin1Writer).latin1Write === 'function';

/** A storage string back as bytes (a plain Uint8Array, not a Buffer). */
export function toBytesOut(s: string): Uint8Array {
  const n = s.length;
  if (n === 0) return EMPTY_BYTES;
  if (n > CHUNK >>> 2) {
    const b = Buffer.from(s, 'latin1');
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  if (chunkUsed + n > CHUNK) {
    chunk = new ArrayBuffer(CHUNK);
    chunkWriter = Buffer.from(chunk);
    chunkUsed = 0;
  }
  if (hasLatin1Write) (chunkWriter as Latin1Writer).latin1Write!(s, chunkUsed, n);
  else chunkWriter.write(s, chunkUsed, n, 'latin1');
  const out = new Uint8Array(chunk, chunkUsed, n);
  chunkUsed += n;
  return out;
}

/** The two arrays {@link pairToBytesOut} made (reused: read them before the next call). */
export const pairOut: { first: Uint8Array; second: Uint8Array } = { first: EMPTY_BYTES, second: EMPTY_BYTES };

/** Two storage strings as bytes with one native write (a KeyValue's key and value). Results in {@link pairOut}. */
export function pairToBytesOut(a: string, b: string): void {
  const n = a.length + b.length;
  if (n > CHUNK >>> 2 || a.length === 0 || b.length === 0) {
    pairOut.first = toBytesOut(a);
    pairOut.second = toBytesOut(b);
    return;
  }
  if (chunkUsed + n > CHUNK) {
    chunk = new ArrayBuffer(CHUNK);
    chunkWriter = Buffer.from(chunk);
    chunkUsed = 0;
  }
  const joined = a + b;
  if (hasLatin1Write) (chunkWriter as Latin1Writer).latin1Write!(joined, chunkUsed, n);
  else chunkWriter.write(joined, chunkUsed, n, 'latin1');
  pairOut.first = new Uint8Array(chunk, chunkUsed, a.length);
  pairOut.second = new Uint8Array(chunk, chunkUsed + a.length, b.length);
  chunkUsed += n;
}

/**
 * Many storage strings as bytes at once: one native write of their concatenation into one buffer, then a
 * view per string (cheaper than a write per string for range results).
 */
export function manyToBytesOut(strings: readonly string[]): Uint8Array[] {
  let joined = '';
  for (const s of strings) joined += s;
  const total = joined.length;
  const out = new Array<Uint8Array>(strings.length);
  if (total === 0) {
    out.fill(EMPTY_BYTES);
    return out;
  }
  const buffer = new ArrayBuffer(total);
  const writer = Buffer.from(buffer);
  if (hasLatin1Write) (writer as Latin1Writer).latin1Write!(joined, 0, total);
  else writer.write(joined, 0, total, 'latin1');
  let offset = 0;
  for (let i = 0; i < strings.length; i++) {
    const n = strings[i]!.length;
    out[i] = n === 0 ? EMPTY_BYTES : new Uint8Array(buffer, offset, n);
    offset += n;
  }
  return out;
}

/**
 * A key range in storage strings: [start, end). `end` undefined means the single key `start`;
 * {@link KEY_INFINITY} means every key from `start` on. An `end` ≤ `start` is an empty range.
 */
export interface KeyRange {
  readonly start: string;
  readonly end: string | undefined;
}

/**
 * The range a request names, with etcd's conventions: absent or empty range end → one key; "\0" → from
 * key. (An empty range end is treated as absent, as the etcd backend must send it.)
 */
export function keyRange(start: string, rangeEnd: unknown): KeyRange {
  if (rangeEnd === undefined) return { start, end: undefined };
  const end = storeString('rangeEnd', rangeEnd);
  if (end === '') return { start, end: undefined };
  return { start, end: end === '\0' ? KEY_INFINITY : end };
}

/** True when `key` lies in `range`. */
export function inRange(range: KeyRange, key: string): boolean {
  return range.end === undefined ? key === range.start : key >= range.start && key < range.end;
}
