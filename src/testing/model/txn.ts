/** Txn (docs/semantics.md §5): validation, duplicate-key intervals, compares, apply-time checks, execution. */

import { compareBytes, toBytes } from '../../common/bytes.js';
import {
  CompactedError,
  DuplicateKeyError,
  EmptyKeyError,
  type EtcdError,
  FutureRevisionError,
  KeyNotFoundError,
  LeaseNotFoundError,
  TooManyOpsError,
} from '../../interface/errors.js';
import type {
  Compare,
  KeyValue,
  RequestOp,
  ResponseOp,
  TxnRequest,
  TxnResponse,
} from '../../interface/kv.js';
import { header, interval, type KeyInterval, keyString, kvsIn, ZERO_KV } from './keys.js';
import { badSortTarget, kvsAt, readKvs, validateRange } from './range.js';
import type { ModelState } from './types.js';
import { validateDelete, validatePut, WriteView } from './write.js';

/** etcd's checkTxnRequest: op count, compare keys, then each op of both branches. */
export function validateTxn(request: TxnRequest, maxOps: number): void {
  const compare = request.compare ?? [];
  const success = request.success ?? [];
  const failure = request.failure ?? [];
  const n = Math.max(compare.length, success.length, failure.length);
  if (n > maxOps) throw new TooManyOpsError();
  for (const c of compare) if (keyString(c.key) === '') throw new EmptyKeyError();
  for (const op of [...success, ...failure]) validateOp(op, maxOps - n);
}

function validateOp(op: RequestOp, maxOps: number): void {
  if ('requestRange' in op && op.requestRange) validateRange(op.requestRange);
  else if ('requestPut' in op && op.requestPut) validatePut(op.requestPut);
  else if ('requestDeleteRange' in op && op.requestDeleteRange) validateDelete(op.requestDeleteRange);
  else if ('requestTxn' in op && op.requestTxn) validateTxn(op.requestTxn, maxOps);
  else throw new KeyNotFoundError();
}

/** A point interval [k, k + "\0"), as etcd's checker builds it. */
function hits(dels: KeyInterval[], k: string): boolean {
  // A delete interval is [start, end) in plain string order; "\0" or an end ≤ start makes it empty,
  // which is why a from-key delete never conflicts (docs/semantics.md §12).
  return dels.some((d) =>
    d.end === undefined ? d.start === k : d.end !== null && d.start <= k && k < d.end,
  );
}

function delInterval(key: Uint8Array | string, rangeEnd: Uint8Array | string | undefined): KeyInterval {
  const iv = interval(key, rangeEnd);
  // etcd builds [key, rangeEnd) literally; for "\0" that interval is empty, never "to the end".
  return iv.end === null ? { start: iv.start, end: '\0' } : iv;
}

/** etcd's checkIntervals for one branch: returns its puts and deletes, throws on a duplicate. */
export function checkIntervals(ops: readonly RequestOp[]): { puts: Set<string>; dels: KeyInterval[] } {
  const dels: KeyInterval[] = [];
  for (const op of ops) {
    if ('requestDeleteRange' in op && op.requestDeleteRange) {
      dels.push(delInterval(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd));
    }
  }
  const puts = new Set<string>();
  for (const op of ops) {
    if (!('requestTxn' in op) || !op.requestTxn) continue;
    const then = checkIntervals(op.requestTxn.success ?? []);
    const els = checkIntervals(op.requestTxn.failure ?? []);
    for (const k of then.puts) {
      if (puts.has(k) || hits(dels, k)) throw new DuplicateKeyError();
      puts.add(k);
    }
    for (const k of els.puts) {
      if (puts.has(k) && !then.puts.has(k)) throw new DuplicateKeyError();
      if (hits(dels, k)) throw new DuplicateKeyError();
      puts.add(k);
    }
    dels.push(...then.dels, ...els.dels);
  }
  for (const op of ops) {
    if (!('requestPut' in op) || !op.requestPut) continue;
    const k = keyString(op.requestPut.key);
    if (puts.has(k) || hits(dels, k)) throw new DuplicateKeyError();
    puts.add(k);
  }
  return { puts, dels };
}

