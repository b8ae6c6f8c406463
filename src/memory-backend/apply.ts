/**
 * Applying requests to a {@link WriteView}: put, delete, range and txn, with etcd's apply-time checks.
 * Nothing here touches the committed state; the backend commits the view when a request succeeds.
 */

import {
  CompactedError,
  FutureRevisionError,
  KeyNotFoundError,
  LeaseNotFoundError,
} from '../interface/errors.js';
import type {
  DeleteRangeResponse,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  ResponseOp,
  TxnResponse,
} from '../interface/kv.js';
import type { KeyRev } from './key-rev.js';
import type { Lessor } from './lessor.js';
import type { MvccStore } from './mvcc-store.js';
import { evalRange } from './range-exec.js';
import {
  checkRange,
  type ParsedCompare,
  type ParsedDelete,
  type ParsedOp,
  type ParsedPut,
  type ParsedRange,
  type ParsedTxn,
} from './request.js';
import type { WriteView } from './write-view.js';

/** What applying needs besides the view. */
export interface ApplyContext {
  readonly store: MvccStore;
  readonly lessor: Lessor;
  header(revision: number): ResponseHeader;
}

/** A put into `view` (etcd's applyPut): lease check, then the ignore flags, then the write. */
export function applyPut(ctx: ApplyContext, view: WriteView, p: ParsedPut): PutResponse {
  if (p.lease !== 0n && ctx.lessor.get(p.lease) === undefined) throw new LeaseNotFoundError();
  const head = view.head(p.key);
  const live = head === undefined || head.create === 0 ? undefined : head;
  if ((p.ignoreValue || p.ignoreLease) && live === undefined) throw new KeyNotFoundError();
  const value = p.ignoreValue ? live!.value : p.value;
  const lease = p.ignoreLease ? live!.lease : p.lease;
  const prev = view.put(p.key, value, lease, head);
  const response: PutResponse = { header: ctx.header(view.rev) };
  if (p.prevKv && prev !== undefined) response.prevKv = prev.toKeyValue();
  return response;
}

/**
 * The revision etcd reports for an op of a write request: its begin revision R until the request has
 * staged a change, then R + 1 (mvcc's storeTxnWrite), for reads and deletes of nothing alike.
 */
function opRevision(ctx: ApplyContext, view: WriteView | undefined): number {
  return view !== undefined && view.changes.length > 0 ? view.rev : ctx.store.rev;
}

/** A delete in `view`. */
export function applyDelete(ctx: ApplyContext, view: WriteView, d: ParsedDelete): DeleteRangeResponse {
  const deleted = view.delete(d.range);
  return {
    header: ctx.header(opRevision(ctx, view)),
    deleted: deleted.length,
    prevKvs: d.prevKv ? deleted.map((r) => r.toKeyValue()) : [],
  };
}

/** A top-level Range: revision ≤ 0 reads the current state. */
export function readRange(ctx: ApplyContext, r: ParsedRange): RangeResponse {
  const sort = checkRange(r);
  const store = ctx.store;
  if (r.revision > store.rev) throw new FutureRevisionError();
  const rev = r.revision <= 0 ? store.rev : r.revision;
  if (rev < store.compactRev) throw new CompactedError();
  const header = ctx.header(store.rev);
  if (
    r.range.end === undefined &&
    !r.countOnly &&
    r.minMod === 0 &&
    r.maxMod === 0 &&
    r.minCreate === 0 &&
    r.maxCreate === 0
  ) {
    // One key: no scan, no sort (the common get).
    const kv = store.get(r.key, rev);
    if (kv === undefined) return { header, kvs: [], more: false, count: 0 };
    return { header, kvs: [kv.toKeyValue(r.keysOnly)], more: false, count: 1 };
  }
  const result = evalRange(r, sort, (visit) => store.scan(r.range, rev, visit));
  return { header, kvs: result.kvs, more: result.more, count: result.count };
}

/** A Range inside a txn: revision 0 reads the view (own writes included); others read history. */
function txnRange(ctx: ApplyContext, view: WriteView | undefined, r: ParsedRange): RangeResponse {
  const sort = checkRange(r);
  const store = ctx.store;
  const result =
    r.revision > 0
      ? evalRange(r, sort, (visit) => store.scan(r.range, r.revision, visit))
      : evalRange(r, sort, (visit) =>
          view ? view.scan(r.range, visit) : store.scan(r.range, store.rev, visit),
        );
  return { header: ctx.header(opRevision(ctx, view)), ...result };
}

