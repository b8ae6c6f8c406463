/**
 * KV messages between the wire and the store's request types. Absent and default fields stay absent, so
 * the store sees what a direct caller would send.
 *
 * One wire detail has no counterpart in the typed API: a range_end that is present but empty. etcd reads
 * it as "every key from key on" on read paths (Range, and the compares and ranges of a read-only txn)
 * and as a single key on write paths (semantics §12); on read paths it becomes "\0" here.
 */

import type {
  CompactionRequest,
  CompactionResponse,
  Compare,
  CompareResult,
  CompareTarget,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  SortOrder,
  SortTarget,
  TxnRequest,
  TxnResponse,
} from '../../interface/kv.js';
import { type UnknownCompareEnums, unknownCompareEnums } from '../../memory-backend/request.js';
import {
  bigintOf,
  boolOf,
  bytesOf,
  enumOf,
  type HeaderEncoder,
  keyValueOut,
  listOf,
  messageOf,
  numberOf,
  present,
  type WireMessage,
} from './message.js';

const SORT_ORDERS: readonly SortOrder[] = ['NONE', 'ASCEND', 'DESCEND'];
const SORT_TARGETS: readonly SortTarget[] = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];
const COMPARE_RESULTS: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];
const COMPARE_TARGETS: readonly CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'];
const FROM_KEY = new Uint8Array([0]);

/** A range_end field: absent stays absent; present-but-empty means from-key on read paths. */
function rangeEndIn(m: WireMessage, readPath: boolean): Uint8Array | undefined {
  if (!present(m, 'range_end')) return undefined;
  const end = bytesOf(m, 'range_end');
  if (end.length > 0) return end;
  return readPath ? FROM_KEY : undefined;
}

/**
 * An enum outside its values passes through as its number, for the store to reject as etcd does
 * (an unknown sort option is "invalid sort option").
 */
function enumIn<T extends string>(values: readonly T[], n: number): T {
  return (values[n] ?? n) as T;
}

/** RangeRequest from the wire. */
export function rangeIn(m: WireMessage, readPath = true): RangeRequest {
  const r: RangeRequest = { key: bytesOf(m, 'key') };
  const end = rangeEndIn(m, readPath);
  if (end !== undefined) r.rangeEnd = end;
  const limit = numberOf(m, 'limit');
  if (limit !== 0) r.limit = limit;
  const revision = numberOf(m, 'revision');
  if (revision !== 0) r.revision = revision;
  const order = enumOf(m, 'sort_order');
  if (order !== 0) r.sortOrder = enumIn(SORT_ORDERS, order);
  const target = enumOf(m, 'sort_target');
  if (target !== 0) r.sortTarget = enumIn(SORT_TARGETS, target);
  if (boolOf(m, 'serializable')) r.serializable = true;
  if (boolOf(m, 'keys_only')) r.keysOnly = true;
  if (boolOf(m, 'count_only')) r.countOnly = true;
  const minMod = numberOf(m, 'min_mod_revision');
  if (minMod !== 0) r.minModRevision = minMod;
  const maxMod = numberOf(m, 'max_mod_revision');
  if (maxMod !== 0) r.maxModRevision = maxMod;
  const minCreate = numberOf(m, 'min_create_revision');
  if (minCreate !== 0) r.minCreateRevision = minCreate;
  const maxCreate = numberOf(m, 'max_create_revision');
  if (maxCreate !== 0) r.maxCreateRevision = maxCreate;
  return r;
}

/** PutRequest from the wire. */
export function putIn(m: WireMessage): PutRequest {
  const r: PutRequest = { key: bytesOf(m, 'key') };
  const value = bytesOf(m, 'value');
  if (value.length > 0) r.value = value;
  const lease = bigintOf(m, 'lease');
  if (lease !== 0n) r.lease = lease;
  if (boolOf(m, 'prev_kv')) r.prevKv = true;
  if (boolOf(m, 'ignore_value')) r.ignoreValue = true;
  if (boolOf(m, 'ignore_lease')) r.ignoreLease = true;
  return r;
}

/** DeleteRangeRequest from the wire. */
export function deleteIn(m: WireMessage): DeleteRangeRequest {
  const r: DeleteRangeRequest = { key: bytesOf(m, 'key') };
  const end = rangeEndIn(m, false);
  if (end !== undefined) r.rangeEnd = end;
  if (boolOf(m, 'prev_kv')) r.prevKv = true;
  return r;
}

