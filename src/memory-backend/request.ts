/**
 * Requests parsed into the store's form (Latin-1 strings, resolved ranges) in two passes, so both
 * backends fail alike: `parse*` rejects wrong JavaScript types (InvalidArgumentError, what a client
 * rejects before sending); `check*` then applies etcd's own request checks, in etcd's order.
 */

import { boolArg, describe, intArg, leaseArg, requestArg, sortArgs } from '../common/validate.js';
import {
  EmptyKeyError,
  InvalidArgumentError,
  KeyNotFoundError,
  LeaseProvidedError,
  TooManyOpsError,
  ValueProvidedError,
} from '../interface/errors.js';
import type {
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  SortOrder,
  SortTarget,
  TxnRequest,
} from '../interface/kv.js';
import { type KeyRange, keyRange, optionalStoreString, storeString } from './keys.js';
import { boolField, intField, lenField } from './request-size.js';

/** A parsed RangeRequest. */
export interface ParsedRange {
  readonly kind: 'range';
  readonly key: string;
  readonly range: KeyRange;
  readonly limit: number;
  readonly revision: number;
  readonly sortOrder: unknown;
  readonly sortTarget: unknown;
  readonly keysOnly: boolean;
  readonly countOnly: boolean;
  readonly minMod: number;
  readonly maxMod: number;
  readonly minCreate: number;
  readonly maxCreate: number;
  readonly serializable: boolean;
  /** Byte length of the range end as sent. */
  readonly endLength: number;
}

/** A parsed PutRequest. */
export interface ParsedPut {
  readonly kind: 'put';
  readonly key: string;
  readonly value: string;
  readonly lease: bigint;
  readonly prevKv: boolean;
  readonly ignoreValue: boolean;
  readonly ignoreLease: boolean;
  readonly size: number;
}

/** A parsed DeleteRangeRequest. */
export interface ParsedDelete {
  readonly kind: 'delete';
  readonly key: string;
  readonly range: KeyRange;
  readonly prevKv: boolean;
  readonly size: number;
}

/**
 * Enum numbers etcd's API does not define, on a compare decoded from the wire. etcd accepts them: an
 * unknown target compares every key as equal, an unknown result always holds (its compareKV). The typed
 * API refuses them, so only the server's wire layer puts them on a compare, under this symbol.
 */
export const unknownCompareEnums = Symbol('unknown compare enums');

/** What {@link unknownCompareEnums} holds; a number given here replaces the compare's target or result. */
export interface UnknownCompareEnums {
  target?: number;
  result?: number;
}

/** A parsed Compare; a number is an unknown target or result from the wire. */
export interface ParsedCompare {
  readonly key: string;
  readonly range: KeyRange;
  readonly target: CompareTarget | number;
  readonly result: CompareResult | number;
  /** The operand for VERSION, CREATE, MOD and LEASE. */
  readonly number: number | bigint;
  /** The operand for VALUE. */
  readonly value: string;
  readonly size: number;
}

/** A RequestOp with nothing set (etcd: "key not found"). */
export interface ParsedEmptyOp {
  readonly kind: 'empty';
  readonly size: 0;
}

/** A parsed TxnRequest. */
export interface ParsedTxn {
  readonly kind: 'txn';
  readonly compare: ParsedCompare[];
  readonly success: ParsedOp[];
  readonly failure: ParsedOp[];
  /**
   * False only when every op of both branches is a range (etcd's isTxnReadonly). A nested txn makes a
   * write even if it only reads: etcd sends it through raft, so it meets the size limit.
   */
  readonly writes: boolean;
  readonly size: number;
}

/** One parsed RequestOp. */
export type ParsedOp = ParsedRange | ParsedPut | ParsedDelete | ParsedTxn | ParsedEmptyOp;

const SORT_ORDER_NUM: Record<string, number> = { NONE: 0, ASCEND: 1, DESCEND: 2 };
const SORT_TARGET_NUM: Record<string, number> = { KEY: 0, VERSION: 1, CREATE: 2, MOD: 3, VALUE: 4 };
const COMPARE_RESULT_NUM: Record<CompareResult, number> = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 };
const COMPARE_TARGET_NUM: Record<CompareTarget, number> = {
  VERSION: 0,
  CREATE: 1,
  MOD: 2,
  VALUE: 3,
  LEASE: 4,
};

function endSize(rangeEnd: unknown, tagSize = 1): number {
  return rangeEnd === undefined
    ? 0
    : lenField(optionalStoreString('rangeEnd', rangeEnd).length, false, tagSize);
}

