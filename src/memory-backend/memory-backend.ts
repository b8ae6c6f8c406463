/**
 * A client of the memory store. It owns what belongs to one connection — its watch streams — and
 * passes every request to the store it is connected to. `new MemoryBackend()` makes a store of its own
 * and closes it with the client; `store.connect()` gives one more client of a shared store.
 */

import { watcherOnStream } from '../common/watcher.js';
import type { CallOptions, KvBackend } from '../interface/backend.js';
import type { Clock } from '../interface/clock.js';
import { AbortError, ClosedError, InvalidArgumentError, WatchCanceledError } from '../interface/errors.js';
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
} from '../interface/kv.js';
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
} from '../interface/lease.js';
import type {
  AlarmRequest,
  AlarmResponse,
  DefragmentResponse,
  HashKvRequest,
  HashKvResponse,
  HashResponse,
  MaintenanceBackend,
  MoveLeaderRequest,
  MoveLeaderResponse,
} from '../interface/maintenance.js';
import type { WatchCreateRequest, Watcher, WatchOptions, WatchStream } from '../interface/watch.js';
import { snapshotMessages } from './maintenance/snapshot.js';
import type { MemoryBackendOptions } from './options.js';
import { MemoryStore } from './store.js';
import type { MemoryWatchStream } from './watch-stream.js';

/** The store options, which `store` excludes. */
const STORE_OPTIONS = [
  'clock',
  'minLeaseTtl',
  'maxTxnOps',
  'maxRequestBytes',
  'seed',
  'progressNotifyIntervalMs',
  'etcdVersion',
  'quotaBackendBytes',
  'autoCompactionMode',
  'autoCompactionRetention',
] as const;

/** The store a client connects to: the given one, or a new one it owns. */
function storeFor(options: MemoryBackendOptions): { store: MemoryStore; owned: boolean } {
  if (options.store === undefined) return { store: new MemoryStore(options), owned: true };
  if (!(options.store instanceof MemoryStore)) {
    throw new InvalidArgumentError(`store must be a MemoryStore, received ${String(options.store)}`);
  }
  const given = STORE_OPTIONS.filter((name) => options[name] !== undefined);
  if (given.length > 0) {
    throw new InvalidArgumentError(
      `store options (${given.join(', ')}) belong to new MemoryStore(), not to a client of an existing store`,
    );
  }
  return { store: options.store, owned: false };
}

/**
 * An in-memory etcd implementing {@link KvBackend}: MVCC, txns, leases and watches on an injectable clock;
 * and {@link MaintenanceBackend}: alarms, the space quota, hashes, defragment and snapshots.
 */
export class MemoryBackend implements KvBackend, MaintenanceBackend {
  readonly clock: Clock;
  /** The store this client reads and writes; shared with its other clients. */
  readonly store: MemoryStore;
  /** True when this client created its store, and closes it on close(). */
  readonly #ownsStore: boolean;
  /** Open streams, each with what undoes its abort listener. */
  readonly #streams = new Map<MemoryWatchStream, () => void>();
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    const { store, owned } = storeFor(options);
    this.store = store;
    this.#ownsStore = owned;
    this.clock = store.clock;
    store.attach(this);
  }

  async range(request: RangeRequest, options?: CallOptions): Promise<RangeResponse> {
    this.#enter(options);
    return this.store.range(request);
  }

  async put(request: PutRequest, options?: CallOptions): Promise<PutResponse> {
    this.#enter(options);
    return this.store.put(request);
  }

  async deleteRange(request: DeleteRangeRequest, options?: CallOptions): Promise<DeleteRangeResponse> {
    this.#enter(options);
    return this.store.deleteRange(request);
  }

  async txn(request: TxnRequest, options?: CallOptions): Promise<TxnResponse> {
    this.#enter(options);
    return this.store.txn(request);
  }

  async compact(request: CompactionRequest, options?: CallOptions): Promise<CompactionResponse> {
    this.#enter(options);
    return this.store.compact(request);
  }

  watchStream(options?: WatchOptions): WatchStream {
    const stream = this.store.openWatchStream((s) => {
      const cleanup = this.#streams.get(s);
      this.#streams.delete(s);
      cleanup?.();
    });
    if (this.#closed) {
      stream.fail(new ClosedError());
      return stream;
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      stream.close();
      return stream;
    }
    const onAbort = (): void => stream.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#streams.set(stream, () => signal?.removeEventListener('abort', onAbort));
    return stream;
  }

  watch(request: WatchCreateRequest, options?: WatchOptions): Watcher {
    return watcherOnStream(this.watchStream(options), request, options);
  }

  async leaseGrant(request: LeaseGrantRequest, options?: CallOptions): Promise<LeaseGrantResponse> {
    this.#enter(options);
    return this.store.leaseGrant(request);
  }

  async leaseRevoke(request: LeaseRevokeRequest, options?: CallOptions): Promise<LeaseRevokeResponse> {
    this.#enter(options);
    return this.store.leaseRevoke(request);
  }

  async leaseKeepAlive(
    request: LeaseKeepAliveRequest,
    options?: CallOptions,
  ): Promise<LeaseKeepAliveResponse> {
    this.#enter(options);
    return this.store.leaseKeepAlive(request);
  }

  async leaseTimeToLive(
    request: LeaseTimeToLiveRequest,
    options?: CallOptions,
  ): Promise<LeaseTimeToLiveResponse> {
    this.#enter(options);
    return this.store.leaseTimeToLive(request);
  }

  async leaseLeases(options?: CallOptions): Promise<LeaseLeasesResponse> {
    this.#enter(options);
    return this.store.leaseLeases();
  }

  async status(options?: CallOptions): Promise<StatusResponse> {
    this.#enter(options);
    return this.store.status();
  }

  async alarm(request: AlarmRequest, options?: CallOptions): Promise<AlarmResponse> {
    this.#enter(options);
    return this.store.alarm(request);
  }

  async hash(options?: CallOptions): Promise<HashResponse> {
    this.#enter(options);
    return this.store.hash();
  }

  async hashKv(request?: HashKvRequest, options?: CallOptions): Promise<HashKvResponse> {
    this.#enter(options);
    return this.store.hashKv(request);
  }

  async defragment(options?: CallOptions): Promise<DefragmentResponse> {
    this.#enter(options);
    return this.store.defragment();
  }

  async *snapshot(options?: CallOptions): AsyncGenerator<Uint8Array> {
    this.#enter(options);
    for (const message of snapshotMessages(this.store.snapshot())) {
      if (options?.signal?.aborted) throw new AbortError();
      yield message.blob;
    }
  }

  async moveLeader(request: MoveLeaderRequest, options?: CallOptions): Promise<MoveLeaderResponse> {
    this.#enter(options);
    return this.store.moveLeader(request);
  }

  /** Watch streams open on this client. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** End this client's watch streams (WatchCanceledError); close the store too if this client made it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of [...this.#streams.keys()]) stream.fail(new WatchCanceledError());
    this.#streams.clear();
    this.store.detach(this);
    if (this.#ownsStore) await this.store.close();
  }

  /** {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Common entry: closed and aborted checks. */
  #enter(options: CallOptions | undefined): void {
    if (this.#closed) throw new ClosedError();
    if (options?.signal?.aborted) throw new AbortError();
  }
}
