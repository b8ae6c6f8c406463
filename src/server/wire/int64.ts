/**
 * int64 and uint64 on the wire. protobufjs decodes them as `Long`; the store takes revisions as numbers
 * and lease IDs as bigints. Revisions and limits beyond 2^53 are clamped (a revision that large is a
 * future revision either way, a limit that large is no limit), so no wire value is ever rounded into a
 * different valid one.
 */

import protobuf from 'protobufjs/light.js';

/** protobufjs's Long class. */
export const Long = protobuf.util.Long;
/** A decoded 64-bit integer: a Long, or a number when it was small enough to be sent as one. */
export type Int64 = protobuf.Long | number;

/** A wire int64 as a number, clamped to ±(2^53 − 1). */
export function toNumber(v: Int64 | undefined): number {
  if (v === undefined) return 0;
  const n = typeof v === 'number' ? v : (v.unsigned ? v.high >>> 0 : v.high) * 4294967296 + (v.low >>> 0);
  if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (n < Number.MIN_SAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
  return n;
}

/** A wire int64 as an exact signed bigint (lease IDs). */
export function toBigint(v: Int64 | undefined): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(v);
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return BigInt.asIntN(64, bits);
}

/** A bigint as a wire int64 (its two's complement bits). */
export function fromBigint(v: bigint): protobuf.Long {
  const bits = BigInt.asUintN(64, v);
  return new Long(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, false);
}

/** A bigint as a wire uint64 (member and cluster IDs). */
export function fromBigintUnsigned(v: bigint): protobuf.Long {
  const bits = BigInt.asUintN(64, v);
  return new Long(Number(bits & 0xffffffffn) | 0, Number(bits >> 32n) | 0, true);
}