function compareIn(m: WireMessage, readPath: boolean): Compare {
  const resultNum = enumOf(m, 'result');
  const targetNum = enumOf(m, 'target');
  const result = COMPARE_RESULTS[resultNum];
  const target = COMPARE_TARGETS[targetNum];
  const base = { key: bytesOf(m, 'key'), result: result ?? 'EQUAL' } as Compare;
  const end = rangeEndIn(m, readPath);
  if (end !== undefined) base.rangeEnd = end;
  if (result === undefined || target === undefined) {
    // etcd accepts numbers its enums do not define; the store applies its rule for them.
    const unknown: UnknownCompareEnums = {};
    if (result === undefined) unknown.result = resultNum;
    if (target === undefined) unknown.target = targetNum;
    const compare = { ...base, target: target ?? 'VERSION', version: 0, [unknownCompareEnums]: unknown };
    return compare as unknown as Compare;
  }
  // The operand is a oneof: a getter for another member than the target reads 0, as in Go.
  switch (target) {
    case 'VERSION':
      return { ...base, target, version: numberOf(m, 'version') };
    case 'CREATE':
      return { ...base, target, createRevision: numberOf(m, 'create_revision') };
    case 'MOD':
      return { ...base, target, modRevision: numberOf(m, 'mod_revision') };
    case 'VALUE':
      return { ...base, target, value: bytesOf(m, 'value') };
    case 'LEASE':
      return { ...base, target, lease: bigintOf(m, 'lease') };
  }
}

function opIn(m: WireMessage, readPath: boolean): RequestOp {
  const range = messageOf(m, 'request_range');
  if (range !== undefined) return { requestRange: rangeIn(range, readPath) };
  const put = messageOf(m, 'request_put');
  if (put !== undefined) return { requestPut: putIn(put) };
  const del = messageOf(m, 'request_delete_range');
  if (del !== undefined) return { requestDeleteRange: deleteIn(del) };
  const txn = messageOf(m, 'request_txn');
  if (txn !== undefined) return { requestTxn: txnIn(txn, readPath) };
  return {} as RequestOp; // nothing set: etcd answers "key not found"
}

/**
 * False only when every op of both branches is a range: etcd's isTxnReadonly, negated. A nested txn,
 * even one that only reads, puts the whole txn on the write path.
 */
function txnWrites(m: WireMessage): boolean {
  for (const branch of ['success', 'failure']) {
    for (const op of listOf(m, branch)) if (messageOf(op, 'request_range') === undefined) return true;
  }
  return false;
}

/** TxnRequest from the wire. */
export function txnIn(m: WireMessage, readPath = !txnWrites(m)): TxnRequest {
  const r: TxnRequest = {};
  const compare = listOf(m, 'compare');
  if (compare.length > 0) r.compare = compare.map((c) => compareIn(c, readPath));
  const success = listOf(m, 'success');
  if (success.length > 0) r.success = success.map((op) => opIn(op, readPath));
  const failure = listOf(m, 'failure');
  if (failure.length > 0) r.failure = failure.map((op) => opIn(op, readPath));
  return r;
}

/** CompactionRequest from the wire. */
export function compactIn(m: WireMessage): CompactionRequest {
  const r: CompactionRequest = { revision: numberOf(m, 'revision') };
  if (boolOf(m, 'physical')) r.physical = true;
  return r;
}

/** RangeResponse to the wire; `inner` for a response inside a txn (revision-only header). */
export function rangeOut(h: HeaderEncoder, r: RangeResponse, inner = false): WireMessage {
  const out: WireMessage = { header: inner ? h.revisionOnly(r.header) : h.full(r.header) };
  if (r.kvs.length > 0) out.kvs = r.kvs.map(keyValueOut);
  if (r.more) out.more = true;
  if (r.count !== 0) out.count = r.count;
  return out;
}

/** PutResponse to the wire. */
export function putOut(h: HeaderEncoder, r: PutResponse, inner = false): WireMessage {
  const out: WireMessage = { header: inner ? h.revisionOnly(r.header) : h.full(r.header) };
  if (r.prevKv !== undefined) out.prev_kv = keyValueOut(r.prevKv);
  return out;
}

/** DeleteRangeResponse to the wire. */
export function deleteOut(h: HeaderEncoder, r: DeleteRangeResponse, inner = false): WireMessage {
  const out: WireMessage = { header: inner ? h.revisionOnly(r.header) : h.full(r.header) };
  if (r.deleted !== 0) out.deleted = r.deleted;
  if (r.prevKvs.length > 0) out.prev_kvs = r.prevKvs.map(keyValueOut);
  return out;
}

function responseOpOut(h: HeaderEncoder, op: ResponseOp): WireMessage {
  if ('responseRange' in op) return { response_range: rangeOut(h, op.responseRange, true) };
  if ('responsePut' in op) return { response_put: putOut(h, op.responsePut, true) };
  if ('responseDeleteRange' in op) {
    return { response_delete_range: deleteOut(h, op.responseDeleteRange, true) };
  }
  return { response_txn: txnOut(h, op.responseTxn, true) };
}

/** TxnResponse to the wire. */
export function txnOut(h: HeaderEncoder, r: TxnResponse, inner = false): WireMessage {
  const out: WireMessage = { header: inner ? h.revisionOnly(r.header) : h.full(r.header) };
  if (r.succeeded) out.succeeded = true;
  if (r.responses.length > 0) out.responses = r.responses.map((op) => responseOpOut(h, op));
  return out;
}

/** CompactionResponse to the wire. */
export function compactOut(h: HeaderEncoder, r: CompactionResponse): WireMessage {
  return { header: h.full(r.header) };
}
