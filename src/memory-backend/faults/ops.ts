/**
 * The requests a client sends, as faults name them, and how the etcd backend classifies each: a write
 * (never resent; UnknownOutcomeError once sent and unanswered) or a read (retried until its deadline).
 */

import { toBytes } from '../../common/bytes.js';
import { describe } from '../../common/validate.js';
import { InvalidArgumentError } from '../../interface/errors.js';
import type { Bytes, RequestOp, TxnRequest } from '../../interface/kv.js';

/** One kind of request a client sends. */
export type FaultOp =
  | 'range'
  | 'put'
  | 'deleteRange'
  | 'txn'
  | 'compact'
  | 'leaseGrant'
  | 'leaseRevoke'
  | 'leaseKeepAlive'
  | 'leaseTimeToLive'
  | 'leaseLeases'
  | 'status'
  | 'alarm'
  | 'hash'
  | 'hashKv'
  | 'defragment'
  | 'snapshot'
  | 'moveLeader';

/** A kind of request, or a class of them: every read, every write, or every request. */
export type OpSelector = FaultOp | 'read' | 'write' | 'any';

const OPS: ReadonlySet<string> = new Set<OpSelector>([
  'range',
  'put',
  'deleteRange',
  'txn',
  'compact',
  'leaseGrant',
  'leaseRevoke',
  'leaseKeepAlive',
  'leaseTimeToLive',
  'leaseLeases',
  'status',
  'alarm',
  'hash',
  'hashKv',
  'defragment',
  'snapshot',
  'moveLeader',
  'read',
  'write',
  'any',
]);

/** `value` as an {@link OpSelector}, or InvalidArgumentError naming the choices. */
export function opSelectorArg(name: string, value: unknown): OpSelector {
  if (typeof value === 'string' && OPS.has(value)) return value as OpSelector;
  throw new InvalidArgumentError(
    `${name} must be one of ${[...OPS].join(', ')}; received ${describe(value)}`,
  );
}

/** True when `selector` covers a request of kind `op` (`write` as the etcd backend classifies it). */
export function opMatches(selector: OpSelector, op: FaultOp, write: boolean): boolean {
  if (selector === 'any') return true;
  if (selector === 'write') return write;
  if (selector === 'read') return !write && op !== 'leaseKeepAlive';
  return selector === op;
}

/** True when the etcd backend treats this request as a write: never resent once sent. */
export function isWrite(op: FaultOp, request: unknown): boolean {
  switch (op) {
    case 'put':
    case 'deleteRange':
    case 'compact':
    case 'leaseGrant':
    case 'leaseRevoke':
    case 'defragment':
    case 'moveLeader':
      return true;
    case 'alarm': // GET reads; ACTIVATE and DEACTIVATE change the alarms
      return (request as { action?: unknown } | undefined)?.action !== 'GET';
    case 'txn':
      return !isReadOnlyTxn(request as TxnRequest);
    default:
      return false;
  }
}

/** True for a txn with no put or delete on either branch, at any depth: the etcd backend retries it as a read. */
export function isReadOnlyTxn(request: TxnRequest): boolean {
  const ops = [...(request?.success ?? []), ...(request?.failure ?? [])];
  return ops.every((op: RequestOp) => {
    if (op === null || typeof op !== 'object') return true;
    if ('requestPut' in op || 'requestDeleteRange' in op) return false;
    if ('requestTxn' in op) return isReadOnlyTxn(op.requestTxn);
    return true;
  });
}

/** The keys a write request writes (a txn's puts and deletes on both branches), for prefix rules. */
export function writtenKeys(op: FaultOp, request: unknown): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const add = (key: unknown): void => {
    if (typeof key === 'string' || key instanceof Uint8Array) keys.push(toBytes(key as Bytes));
  };
  const walk = (txn: TxnRequest): void => {
    for (const o of [...(txn?.success ?? []), ...(txn?.failure ?? [])]) {
      if (o === null || typeof o !== 'object') continue;
      if ('requestPut' in o) add(o.requestPut?.key);
      else if ('requestDeleteRange' in o) add(o.requestDeleteRange?.key);
      else if ('requestTxn' in o) walk(o.requestTxn);
    }
  };
  if (request === null || typeof request !== 'object') return keys;
  if (op === 'put' || op === 'deleteRange') add((request as { key?: unknown }).key);
  else if (op === 'txn') walk(request as TxnRequest);
  return keys;
}

/** True when `key` starts with `prefix`. */
export function hasPrefix(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}