function compareNumber(
  actual: number | bigint,
  expected: number | bigint,
  result: Compare['result'],
): boolean {
  switch (result) {
    case 'EQUAL':
      return actual === expected;
    case 'NOT_EQUAL':
      return actual !== expected;
    case 'GREATER':
      return actual > expected;
    case 'LESS':
      return actual < expected;
  }
}

function compareOne(kv: KeyValue, c: Compare): boolean {
  switch (c.target) {
    case 'VERSION':
      return compareNumber(kv.version, c.version, c.result);
    case 'CREATE':
      return compareNumber(kv.createRevision, c.createRevision, c.result);
    case 'MOD':
      return compareNumber(kv.modRevision, c.modRevision, c.result);
    case 'LEASE':
      return compareNumber(kv.lease, c.lease, c.result);
    case 'VALUE':
      return compareNumber(compareBytes(kv.value, toBytes(c.value)), 0, c.result);
  }
}

/** One compare on a snapshot: every live key in range must satisfy it; none → the zero KeyValue. */
export function evalCompare(kvs: ReadonlyMap<string, KeyValue>, c: Compare): boolean {
  const found = kvsIn(kvs, interval(c.key, c.rangeEnd));
  if (found.length === 0) return c.target === 'VALUE' ? false : compareOne(ZERO_KV, c);
  return found.every((kv) => compareOne(kv, c));
}

/** The branch each txn on the chosen path takes, depth first, all on the pre-txn snapshot. */
function choosePath(kvs: ReadonlyMap<string, KeyValue>, request: TxnRequest, path: boolean[]): void {
  const ok = (request.compare ?? []).every((c) => evalCompare(kvs, c));
  path.push(ok);
  for (const op of ok ? (request.success ?? []) : (request.failure ?? [])) {
    if ('requestTxn' in op && op.requestTxn) choosePath(kvs, op.requestTxn, path);
  }
}

/** Visit the ops of the chosen path depth first, in op order (etcd's checkRequests). */
function visitPath(request: TxnRequest, path: boolean[], visit: (op: RequestOp) => void): void {
  const ok = path.shift()!;
  for (const op of ok ? (request.success ?? []) : (request.failure ?? [])) {
    if ('requestTxn' in op && op.requestTxn) visitPath(op.requestTxn, path, visit);
    else visit(op);
  }
}

/** True when some branch (taken or not) holds a write. */
export function hasWrite(request: TxnRequest): boolean {
  return [...(request.success ?? []), ...(request.failure ?? [])].some(
    (op) =>
      'requestPut' in op || 'requestDeleteRange' in op || ('requestTxn' in op && hasWrite(op.requestTxn)),
  );
}

/** True when some range in the txn has an invalid sort target (crashes 3.4). */
export function txnHasBadSort(request: TxnRequest): boolean {
  return [...(request.success ?? []), ...(request.failure ?? [])].some(
    (op) =>
      ('requestRange' in op && badSortTarget(op.requestRange)) ||
      ('requestTxn' in op && txnHasBadSort(op.requestTxn)),
  );
}

/**
 * True when, on some path of the txn (taken or not), a put with ignore_value or ignore_lease follows a
 * from-key delete (range_end "\0") whose start is ≤ the put's key: the shape that can crash etcd 3.4.23
 * (docs/semantics.md §12). Static and conservative, like the etcd backend's own guard, so that such a request is
 * never sent to a real 3.4 server whether or not it would run.
 */
export function txnHasCrashShape(request: TxnRequest): boolean {
  const walk = (ops: readonly RequestOp[], starts: string[]): { crash: boolean; starts: string[] } => {
    for (const op of ops) {
      if ('requestDeleteRange' in op && op.requestDeleteRange) {
        const iv = interval(op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd);
        if (iv.end === null) starts = [...starts, iv.start];
      } else if ('requestPut' in op && op.requestPut) {
        const p = op.requestPut;
        if ((p.ignoreValue || p.ignoreLease) && starts.some((s) => keyString(p.key) >= s))
          return { crash: true, starts };
      } else if ('requestTxn' in op && op.requestTxn) {
        const a = walk(op.requestTxn.success ?? [], starts);
        const b = walk(op.requestTxn.failure ?? [], starts);
        if (a.crash || b.crash) return { crash: true, starts };
        starts = [...a.starts, ...b.starts];
      }
    }
    return { crash: false, starts };
  };
  return walk(request.success ?? [], []).crash || walk(request.failure ?? [], []).crash;
}

