/** The model's step function: (state, request) → (state, response), pure. */

import { toBytes } from '../../common/bytes.js';
import {
  CompactedError,
  EtcdError,
  FutureRevisionError,
  LeaseNotFoundError,
} from '../../interface/errors.js';
import { header } from './keys.js';
import { advance, grant, keepAlive, leases, revokeLease, timeToLive } from './lease.js';
import { badSortTarget, range } from './range.js';
import {
  checkIntervals,
  onlyRanges,
  TxnApplyError,
  txn,
  txnBytes,
  txnHasBadSort,
  txnHasCrashShape,
  validateTxn,
} from './txn.js';
import type { ModelOptions, ModelRequest, ModelResponseMap, ModelState, StepResult } from './types.js';
import { checkSize, validateDelete, validatePut, WriteView } from './write.js';

/** etcd's defaults, with the test server's 1 s minimum lease TTL. */
export const DEFAULT_MODEL_OPTIONS: ModelOptions = {
  minLeaseTtl: 1,
  maxTxnOps: 128,
  maxRequestBytes: 1_572_864,
};

/** An empty store: R = 1, C = −1, no keys, no leases, time 0. */
export function initialState(options: Partial<ModelOptions> = {}): ModelState {
  return {
    options: { ...DEFAULT_MODEL_OPTIONS, ...options },
    revision: 1,
    compactRevision: -1,
    kvs: new Map(),
    log: [],
    leases: new Map(),
    now: 0,
    grants: 0,
    nextLeaseId: 1n,
  };
}

type Value = ModelResponseMap[keyof ModelResponseMap];

/** Apply one request. Errors leave the state unchanged; anything but an EtcdError is a model bug. */
export function step(state: ModelState, request: ModelRequest): StepResult {
  const crashesEtcd34 =
    (request.type === 'range' && badSortTarget(request.request)) ||
    (request.type === 'txn' && (txnHasBadSort(request.request) || txnHasCrashShape(request.request)));
  try {
    const { state: next, value } = apply(state, request);
    return { state: next, response: { ok: true, value }, crashesEtcd34 };
  } catch (error) {
    if (error instanceof TxnApplyError) {
      return { state, response: { ok: false, error: error.error }, crashesEtcd34: true };
    }
    if (error instanceof EtcdError) return { state, response: { ok: false, error }, crashesEtcd34 };
    throw error;
  }
}

function apply(state: ModelState, request: ModelRequest): { state: ModelState; value: Value } {
  switch (request.type) {
    case 'range':
      return { state, value: range(state, request.request) };
    case 'put': {
      const put = request.request;
      validatePut(put);
      checkSize(state, toBytes(put.key).length + toBytes(put.value ?? '').length + 16);
      // Top-level put: the lease is looked up before the ignore_* key check (the txn path is the reverse).
      if ((put.lease ?? 0n) !== 0n && !state.leases.has(put.lease!)) throw new LeaseNotFoundError();
      const view = new WriteView(state);
      const value = view.put(put);
      return { state: view.commit(), value };
    }
    case 'deleteRange': {
      validateDelete(request.request);
      checkSize(state, toBytes(request.request.key).length + 16);
      const view = new WriteView(state);
      const value = view.deleteRange(request.request);
      return { state: view.commit(), value };
    }
    case 'txn': {
      // Syntax and duplicate checks come before the size limit, which comes before apply-time checks.
      validateTxn(request.request, state.options.maxTxnOps);
      checkIntervals(request.request.success ?? []);
      checkIntervals(request.request.failure ?? []);
      // etcd sizes every txn that is not all ranges (isTxnReadonly): a nested txn counts as a write.
      if (!onlyRanges(request.request)) checkSize(state, txnBytes(request.request));
      const out = txn(state, request.request);
      return { state: out.state, value: out.response };
    }
    case 'compact': {
      const rev = request.request.revision;
      if (rev <= state.compactRevision) throw new CompactedError();
      if (rev > state.revision) throw new FutureRevisionError();
      return { state: { ...state, compactRevision: rev }, value: { header: header(state.revision) } };
    }
    case 'leaseGrant':
      return grant(state, request.request);
    case 'leaseRevoke': {
      const next = revokeLease(state, request.request.id);
      return { state: next, value: { header: header(next.revision) } };
    }
    case 'leaseKeepAlive':
      return keepAlive(state, request.request.id);
    case 'leaseTimeToLive':
      return { state, value: timeToLive(state, request.request) };
    case 'leaseLeases':
      return { state, value: leases(state) };
    case 'advance': {
      const out = advance(state, request.ms);
      return { state: out.state, value: { expired: out.expired } };
    }
  }
}

/** Run a list of requests from `state`, returning every step's result. */
export function run(state: ModelState, requests: readonly ModelRequest[]): StepResult[] {
  const results: StepResult[] = [];
  for (const request of requests) {
    const result = step(state, request);
    results.push(result);
    state = result.state;
  }
  return results;
}
