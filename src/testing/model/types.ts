/**
 * Types of the reference model: a pure, single-member etcd KV + lease state machine, the oracle the
 * property, differential and linearizability tests check both backends against (docs/semantics.md §1–8, ported
 * from the step function of etcd's robustness model).
 */

import type { EtcdError } from '../../interface/errors.js';
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
} from '../../interface/kv.js';
import type {
  LeaseGrantRequest,
  LeaseGrantResponse,
  LeaseKeepAliveRequest,
  LeaseKeepAliveResponse,
  LeaseLeasesResponse,
  LeaseRevokeRequest,
  LeaseRevokeResponse,
  LeaseTimeToLiveRequest,
  LeaseTimeToLiveResponse,
} from '../../interface/lease.js';

/** Server settings the model mirrors. */
export interface ModelOptions {
  /** Minimum lease TTL in seconds (1 with the test server's fast raft timers, 2 with etcd's defaults). */
  readonly minLeaseTtl: number;
  /** --max-txn-ops (128). */
  readonly maxTxnOps: number;
  /** --max-request-bytes (1.5 MiB); the model's request size is an estimate, exact only far from the limit. */
  readonly maxRequestBytes: number;
}

/** One change in the store's history, in commit order (several may share a revision). */
export interface ModelEvent {
  readonly revision: number;
  readonly type: 'PUT' | 'DELETE';
  /** PUT: the new KeyValue. DELETE: `{key, modRevision = revision}`, every other field zero. */
  readonly kv: KeyValue;
  /** The key's KeyValue at `revision − 1`, if it existed then. */
  readonly prevKv: KeyValue | undefined;
}

/** A lease in the model. */
export interface ModelLease {
  readonly id: bigint;
  /** Granted TTL in seconds (after the minimum was applied). */
  readonly ttl: number;
  /** Model time (ms) at which it expires. */
  readonly expiresAt: number;
  /** Grant order, to expire simultaneous leases deterministically. */
  readonly seq: number;
}

/**
 * The model's whole state. Immutable: every step returns a new one. Keys are "binary strings" (one
 * char per byte, see `keyString`), whose JS ordering is etcd's bytewise ordering.
 */
export interface ModelState {
  readonly options: ModelOptions;
  /** Current revision R; 1 on an empty store. */
  readonly revision: number;
  /** Compact revision C; −1 until the first compaction. */
  readonly compactRevision: number;
  /** Live keys at R. */
  readonly kvs: ReadonlyMap<string, KeyValue>;
  /** Every change since revision 1, in order; reads at a past revision replay it. */
  readonly log: readonly ModelEvent[];
  /** Live leases by ID. */
  readonly leases: ReadonlyMap<bigint, ModelLease>;
  /** Model time in ms (moved only by `advance` requests). */
  readonly now: number;
  /** Leases granted so far (for `seq`). */
  readonly grants: number;
  /** Next server-chosen lease ID. */
  readonly nextLeaseId: bigint;
}

/** A request to the model: one KvBackend call, or the passing of time. */
export type ModelRequest =
  | { readonly type: 'range'; readonly request: RangeRequest }
  | { readonly type: 'put'; readonly request: PutRequest }
  | { readonly type: 'deleteRange'; readonly request: DeleteRangeRequest }
  | { readonly type: 'txn'; readonly request: TxnRequest }
  | { readonly type: 'compact'; readonly request: CompactionRequest }
  | { readonly type: 'leaseGrant'; readonly request: LeaseGrantRequest }
  | { readonly type: 'leaseRevoke'; readonly request: LeaseRevokeRequest }
  | { readonly type: 'leaseKeepAlive'; readonly request: LeaseKeepAliveRequest }
  | { readonly type: 'leaseTimeToLive'; readonly request: LeaseTimeToLiveRequest }
  | { readonly type: 'leaseLeases' }
  | { readonly type: 'advance'; readonly ms: number };

/** The response payload for each request type. */
export interface ModelResponseMap {
  range: RangeResponse;
  put: PutResponse;
  deleteRange: DeleteRangeResponse;
  txn: TxnResponse;
  compact: CompactionResponse;
  leaseGrant: LeaseGrantResponse;
  leaseRevoke: LeaseRevokeResponse;
  leaseKeepAlive: LeaseKeepAliveResponse;
  leaseTimeToLive: LeaseTimeToLiveResponse;
  leaseLeases: LeaseLeasesResponse;
  advance: { expired: bigint[] };
}

/** What a request returned: a value, or an etcd error (and then the state is unchanged). */
export type ModelResponse =
  | { readonly ok: true; readonly value: ModelResponseMap[keyof ModelResponseMap] }
  | { readonly ok: false; readonly error: EtcdError };

/** One step's outcome. */
export interface StepResult {
  readonly state: ModelState;
  readonly response: ModelResponse;
  /**
   * True when etcd 3.4.23 could crash on this request (docs/semantics.md §12): an invalid sort target, or a txn
   * with an ignore_value/ignore_lease put after a from-key delete covering its key on some path (checked
   * statically, whether or not that path runs). Never send such a request to a real 3.4 server.
   */
  readonly crashesEtcd34: boolean;
}
