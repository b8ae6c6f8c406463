/**
 * etcd3's proto objects → the interface's responses. Every int64 goes through a checked conversion
 * (PrecisionLossError above 2^53 − 1); IDs become bigint; keys lose the namespace prefix.
 */

import type {
  DeleteRangeResponse,
  KeyValue,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  ResponseOp,
  TxnResponse,
} from '../interface/kv.js';
import type { WatchEvent, WatchResponse } from '../interface/watch.js';
import type { Namespace } from './namespace.js';
import { toBigInt, toSafeNumber } from './numbers.js';

/** A decoded proto message (etcd3 loads with longs as strings, enums as names, defaults filled). */
// biome-ignore lint/suspicious/noExplicitAny: proto objects are untyped at this boundary
export type Wire = any;

const EMPTY = new Uint8Array(0);

function bytes(value: Wire): Uint8Array {
  return value instanceof Uint8Array ? value : EMPTY;
}

/** ResponseHeader. */
export function decodeHeader(h: Wire): ResponseHeader {
  return {
    revision: toSafeNumber('header.revision', h?.revision),
    clusterId: toBigInt(h?.cluster_id),
    memberId: toBigInt(h?.member_id),
    raftTerm: toSafeNumber('header.raft_term', h?.raft_term),
  };
}

/** mvccpb.KeyValue. */
export function decodeKv(ns: Namespace, kv: Wire): KeyValue {
  return {
    key: ns.strip(bytes(kv.key)),
    value: bytes(kv.value),
    createRevision: toSafeNumber('kv.create_revision', kv.create_revision),
    modRevision: toSafeNumber('kv.mod_revision', kv.mod_revision),
    version: toSafeNumber('kv.version', kv.version),
    lease: BigInt.asIntN(64, toBigInt(kv.lease)),
  };
}

/** RangeResponse. */
export function decodeRange(ns: Namespace, r: Wire): RangeResponse {
  return {
    header: decodeHeader(r.header),
    kvs: (r.kvs ?? []).map((kv: Wire) => decodeKv(ns, kv)),
    more: Boolean(r.more),
    count: toSafeNumber('range.count', r.count),
  };
}

/** PutResponse. */
export function decodePut(ns: Namespace, r: Wire): PutResponse {
  const out: PutResponse = { header: decodeHeader(r.header) };
  if (r.prev_kv) out.prevKv = decodeKv(ns, r.prev_kv);
  return out;
}

/** DeleteRangeResponse. */
export function decodeDeleteRange(ns: Namespace, r: Wire): DeleteRangeResponse {
  return {
    header: decodeHeader(r.header),
    deleted: toSafeNumber('deleteRange.deleted', r.deleted),
    prevKvs: (r.prev_kvs ?? []).map((kv: Wire) => decodeKv(ns, kv)),
  };
}

/** TxnResponse (nested ones included). */
export function decodeTxn(ns: Namespace, r: Wire): TxnResponse {
  return {
    header: decodeHeader(r.header),
    succeeded: Boolean(r.succeeded),
    responses: (r.responses ?? []).map((op: Wire) => decodeOp(ns, op)),
  };
}

function decodeOp(ns: Namespace, op: Wire): ResponseOp {
  if (op.response_range) return { responseRange: decodeRange(ns, op.response_range) };
  if (op.response_put) return { responsePut: decodePut(ns, op.response_put) };
  if (op.response_delete_range)
    return { responseDeleteRange: decodeDeleteRange(ns, op.response_delete_range) };
  if (op.response_txn) return { responseTxn: decodeTxn(ns, op.response_txn) };
  throw new TypeError(`etcd returned a ResponseOp with no response set: ${JSON.stringify(Object.keys(op))}`);
}

/** mvccpb.Event; etcd3 decodes the type as its CamelCase name ("Put"/"Delete"). */
export function decodeEvent(ns: Namespace, e: Wire): WatchEvent {
  const type = e.type === 'Delete' || e.type === 1 || e.type === 'DELETE' ? 'DELETE' : 'PUT';
  const out: WatchEvent = { type, kv: decodeKv(ns, e.kv ?? {}) };
  if (e.prev_kv) out.prevKv = decodeKv(ns, e.prev_kv);
  return out;
}

/** WatchResponse, with the watch ID the consumer knows. */
export function decodeWatchResponse(r: Wire, watchId: number, events: WatchEvent[]): WatchResponse {
  return {
    header: decodeHeader(r.header),
    watchId,
    created: Boolean(r.created),
    canceled: Boolean(r.canceled),
    compactRevision: toSafeNumber('watch.compact_revision', r.compact_revision),
    cancelReason: r.cancel_reason ?? '',
    fragment: Boolean(r.fragment),
    events,
  };
}
