/**
 * The backend space quota, as etcd 3.4's backendQuota computes it: a write request's cost (a put: 256
 * bytes of overhead plus its key and value; a txn: the larger of its two branches' direct puts — nested
 * txns count nothing; a lease grant: 64) must fit under the quota on top of the db size, or the request
 * is refused with NOSPACE and the NOSPACE alarm is raised. Requests that cost nothing always pass.
 */

import { describe } from '../../common/validate.js';
import { InvalidArgumentError } from '../../interface/errors.js';
import type { ParsedOp, ParsedPut, ParsedTxn } from '../request.js';

/** etcd's default quota: 2 GiB. */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;
/** etcd's estimate of a key's metadata. */
const KV_OVERHEAD = 256;
/** etcd's estimate of a lease. */
export const LEASE_COST = 64;

/** The quota in bytes from the `quotaBackendBytes` option: 0 or absent is the default, negative is none. */
export function quotaBytes(option: unknown): number {
  if (option === undefined || option === 0) return DEFAULT_QUOTA_BYTES;
  if (typeof option !== 'number' || !Number.isSafeInteger(option)) {
    throw new InvalidArgumentError(`quotaBackendBytes must be a safe integer, received ${describe(option)}`);
  }
  return option < 0 ? Number.POSITIVE_INFINITY : option;
}

/** A put's cost. */
export function putCost(p: Pick<ParsedPut, 'key' | 'value'>): number {
  return KV_OVERHEAD + p.key.length + p.value.length;
}

function branchCost(ops: readonly ParsedOp[]): number {
  let cost = 0;
  for (const op of ops) if (op.kind === 'put') cost += putCost(op);
  return cost;
}

/** A txn's cost: its costlier branch's direct puts. */
export function txnCost(t: ParsedTxn): number {
  return Math.max(branchCost(t.success), branchCost(t.failure));
}

/** True when a request of `cost` fits: free requests always, others strictly under the quota. */
export function fits(dbSize: number, cost: number, quota: number): boolean {
  return cost === 0 || dbSize + cost < quota;
}