/** Parse a RangeRequest (types only). */
export function parseRange(request: RangeRequest, name = 'range request'): ParsedRange {
  const r = requestArg(name, request);
  const key = storeString('key', r.key);
  const limit = intArg('limit', r.limit);
  const revision = intArg('revision', r.revision);
  const keysOnly = boolArg('keysOnly', r.keysOnly);
  const countOnly = boolArg('countOnly', r.countOnly);
  const serializable = boolArg('serializable', r.serializable);
  const minMod = intArg('minModRevision', r.minModRevision);
  const maxMod = intArg('maxModRevision', r.maxModRevision);
  const minCreate = intArg('minCreateRevision', r.minCreateRevision);
  const maxCreate = intArg('maxCreateRevision', r.maxCreateRevision);
  return {
    kind: 'range',
    key,
    range: keyRange(key, r.rangeEnd),
    limit,
    revision,
    sortOrder: r.sortOrder,
    sortTarget: r.sortTarget,
    keysOnly,
    countOnly,
    minMod,
    maxMod,
    minCreate,
    maxCreate,
    serializable,
    endLength: r.rangeEnd === undefined ? 0 : optionalStoreString('rangeEnd', r.rangeEnd).length,
  };
}

/** Protobuf size of a RangeRequest (only needed inside a txn that writes). */
export function rangeSize(r: ParsedRange): number {
  return (
    lenField(r.key.length) +
    lenField(r.endLength) +
    intField(r.limit) +
    intField(r.revision) +
    intField(SORT_ORDER_NUM[r.sortOrder as string] ?? 0) +
    intField(SORT_TARGET_NUM[r.sortTarget as string] ?? 0) +
    boolField(r.serializable) +
    boolField(r.keysOnly) +
    boolField(r.countOnly) +
    intField(r.minMod) +
    intField(r.maxMod) +
    intField(r.minCreate) +
    intField(r.maxCreate)
  );
}

const DEFAULT_SORT = { order: 'NONE', target: 'KEY' } as const;

/** etcd's checkRangeRequest: key present, sort options in the enums. Returns the sort options. */
export function checkRange(r: ParsedRange): { order: SortOrder; target: SortTarget } {
  if (r.key === '') throw new EmptyKeyError();
  if (r.sortOrder === undefined && r.sortTarget === undefined) return DEFAULT_SORT;
  return sortArgs(r.sortOrder, r.sortTarget);
}

/** Parse a PutRequest (types only). */
export function parsePut(request: PutRequest, name = 'put request'): ParsedPut {
  const r = requestArg(name, request);
  const key = storeString('key', r.key);
  const value = optionalStoreString('value', r.value);
  const lease = leaseArg('lease', r.lease);
  const prevKv = boolArg('prevKv', r.prevKv);
  const ignoreValue = boolArg('ignoreValue', r.ignoreValue);
  const ignoreLease = boolArg('ignoreLease', r.ignoreLease);
  const size =
    lenField(key.length) +
    lenField(value.length) +
    intField(lease) +
    boolField(prevKv) +
    boolField(ignoreValue) +
    boolField(ignoreLease);
  return { kind: 'put', key, value, lease, prevKv, ignoreValue, ignoreLease, size };
}

/** etcd's checkPutRequest. */
export function checkPut(p: ParsedPut): void {
  if (p.key === '') throw new EmptyKeyError();
  if (p.ignoreValue && p.value !== '') throw new ValueProvidedError();
  if (p.ignoreLease && p.lease !== 0n) throw new LeaseProvidedError();
}

/** Parse a DeleteRangeRequest (types only). */
export function parseDelete(request: DeleteRangeRequest, name = 'delete request'): ParsedDelete {
  const r = requestArg(name, request);
  const key = storeString('key', r.key);
  const prevKv = boolArg('prevKv', r.prevKv);
  const size = lenField(key.length) + endSize(r.rangeEnd) + boolField(prevKv);
  return { kind: 'delete', key, range: keyRange(key, r.rangeEnd), prevKv, size };
}

/** etcd's checkDeleteRequest. */
export function checkDelete(d: ParsedDelete): void {
  if (d.key === '') throw new EmptyKeyError();
}

function parseCompare(c: unknown): ParsedCompare {
  const r = requestArg('compare', c) as Record<string | symbol, unknown>;
  const key = storeString('compare key', r.key);
  const unknown = r[unknownCompareEnums] as UnknownCompareEnums | undefined;
  if (unknown?.target !== undefined || unknown?.result !== undefined)
    return parseUnknownCompare(r, key, unknown);
  const target = r.target as CompareTarget;
  const result = r.result as CompareResult;
  if (!(result in COMPARE_RESULT_NUM)) {
    throw new InvalidArgumentError(
      `compare result must be one of EQUAL, GREATER, LESS, NOT_EQUAL, received ${describe(result)}`,
    );
  }
  let number: number | bigint = 0;
  let value = '';
  let operandSize: number;
  switch (target) {
    case 'VERSION':
      number = intArg('compare version', r.version);
      operandSize = intField(number, true);
      break;
    case 'CREATE':
      number = intArg('compare createRevision', r.createRevision);
      operandSize = intField(number, true);
      break;
    case 'MOD':
      number = intArg('compare modRevision', r.modRevision);
      operandSize = intField(number, true);
      break;
    case 'LEASE':
      number = leaseArg('compare lease', r.lease);
      operandSize = intField(number, true);
      break;
    case 'VALUE':
      value = optionalStoreString('compare value', r.value);
      operandSize = lenField(value.length, true);
      break;
    default:
      throw new InvalidArgumentError(
        `compare target must be one of VERSION, CREATE, MOD, VALUE, LEASE, received ${describe(target)}`,
      );
  }
  const size =
    intField(COMPARE_RESULT_NUM[result]) +
    intField(COMPARE_TARGET_NUM[target]) +
    lenField(key.length) +
    operandSize +
    endSize(r.rangeEnd, 2);
  return { key, range: keyRange(key, r.rangeEnd), target, result, number, value, size };
}