/** Approximate payload bytes of the writes in a txn (both branches), for the size limit. */
export function txnBytes(request: TxnRequest): number {
  let n = 0;
  for (const c of request.compare ?? []) {
    n += toBytes(c.key).length + (c.target === 'VALUE' ? toBytes(c.value).length : 0) + 16;
  }
  for (const op of [...(request.success ?? []), ...(request.failure ?? [])]) {
    if ('requestPut' in op)
      n += toBytes(op.requestPut.key).length + toBytes(op.requestPut.value ?? '').length + 16;
    else if ('requestDeleteRange' in op) n += toBytes(op.requestDeleteRange.key).length + 16;
    else if ('requestRange' in op) n += toBytes(op.requestRange.key).length + 16;
    else if ('requestTxn' in op) n += txnBytes(op.requestTxn);
  }
  return n;
}

/** Result of running a txn on the model. */
export interface TxnOutcome {
  state: ModelState;
  response: TxnResponse;
}

/** Validate, check, and execute a txn atomically. Throws (with no effect) on any error. */
export function txn(state: ModelState, request: TxnRequest): TxnOutcome {
  validateTxn(request, state.options.maxTxnOps);
  checkIntervals(request.success ?? []);
  checkIntervals(request.failure ?? []);
  const path: boolean[] = [];
  choosePath(state.kvs, request, path);
  // Apply-time checks on the chosen path against the pre-txn state: puts first, then ranges.
  if (hasWrite(request)) {
    visitPath(request, [...path], (op) => {
      if (!('requestPut' in op)) return;
      const put = op.requestPut;
      if ((put.ignoreValue || put.ignoreLease) && !state.kvs.has(keyString(put.key)))
        throw new KeyNotFoundError();
      if ((put.lease ?? 0n) !== 0n && !state.leases.has(put.lease!)) throw new LeaseNotFoundError();
    });
  }
  visitPath(request, [...path], (op) => {
    if (!('requestRange' in op)) return;
    const rev = op.requestRange.revision ?? 0;
    if (rev === 0) return;
    if (rev > state.revision) throw new FutureRevisionError();
    if (rev < state.compactRevision) throw new CompactedError();
  });
  const view = new WriteView(state);
  const run = (req: TxnRequest): TxnResponse => {
    const ok = path.shift()!;
    const responses: ResponseOp[] = [];
    for (const op of ok ? (req.success ?? []) : (req.failure ?? [])) {
      if ('requestRange' in op) {
        const rev = op.requestRange.revision ?? 0;
        // rev 0 reads the write view (own writes); an explicit past revision reads history.
        const kvs = rev > 0 ? kvsAt(state, rev) : view.kvs;
        responses.push({ responseRange: { header: header(0), ...readKvs(kvs, op.requestRange) } });
      } else if ('requestPut' in op) {
        try {
          responses.push({ responsePut: { ...view.put(op.requestPut), header: header(0) } });
        } catch (error) {
          // Pre-checks passed, so the key was deleted earlier in this txn: the 3.4 panic case.
          throw new TxnApplyError(error as EtcdError);
        }
      } else if ('requestDeleteRange' in op) {
        responses.push({
          responseDeleteRange: { ...view.deleteRange(op.requestDeleteRange), header: header(0) },
        });
      } else if ('requestTxn' in op) {
        responses.push({ responseTxn: { ...run(op.requestTxn), header: header(0) } });
      }
    }
    return { header: header(0), succeeded: ok, responses };
  };
  const response = run(request);
  const next = view.commit();
  return { state: next, response: { ...response, header: header(next.revision) } };
}

/**
 * An error raised while applying a txn after every check passed. etcd 3.5+ answers `error`; etcd 3.4.23
 * panics and exits (docs/semantics.md §12).
 */
export class TxnApplyError extends Error {
  constructor(readonly error: EtcdError) {
    super(error.message);
  }
}
