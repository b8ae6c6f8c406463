/** Range (docs/semantics.md §2): revision checks, count, filters, sort, limit, projection. */

import { compareBytes } from '../../common/bytes.js';
import {
  CompactedError,
  EmptyKeyError,
  FutureRevisionError,
  InvalidSortOptionError,
} from '../../interface/errors.js';
import type { KeyValue, RangeRequest, RangeResponse, SortTarget } from '../../interface/kv.js';
import { header, interval, keyString, kvsIn } from './keys.js';
import type { ModelState } from './types.js';

const ORDERS = ['NONE', 'ASCEND', 'DESCEND'];
const TARGETS = ['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'];

/** True when the request's sort target is outside the enum (crashes a 3.4 server). */
export function badSortTarget(request: RangeRequest): boolean {
  return request.sortTarget !== undefined && !TARGETS.includes(request.sortTarget);
}

/** The syntactic checks etcd makes before applying a Range (also for ranges inside a txn). */
export function validateRange(request: RangeRequest): void {
  if (keyString(request.key) === '') throw new EmptyKeyError();
  if (
    (request.sortOrder !== undefined && !ORDERS.includes(request.sortOrder)) ||
    (request.sortTarget !== undefined && !TARGETS.includes(request.sortTarget))
  ) {
    throw new InvalidSortOptionError();
  }
}

/** The live keys at `revision`, replayed from the log (revision ≥ 1). */
export function kvsAt(state: ModelState, revision: number): Map<string, KeyValue> {
  const kvs = new Map<string, KeyValue>();
  for (const e of state.log) {
    if (e.revision > revision) break;
    const k = keyString(e.kv.key);
    if (e.type === 'PUT') kvs.set(k, e.kv);
    else kvs.delete(k);
  }
  return kvs;
}

/** A top-level Range: revision ≤ 0 reads at R; above R is future; below C is compacted. */
export function range(state: ModelState, request: RangeRequest): RangeResponse {
  validateRange(request);
  const rev = request.revision ?? 0;
  if (rev > state.revision) throw new FutureRevisionError();
  const at = rev <= 0 ? state.revision : rev;
  if (at < state.compactRevision) throw new CompactedError();
  const kvs = at === state.revision ? state.kvs : kvsAt(state, at);
  return { ...readKvs(kvs, request), header: header(state.revision) };
}

function sortValue(kv: KeyValue, target: SortTarget): number | Uint8Array {
  switch (target) {
    case 'KEY':
      return kv.key;
    case 'VERSION':
      return kv.version;
    case 'CREATE':
      return kv.createRevision;
    case 'MOD':
      return kv.modRevision;
    case 'VALUE':
      return kv.value;
  }
}

/** Compare two KeyValues by a sort target (0 on ties). */
export function compareBy(a: KeyValue, b: KeyValue, target: SortTarget): number {
  const x = sortValue(a, target);
  const y = sortValue(b, target);
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return compareBytes(x as Uint8Array, y as Uint8Array);
}

/** Steps 3–7 of the Range algorithm on a set of live keys (no revision handling). */
export function readKvs(
  kvs: ReadonlyMap<string, KeyValue>,
  request: RangeRequest,
): Omit<RangeResponse, 'header'> {
  const all = kvsIn(kvs, interval(request.key, request.rangeEnd));
  const count = all.length;
  if (request.countOnly) return { kvs: [], more: false, count };
  const minMod = request.minModRevision ?? 0;
  const maxMod = request.maxModRevision ?? 0;
  const minCreate = request.minCreateRevision ?? 0;
  const maxCreate = request.maxCreateRevision ?? 0;
  const filtered = minMod !== 0 || maxMod !== 0 || minCreate !== 0 || maxCreate !== 0;
  const limit = request.limit ?? 0;
  const requestedOrder = request.sortOrder ?? 'NONE';
  // etcd's rangeLimit: with no requested order and no filter, only the first limit + 1 keys (in key order)
  // are read before sorting, so a non-KEY target with order NONE sorts just those (3.4.23 and current etcd).
  const read = !filtered && requestedOrder === 'NONE' && limit > 0 ? all.slice(0, limit + 1) : all;
  let out = read.filter(
    (kv) =>
      !(minMod !== 0 && kv.modRevision < minMod) &&
      !(maxMod !== 0 && kv.modRevision > maxMod) &&
      !(minCreate !== 0 && kv.createRevision < minCreate) &&
      !(maxCreate !== 0 && kv.createRevision > maxCreate),
  );
  const target = request.sortTarget ?? 'KEY';
  let order = requestedOrder;
  if (target !== 'KEY' && order === 'NONE') order = 'ASCEND';
  // Ties are unspecified in etcd; the model breaks them by key (out is already in key order).
  if (order === 'ASCEND') out = [...out].sort((a, b) => compareBy(a, b, target));
  if (order === 'DESCEND') out = [...out].sort((a, b) => compareBy(b, a, target));
  let more = false;
  if (limit > 0 && out.length > limit) {
    out = out.slice(0, limit);
    more = true;
  }
  if (request.keysOnly) out = out.map((kv) => ({ ...kv, value: new Uint8Array() }));
  return { kvs: out, more, count };
}
