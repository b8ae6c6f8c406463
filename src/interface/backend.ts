import type { Clock } from './clock.js';
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  StatusResponse,
  TxnRequest,
  TxnResponse,
} from './kv.js';
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
} from './lease.js';
import type { WatchCreateRequest, Watcher, WatchOptions, WatchStream } from './watch.js';

/** Options every unary call takes. */
export interface CallOptions {
  /** Abort the call. A write aborted after it was sent may still be applied. */
  signal?: AbortSignal;
}

/**
 * etcd v3's API as one interface: the KV, Watch, Lease and (part of the) Maintenance services, with
 * etcd's request and response messages. Implemented by the memory backend and the etcd backend, with the
 * same semantics and the same error classes; the recipes are written only against it.
 *
 * Every method validates its input and rejects bad input with a typed {@link EtcdError} subclass,
 * without changing any state.
 */
export interface KvBackend extends AsyncDisposable {
  /** The clock the backend's leases run on; recipes schedule keepalives and retries on it. */
  readonly clock: Clock;

  /** KV.Range: read a key or a range, optionally at a past revision. */
  range(request: RangeRequest, options?: CallOptions): Promise<RangeResponse>;
  /** KV.Put: write one key; always makes a new revision. */
  put(request: PutRequest, options?: CallOptions): Promise<PutResponse>;
  /** KV.DeleteRange: delete a key or a range at one revision; none when nothing was deleted. */
  deleteRange(request: DeleteRangeRequest, options?: CallOptions): Promise<DeleteRangeResponse>;
  /** KV.Txn: compares, then the success or failure ops (nested txns allowed), atomically at one revision. */
  txn(request: TxnRequest, options?: CallOptions): Promise<TxnResponse>;
  /** KV.Compact: discard history below `revision`; effective when the promise resolves. */
  compact(request: CompactionRequest, options?: CallOptions): Promise<CompactionResponse>;

  /** Open etcd's Watch stream: several watchers, create/cancel/progress requests, raw responses. */
  watchStream(options?: WatchOptions): WatchStream;
  /** One watcher on its own stream, consumed as an async iterator. */
  watch(request: WatchCreateRequest, options?: WatchOptions): Watcher;

  /** Lease.LeaseGrant. */
  leaseGrant(request: LeaseGrantRequest, options?: CallOptions): Promise<LeaseGrantResponse>;
  /** Lease.LeaseRevoke: deletes the attached keys at one revision. */
  leaseRevoke(request: LeaseRevokeRequest, options?: CallOptions): Promise<LeaseRevokeResponse>;
  /** One renewal on Lease.LeaseKeepAlive; ttl 0 means the lease is gone. See `keepAlive` for a loop. */
  leaseKeepAlive(request: LeaseKeepAliveRequest, options?: CallOptions): Promise<LeaseKeepAliveResponse>;
  /** Lease.LeaseTimeToLive; an unknown lease answers ttl −1. */
  leaseTimeToLive(request: LeaseTimeToLiveRequest, options?: CallOptions): Promise<LeaseTimeToLiveResponse>;
  /** Lease.LeaseLeases: every live lease, in no defined order. */
  leaseLeases(options?: CallOptions): Promise<LeaseLeasesResponse>;

  /** Maintenance.Status: current revision and server version. */
  status(options?: CallOptions): Promise<StatusResponse>;

  /** Release every resource (connections, timers, watchers). Later calls throw ClosedError. */
  close(): Promise<void>;
}
