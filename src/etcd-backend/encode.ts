/**
 * Requests → etcd3's proto objects. Enums go as numbers (etcd3's proto names them in CamelCase and
 * silently encodes an unknown string as 0); an empty range end and proto3 defaults are omitted; int64s
 * go as decimal strings so lease IDs stay exact.
 */

import {
  boolArg,
  bytesArg,
  describe,
  intArg,
  leaseArg,
  optionalBytesArg,
  requestArg,
  sortArgs,
} from '../common/validate.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type {
  Compare,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  SortOrder,
  SortTarget,
  TxnRequest,
} from '../interface/kv.js';
import type { Namespace } from './namespace.js';

const SORT_ORDER: Record<SortOrder, number> = { NONE: 0, ASCEND: 1, DESCEND: 2 };
const SORT_TARGET: Record<SortTarget, number> = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 };
const COMPARE_RESULT = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;
const COMPARE_TARGET = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3, LEASE: 4 } as const;

/** A proto message as plain object. */
export type Msg = Record<string, unknown>;

/** Set `range_end` only when there is one. */
function withRangeEnd(msg: Msg, end: Buffer | undefined): Msg {
  if (end !== undefined) msg.range_end = end;
  return msg;
}

/**
 * Set `msg[name]` unless `value` is a proto3 default (0, false): etcd reads a missing field as its
 * default, and protobufjs would otherwise encode and send every one of them.
 */
function set(msg: Msg, name: string, value: number | boolean): void {
  if (value !== 0 && value !== false) msg[name] = value;
}

/** RangeRequest. */
export function encodeRange(ns: Namespace, raw: RangeRequest): Msg {
  const r = requestArg('range request', raw);
  const { order, target } = sortArgs(r.sortOrder, r.sortTarget);
  const msg: Msg = { key: ns.key(bytesArg('key', r.key)) };
  set(msg, 'limit', intArg('limit', r.limit));
  set(msg, 'revision', intArg('revision', r.revision));
  set(msg, 'sort_order', SORT_ORDER[order]);
  set(msg, 'sort_target', SORT_TARGET[target]);
  set(msg, 'serializable', boolArg('serializable', r.serializable));
  set(msg, 'keys_only', boolArg('keysOnly', r.keysOnly));
  set(msg, 'count_only', boolArg('countOnly', r.countOnly));
  set(msg, 'min_mod_revision', intArg('minModRevision', r.minModRevision));
  set(msg, 'max_mod_revision', intArg('maxModRevision', r.maxModRevision));
  set(msg, 'min_create_revision', intArg('minCreateRevision', r.minCreateRevision));
  set(msg, 'max_create_revision', intArg('maxCreateRevision', r.maxCreateRevision));
  return withRangeEnd(msg, ns.rangeEnd(optionalBytesArg('rangeEnd', r.rangeEnd)));
}

/** PutRequest. */
export function encodePut(ns: Namespace, raw: PutRequest): Msg {
  const r = requestArg('put request', raw);
  const msg: Msg = {
    key: ns.key(bytesArg('key', r.key)),
    value: Buffer.from(optionalBytesArg('value', r.value) ?? new Uint8Array()),
  };
  const lease = leaseArg('lease', r.lease);
  if (lease !== 0n) msg.lease = lease.toString();
  set(msg, 'prev_kv', boolArg('prevKv', r.prevKv));
  set(msg, 'ignore_value', boolArg('ignoreValue', r.ignoreValue));
  set(msg, 'ignore_lease', boolArg('ignoreLease', r.ignoreLease));
  return msg;
}

/** DeleteRangeRequest. */
export function encodeDeleteRange(ns: Namespace, raw: DeleteRangeRequest): Msg {
  const r = requestArg('deleteRange request', raw);
  const msg: Msg = { key: ns.key(bytesArg('key', r.key)) };
  set(msg, 'prev_kv', boolArg('prevKv', r.prevKv));
  return withRangeEnd(msg, ns.rangeEnd(optionalBytesArg('rangeEnd', r.rangeEnd)));
}

