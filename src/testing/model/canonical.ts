/**
 * Canonical forms of responses, for comparing a backend's answer with the model's: only what etcd
 * specifies is kept (header.revision, not cluster/member IDs or raft term; nested txn headers dropped;
 * the order of sort ties made canonical; lease lists and TimeToLive keys sorted).
 */

import type { EtcdError } from '../../interface/errors.js';
import type {
  KeyValue,
  RangeRequest,
  RangeResponse,
  RequestOp,
  ResponseOp,
  SortTarget,
  TxnRequest,
  TxnResponse,
} from '../../interface/kv.js';
import type { LeaseLeasesResponse, LeaseTimeToLiveResponse } from '../../interface/lease.js';
import { keyString } from './keys.js';
import { compareBy } from './range.js';
import type { ModelRequest, ModelResponse } from './types.js';

/** A KeyValue as a comparable tuple: key, value (binary strings), create, mod, version, lease. */
export function canonicalKv(kv: KeyValue | undefined): string | null {
  if (!kv) return null;
  return JSON.stringify([
    keyString(kv.key),
    keyString(kv.value),
    kv.createRevision,
    kv.modRevision,
    kv.version,
    String(kv.lease),
  ]);
}

/** An error by class name, gRPC code and message. */
export function canonicalError(error: EtcdError): { error: string; grpcCode: number; message: string } {
  return { error: error.name, grpcCode: error.grpcCode, message: error.message };
}

/** Range kvs with sort ties in key order; a tie run cut by `limit` is reduced to its sort values. */
function canonicalRangeKvs(
  request: RangeRequest,
  response: Omit<RangeResponse, 'header'>,
): (string | null)[] {
  const target: SortTarget = request.sortTarget ?? 'KEY';
  if (target === 'KEY') return response.kvs.map(canonicalKv);
  const runs: KeyValue[][] = [];
  for (const kv of response.kvs) {
    const run = runs[runs.length - 1];
    if (run && compareBy(run[0]!, kv, target) === 0) run.push(kv);
    else runs.push([kv]);
  }
  const out: (string | null)[] = [];
  runs.forEach((run, i) => {
    if (response.more && i === runs.length - 1) {
      // Which tied keys made it under the limit is unspecified: compare only their sort value.
      for (const kv of run) out.push(`tie:${sortKey(kv, target)}`);
      return;
    }
    for (const kv of [...run].sort((a, b) => (keyString(a.key) < keyString(b.key) ? -1 : 1)))
      out.push(canonicalKv(kv));
  });
  return out;
}

function sortKey(kv: KeyValue, target: SortTarget): string {
  if (target === 'VALUE') return keyString(kv.value);
  if (target === 'VERSION') return String(kv.version);
  if (target === 'CREATE') return String(kv.createRevision);
  return String(kv.modRevision);
}

function canonicalRange(request: RangeRequest, r: Omit<RangeResponse, 'header'>) {
  return { count: r.count, more: r.more, kvs: canonicalRangeKvs(request, r) };
}

function canonicalTxnBody(request: TxnRequest, response: Omit<TxnResponse, 'header'>): unknown {
  const ops: readonly RequestOp[] = (response.succeeded ? request.success : request.failure) ?? [];
  return {
    succeeded: response.succeeded,
    responses: response.responses.map((r, i) => canonicalOp(ops[i], r)),
  };
}

function canonicalOp(op: RequestOp | undefined, r: ResponseOp): unknown {
  if ('responseRange' in r) {
    const req = op && 'requestRange' in op ? op.requestRange : { key: '' };
    return { range: canonicalRange(req, r.responseRange) };
  }
  if ('responsePut' in r) return { put: canonicalKv(r.responsePut.prevKv) };
  if ('responseDeleteRange' in r) {
    return { delete: r.responseDeleteRange.deleted, prevKvs: r.responseDeleteRange.prevKvs.map(canonicalKv) };
  }
  const req = op && 'requestTxn' in op ? op.requestTxn : {};
  return { txn: canonicalTxnBody(req, r.responseTxn) };
}

/** The canonical form of a response (or error) to `request`, as a JSON string. */
export function canonicalResponse(request: ModelRequest, response: ModelResponse): string {
  if (!response.ok) return JSON.stringify(canonicalError(response.error));
  const v = response.value as unknown as Record<string, unknown> & { header?: { revision: number } };
  const rev = v.header?.revision;
  let body: unknown;
  switch (request.type) {
    case 'range':
      body = canonicalRange(request.request, v as unknown as RangeResponse);
      break;
    case 'put':
      body = { prevKv: canonicalKv((v as { prevKv?: KeyValue }).prevKv) };
      break;
    case 'deleteRange':
      body = { deleted: v.deleted, prevKvs: (v.prevKvs as KeyValue[]).map(canonicalKv) };
      break;
    case 'txn':
      body = canonicalTxnBody(request.request, v as unknown as TxnResponse);
      break;
    case 'compact':
    case 'leaseRevoke':
      body = {};
      break;
    case 'leaseGrant':
    case 'leaseKeepAlive':
      body = { id: String(v.id), ttl: v.ttl };
      break;
    case 'leaseTimeToLive': {
      const t = v as unknown as LeaseTimeToLiveResponse;
      body = { id: String(t.id), ttl: t.ttl, grantedTtl: t.grantedTtl, keys: t.keys.map(keyString).sort() };
      break;
    }
    case 'leaseLeases':
      body = { ids: (v as unknown as LeaseLeasesResponse).leases.map((l) => String(l.id)).sort() };
      break;
    case 'advance':
      body = { expired: (v.expired as bigint[]).map(String) };
      break;
  }
  return JSON.stringify({ rev, ...(body as object) });
}
