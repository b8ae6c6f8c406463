/**
 * Client-side checks shared by every backend: they reject what etcd could never receive (wrong types,
 * non-integer numbers) with an {@link InvalidArgumentError} that says what was received. Checks that etcd
 * itself makes (empty keys, sort enums, txn rules) live with the semantics, not here.
 */

import { InvalidArgumentError, InvalidSortOptionError } from '../interface/errors.js';
import type { Bytes, SortOrder, SortTarget } from '../interface/kv.js';
import { toBytes } from './bytes.js';

/** Short printable description of a received value, for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `array(${value.length})`;
  if (typeof value === 'object') return `object ${value.constructor?.name ?? 'Object'}`;
  return `${typeof value} ${String(value)}`;
}

/** A key or value: a string or Uint8Array, returned as bytes. */
export function bytesArg(name: string, value: unknown): Uint8Array {
  if (typeof value === 'string' || value instanceof Uint8Array) return toBytes(value as Bytes);
  throw new InvalidArgumentError(`${name} must be a string or Uint8Array, received ${describe(value)}`);
}

/** An optional key or value: undefined stays undefined. */
export function optionalBytesArg(name: string, value: unknown): Uint8Array | undefined {
  return value === undefined ? undefined : bytesArg(name, value);
}

/** An integer that fits int64 semantics as a safe JS number (revisions, limits, versions). */
export function intArg(name: string, value: unknown, fallback = 0): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new InvalidArgumentError(`${name} must be a safe integer, received ${describe(value)}`);
}

/** A lease ID: a bigint in int64 range. */
export function leaseArg(name: string, value: unknown, fallback = 0n): bigint {
  if (value === undefined) return fallback;
  if (typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n) return value;
  throw new InvalidArgumentError(`${name} must be a bigint in int64 range, received ${describe(value)}`);
}

/** A boolean option; undefined means false. */
export function boolArg(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  throw new InvalidArgumentError(`${name} must be a boolean, received ${describe(value)}`);
}

const SORT_ORDERS: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const SORT_TARGETS: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];

/**
 * Sort options, with etcd 3.5's rule: anything outside the enums is "invalid sort option". (A 3.4 server
 * crashes on an unknown sort target, so every backend must check this before sending.)
 */
export function sortArgs(order: unknown, target: unknown): { order: SortOrder; target: SortTarget } {
  const o = (order ?? 'NONE') as SortOrder;
  const t = (target ?? 'KEY') as SortTarget;
  if (!SORT_ORDERS.includes(o) || !SORT_TARGETS.includes(t)) throw new InvalidSortOptionError();
  return { order: o, target: t };
}

/** An object argument (a request). */
export function requestArg<T>(name: string, value: T): T {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`${name} must be a request object, received ${describe(value)}`);
  }
  return value;
}