/** Compare. */
export function encodeCompare(ns: Namespace, raw: Compare): Msg {
  const c = requestArg('compare', raw);
  const result = COMPARE_RESULT[c.result as keyof typeof COMPARE_RESULT];
  const target = COMPARE_TARGET[c.target as keyof typeof COMPARE_TARGET];
  if (result === undefined || !Object.hasOwn(COMPARE_RESULT, c.result)) {
    throw new InvalidArgumentError(
      `compare.result must be one of ${Object.keys(COMPARE_RESULT).join(', ')}, received ${describe(c.result)}`,
    );
  }
  if (target === undefined || !Object.hasOwn(COMPARE_TARGET, c.target)) {
    throw new InvalidArgumentError(
      `compare.target must be one of ${Object.keys(COMPARE_TARGET).join(', ')}, received ${describe(c.target)}`,
    );
  }
  const msg: Msg = { key: ns.key(bytesArg('compare.key', c.key)), result, target };
  switch (c.target) {
    case 'VERSION':
      msg.version = intArg('compare.version', c.version);
      break;
    case 'CREATE':
      msg.create_revision = intArg('compare.createRevision', c.createRevision);
      break;
    case 'MOD':
      msg.mod_revision = intArg('compare.modRevision', c.modRevision);
      break;
    case 'VALUE':
      msg.value = Buffer.from(bytesArg('compare.value', c.value));
      break;
    case 'LEASE':
      msg.lease = leaseArg('compare.lease', c.lease).toString();
      break;
  }
  return withRangeEnd(msg, ns.rangeEnd(optionalBytesArg('compare.rangeEnd', c.rangeEnd)));
}

/** RequestOp; an op with nothing set goes as an empty op (etcd answers "key not found"). */
export function encodeOp(ns: Namespace, raw: RequestOp): Msg {
  const op = requestArg('txn op', raw) as Partial<Record<string, unknown>>;
  if (op.requestRange !== undefined)
    return { request_range: encodeRange(ns, op.requestRange as RangeRequest) };
  if (op.requestPut !== undefined) return { request_put: encodePut(ns, op.requestPut as PutRequest) };
  if (op.requestDeleteRange !== undefined) {
    return { request_delete_range: encodeDeleteRange(ns, op.requestDeleteRange as DeleteRangeRequest) };
  }
  if (op.requestTxn !== undefined) return { request_txn: encodeTxn(ns, op.requestTxn as TxnRequest) };
  return {};
}

function listArg<T>(name: string, value: T[] | undefined): T[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  throw new InvalidArgumentError(`${name} must be an array, received ${describe(value)}`);
}

/** TxnRequest (nested txns included). */
export function encodeTxn(ns: Namespace, raw: TxnRequest): Msg {
  const t = requestArg('txn request', raw);
  return {
    compare: listArg('txn.compare', t.compare).map((c) => encodeCompare(ns, c)),
    success: listArg('txn.success', t.success).map((op) => encodeOp(ns, op)),
    failure: listArg('txn.failure', t.failure).map((op) => encodeOp(ns, op)),
  };
}

/** True when no branch of an encoded txn (nested ones included) writes: it can be retried safely. */
export function isReadOnlyTxn(txn: Msg): boolean {
  const ops = [...(txn.success as Msg[]), ...(txn.failure as Msg[])];
  return ops.every((op) => {
    if (op.request_put !== undefined || op.request_delete_range !== undefined) return false;
    if (op.request_txn !== undefined) return isReadOnlyTxn(op.request_txn as Msg);
    return true;
  });
}

const isFromKeyEnd = (end: unknown): boolean => end instanceof Uint8Array && end.length === 1 && end[0] === 0;

/**
 * True when an encoded txn holds the shape that crashes etcd 3.4.23 (docs/semantics.md §12): on one path, a put
 * with ignore_value or ignore_lease after a from-key delete (range_end "\0") covering its key. Checked
 * statically over every path, whether or not it would run.
 */
export function hasCrashingShape(txn: Msg): boolean {
  return walkBranch(txn.success as Msg[], []).crash || walkBranch(txn.failure as Msg[], []).crash;
}

function walkBranch(ops: Msg[], deletedFrom: Buffer[]): { crash: boolean; deletedFrom: Buffer[] } {
  let starts = deletedFrom;
  for (const op of ops) {
    const del = op.request_delete_range as Msg | undefined;
    const put = op.request_put as Msg | undefined;
    const nested = op.request_txn as Msg | undefined;
    if (del && isFromKeyEnd(del.range_end)) starts = [...starts, del.key as Buffer];
    if (put && (put.ignore_value || put.ignore_lease)) {
      const key = put.key as Buffer;
      if (starts.some((start) => Buffer.compare(key, start) >= 0))
        return { crash: true, deletedFrom: starts };
    }
    if (nested) {
      const a = walkBranch(nested.success as Msg[], starts);
      const b = walkBranch(nested.failure as Msg[], starts);
      if (a.crash || b.crash) return { crash: true, deletedFrom: starts };
      // Either branch may run: later ops must assume both branches' deletes happened.
      starts = [...new Set([...a.deletedFrom, ...b.deletedFrom])];
    }
  }
  return { crash: false, deletedFrom: starts };
}