/** etcd's compare on the committed (pre-txn) state: every live key in range must pass. */
export function evalCompare(store: MvccStore, c: ParsedCompare): boolean {
  const kvs: KeyRev[] = [];
  store.scan(c.range, store.rev, (r) => {
    kvs.push(r);
  });
  if (kvs.length === 0) {
    // A missing key compares as all zeros, except that a VALUE compare on it always fails.
    if (c.target === 'VALUE') return false;
    return compareOne(c, undefined);
  }
  return kvs.every((r) => compareOne(c, r));
}

function compareOne(c: ParsedCompare, r: KeyRev | undefined): boolean {
  let d: number;
  switch (c.target) {
    case 'VALUE': {
      const v = r?.value ?? '';
      d = v < c.value ? -1 : v > c.value ? 1 : 0;
      break;
    }
    case 'LEASE': {
      const l = r?.lease ?? 0n;
      const n = c.number as bigint;
      d = l < n ? -1 : l > n ? 1 : 0;
      break;
    }
    case 'VERSION':
      d = Math.sign((r?.version ?? 0) - (c.number as number));
      break;
    case 'CREATE':
      d = Math.sign((r?.create ?? 0) - (c.number as number));
      break;
    default:
      d = Math.sign((r?.mod ?? 0) - (c.number as number));
  }
  switch (c.result) {
    case 'EQUAL':
      return d === 0;
    case 'NOT_EQUAL':
      return d !== 0;
    case 'GREATER':
      return d > 0;
    default:
      return d < 0;
  }
}

/** Branch decisions for every txn on the path that will run, all from the pre-txn state. */
export type Path = Map<ParsedTxn, boolean>;

/** Decide the branches of `t` and of the nested txns on its taken path. */
export function choosePath(store: MvccStore, t: ParsedTxn, path: Path = new Map()): Path {
  const succeeded = t.compare.every((c) => evalCompare(store, c));
  path.set(t, succeeded);
  for (const op of succeeded ? t.success : t.failure) if (op.kind === 'txn') choosePath(store, op, path);
  return path;
}

function takenOps(t: ParsedTxn, path: Path): ParsedOp[] {
  return path.get(t) ? t.success : t.failure;
}

/**
 * etcd's apply-time checks on the taken path, against the pre-txn state: first every put (ignore flags need
 * the key; the lease must exist), then every range (revision not future, not compacted).
 */
export function checkTakenPath(ctx: ApplyContext, t: ParsedTxn, path: Path, writes: boolean): void {
  const store = ctx.store;
  const puts = (tx: ParsedTxn): void => {
    for (const op of takenOps(tx, path)) {
      if (op.kind === 'txn') puts(op);
      if (op.kind !== 'put') continue;
      // etcd's checkRequestPut: the key (for the ignore flags) before the lease; a top-level put is the other way.
      if ((op.ignoreValue || op.ignoreLease) && store.get(op.key, store.rev) === undefined) {
        throw new KeyNotFoundError();
      }
      if (op.lease !== 0n && ctx.lessor.get(op.lease) === undefined) throw new LeaseNotFoundError();
    }
  };
  const ranges = (tx: ParsedTxn): void => {
    for (const op of takenOps(tx, path)) {
      if (op.kind === 'txn') ranges(op);
      if (op.kind !== 'range' || op.revision === 0) continue;
      if (op.revision > store.rev) throw new FutureRevisionError();
      if (op.revision < store.compactRev) throw new CompactedError();
    }
  };
  if (writes) puts(t);
  ranges(t);
}

/** Run the taken path of `t` on `view` (undefined for a read-only txn), in op order. */
export function execTxn(
  ctx: ApplyContext,
  view: WriteView | undefined,
  t: ParsedTxn,
  path: Path,
): TxnResponse {
  const succeeded = path.get(t) === true;
  const responses: ResponseOp[] = [];
  for (const op of succeeded ? t.success : t.failure) {
    switch (op.kind) {
      case 'range':
        responses.push({ responseRange: txnRange(ctx, view, op) });
        break;
      case 'put':
        responses.push({ responsePut: applyPut(ctx, view!, op) });
        break;
      case 'delete':
        responses.push({ responseDeleteRange: applyDelete(ctx, view!, op) });
        break;
      case 'txn':
        responses.push({ responseTxn: execTxn(ctx, view, op, path) });
        break;
      default:
        throw new KeyNotFoundError();
    }
  }
  // etcd leaves a nested txn's header empty; the top-level one is filled in by the caller.
  return { header: ctx.header(0), succeeded, responses };
}