/**
 * A compare with an unknown target or result. Its operand never matters (an unknown target reads none;
 * an unknown result ignores the comparison), so its size leaves the operand out.
 */
function parseUnknownCompare(
  r: Record<string | symbol, unknown>,
  key: string,
  unknown: UnknownCompareEnums,
): ParsedCompare {
  const target = unknown.target ?? (r.target as CompareTarget);
  const result = unknown.result ?? (r.result as CompareResult);
  const targetNum = typeof target === 'number' ? target : COMPARE_TARGET_NUM[target];
  const resultNum = typeof result === 'number' ? result : COMPARE_RESULT_NUM[result];
  if (!Number.isInteger(targetNum) || !Number.isInteger(resultNum)) {
    throw new InvalidArgumentError(
      `compare target and result must be known names or integers, received ${describe(target)} and ${describe(result)}`,
    );
  }
  const size = intField(resultNum) + intField(targetNum) + lenField(key.length) + endSize(r.rangeEnd, 2);
  return { key, range: keyRange(key, r.rangeEnd), target, result, number: 0, value: '', size };
}

function parseOp(op: unknown): ParsedOp {
  const o = requestArg('txn op', op) as Record<string, unknown>;
  const set = ['requestRange', 'requestPut', 'requestDeleteRange', 'requestTxn'].filter(
    (f) => o[f] !== undefined,
  );
  if (set.length > 1) {
    throw new InvalidArgumentError(`a txn op must set exactly one request, received ${set.join(' and ')}`);
  }
  if (o.requestRange !== undefined) return parseRange(o.requestRange as RangeRequest, 'requestRange');
  if (o.requestPut !== undefined) return parsePut(o.requestPut as PutRequest, 'requestPut');
  if (o.requestDeleteRange !== undefined) {
    return parseDelete(o.requestDeleteRange as DeleteRangeRequest, 'requestDeleteRange');
  }
  if (o.requestTxn !== undefined) return parseTxn(o.requestTxn as TxnRequest, 'requestTxn');
  return { kind: 'empty', size: 0 };
}

function arrayArg(name: string, value: unknown): unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  throw new InvalidArgumentError(`${name} must be an array, received ${describe(value)}`);
}

function opSize(op: ParsedOp): number {
  // A RequestOp holds its request in a oneof: tag + length even when the request is empty.
  if (op.kind === 'empty') return 0;
  return lenField(op.kind === 'range' ? rangeSize(op) : op.size, true);
}

/** Parse a TxnRequest (types only), nested txns included. */
export function parseTxn(request: TxnRequest, name = 'txn request'): ParsedTxn {
  const r = requestArg(name, request);
  const compare = arrayArg('compare', r.compare).map(parseCompare);
  const success = arrayArg('success', r.success).map(parseOp);
  const failure = arrayArg('failure', r.failure).map(parseOp);
  let size = 0;
  for (const c of compare) size += lenField(c.size, true);
  for (const op of success) size += lenField(opSize(op), true);
  for (const op of failure) size += lenField(opSize(op), true);
  const writes = [...success, ...failure].some((op) => op.kind !== 'range');
  return { kind: 'txn', compare, success, failure, writes, size };
}

/** etcd's checkTxnRequest: op budget (shared with nested txns), empty keys, each op's own checks. */
export function checkTxn(t: ParsedTxn, maxOps: number): void {
  const opc = Math.max(t.compare.length, t.success.length, t.failure.length);
  if (opc > maxOps) throw new TooManyOpsError();
  for (const c of t.compare) if (c.key === '') throw new EmptyKeyError();
  for (const op of t.success) checkOp(op, maxOps - opc);
  for (const op of t.failure) checkOp(op, maxOps - opc);
}

function checkOp(op: ParsedOp, maxOps: number): void {
  switch (op.kind) {
    case 'range':
      checkRange(op);
      return;
    case 'put':
      checkPut(op);
      return;
    case 'delete':
      checkDelete(op);
      return;
    case 'txn':
      checkTxn(op, maxOps);
      return;
    default:
      throw new KeyNotFoundError();
  }
}
