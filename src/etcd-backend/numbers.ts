/**
 * Exact conversions for the int64 values etcd sends. etcd3's proto loader decodes int64/uint64 as
 * decimal strings; a bare Number() would round silently above 2^53 − 1.
 */

import { PrecisionLossError } from '../interface/errors.js';

const MAX = BigInt(Number.MAX_SAFE_INTEGER);
const MIN = -MAX;

/** A decimal int64 string (or number) as a JS number; throws PrecisionLossError when it does not fit. */
export function toSafeNumber(field: string, value: string | number | undefined | null): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
    throw new PrecisionLossError(`${field} ${value} is not exactly representable as a JavaScript number`);
  }
  const big = BigInt(value);
  if (big > MAX || big < MIN) {
    throw new PrecisionLossError(`${field} ${value} exceeds 2^53 − 1 and cannot be a JavaScript number`);
  }
  return Number(big);
}

/** A decimal int64 string as a bigint (lease IDs, member IDs). */
export function toBigInt(value: string | number | undefined | null): bigint {
  if (value === undefined || value === null || value === '') return 0n;
  return BigInt(value);
}

/** A uint64 ID as etcd's int64 view (lease IDs are signed in LeaseGrant, unsigned nowhere else). */
export function toInt64(value: string | number | undefined | null): bigint {
  return BigInt.asIntN(64, toBigInt(value));
}
