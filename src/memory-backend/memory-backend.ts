/**
 * A client of the memory store. It owns what belongs to one connection — its watch streams, its clock
 * view, and, once the store's faults are in use, its simulated link (faults/link.ts) — and passes every
 * request to the store it is connected to. `new MemoryBackend()` makes a store of its own and closes it
 * with the client; `store.connect()` gives one more client of a shared store.
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
import { ClientClock } from './faults/client-clock.js';
import type { ClientLink } from './faults/link.js';
import type { StoreFaults } from './faults/store-faults.js';
import { type LinkTiming, linkTiming } from './faults/timing.js';
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
  /** This client's view of the store's clock: the same time, paused while the client is (a fault). */
  readonly clock: Clock;
  /** The store this client reads and writes; shared with its other clients. */
  readonly store: MemoryStore;
  /** The name faults target this client by. */
  readonly name: string;
  /** The etcd backend's deadlines, applied when a fault makes a request wait. */
  readonly timing: LinkTiming;
  readonly #clock: ClientClock;
  readonly #relay: boolean;
  /** The simulated link, once the store's faults are in use; undefined means the direct path. */
  #link: ClientLink | undefined;
  /** True when this client created its store, and closes it on close(). */
  readonly #ownsStore: boolean;
  /** Open streams, each with what undoes its abort listener. */
  readonly #streams = new Map<MemoryWatchStream, () => void>();
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    const { store, owned } = storeFor(options);
    this.timing = linkTiming(options);
    this.#relay = options.relay === true;
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new InvalidArgumentError(`name must be a non-empty string, received ${String(options.name)}`);
    }
    this.store = store;
    this.#ownsStore = owned;
    this.#clock = new ClientClock(store.clock);
    this.clock = this.#clock;
    const defaultName = store.attach(this);
    this.name = options.name ?? defaultName;
    store.linkClient(this);
  }

  /**
   * Give this client its simulated link to the store (called by the store when its faults are in use).
   * @internal
   */
  attachFaults(faults: StoreFaults): void {
    if (this.#link !== undefined || this.#closed) return;
    const streams = this.#streams;
    this.#link = faults.adopt({
      name: this.name,
      clock: this.#clock,
      timing: this.timing,
      relay: this.#relay,
      streams: () => [...streams.keys()],
    });
  }

  async range(request: RangeRequest, options?: CallOptions): Promise<RangeResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.range(request);
    return link.call('range', request, options?.signal, () => this.store.range(request));
  }

  async put(request: PutRequest, options?: CallOptions): Promise<PutResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.put(request);
    return link.call('put', request, options?.signal, () => this.store.put(request));
  }

  async deleteRange(request: DeleteRangeRequest, options?: CallOptions): Promise<DeleteRangeResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.deleteRange(request);
    return link.call('deleteRange', request, options?.signal, () => this.store.deleteRange(request));
  }

  async txn(request: TxnRequest, options?: CallOptions): Promise<TxnResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.txn(request);
    return link.call('txn', request, options?.signal, () => this.store.txn(request));
  }

  async compact(request: CompactionRequest, options?: CallOptions): Promise<CompactionResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.compact(request);
    return link.call('compact', request, options?.signal, () => this.store.compact(request));
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
    this.#link?.adopt(stream);
    return stream;
  }

  watch(request: WatchCreateRequest, options?: WatchOptions): Watcher {
    return watcherOnStream(this.watchStream(options), request, options);
  }

  async leaseGrant(request: LeaseGrantRequest, options?: CallOptions): Promise<LeaseGrantResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.leaseGrant(request);
    return link.call('leaseGrant', request, options?.signal, () => this.store.leaseGrant(request));
  }

  async leaseRevoke(request: LeaseRevokeRequest, options?: CallOptions): Promise<LeaseRevokeResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.leaseRevoke(request);
    return link.call('leaseRevoke', request, options?.signal, () => this.store.leaseRevoke(request));
  }

  async leaseKeepAlive(
    request: LeaseKeepAliveRequest,
    options?: CallOptions,
  ): Promise<LeaseKeepAliveResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.leaseKeepAlive(request);
    return link.keepAlive(options?.signal, () => this.store.leaseKeepAlive(request));
  }

  async leaseTimeToLive(
    request: LeaseTimeToLiveRequest,
    options?: CallOptions,
  ): Promise<LeaseTimeToLiveResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.leaseTimeToLive(request);
    const apply = () => this.store.leaseTimeToLive(request);
    return link.call('leaseTimeToLive', request, options?.signal, apply);
  }

  async leaseLeases(options?: CallOptions): Promise<LeaseLeasesResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.leaseLeases();
    return link.call('leaseLeases', undefined, options?.signal, () => this.store.leaseLeases());
  }

  async status(options?: CallOptions): Promise<StatusResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.status();
    return link.call('status', undefined, options?.signal, () => this.store.status());
  }

  async alarm(request: AlarmRequest, options?: CallOptions): Promise<AlarmResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.alarm(request);
    return link.call('alarm', request, options?.signal, () => this.store.alarm(request));
  }

  async hash(options?: CallOptions): Promise<HashResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.hash();
    return link.call('hash', undefined, options?.signal, () => this.store.hash());
  }

  async hashKv(request?: HashKvRequest, options?: CallOptions): Promise<HashKvResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.hashKv(request);
    return link.call('hashKv', request, options?.signal, () => this.store.hashKv(request));
  }

  async defragment(options?: CallOptions): Promise<DefragmentResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.defragment();
    return link.call('defragment', undefined, options?.signal, () => this.store.defragment());
  }

  async *snapshot(options?: CallOptions): AsyncGenerator<Uint8Array> {
    this.#enter(options);
    const link = this.#link;
    const take = () => this.store.snapshot();
    const data =
      link === undefined || link.quiet
        ? take()
        : await link.call('snapshot', undefined, options?.signal, take);
    for (const message of snapshotMessages(data)) {
      if (options?.signal?.aborted) throw new AbortError();
      yield message.blob;
    }
  }

  async moveLeader(request: MoveLeaderRequest, options?: CallOptions): Promise<MoveLeaderResponse> {
    this.#enter(options);
    const link = this.#link;
    if (link === undefined || link.quiet) return this.store.moveLeader(request);
    return link.call('moveLeader', request, options?.signal, () => this.store.moveLeader(request));
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
    this.store.detach(this, this.#link);
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
