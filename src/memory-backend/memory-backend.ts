/**
 * A client of the memory store. It owns what belongs to one connection — its watch streams, its clock
 * view, and, once the store's faults are in use, its simulated link (faults/link.ts) — and passes every
 * request to the store it is connected to. `new MemoryBackend()` makes a store of its own and closes it
 * with the client; `store.connect()` gives one more client of a shared store.
 */

import { watcherOnStream } from '../common/watcher.js';
import type {
  AuthBackend,
  AuthenticateRequest,
  AuthenticateResponse,
  AuthResponse,
  AuthRoleAddRequest,
  AuthRoleDeleteRequest,
  AuthRoleGetRequest,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionRequest,
  AuthRoleListResponse,
  AuthRoleRevokePermissionRequest,
  AuthStatusResponse,
  AuthUserAddRequest,
  AuthUserChangePasswordRequest,
  AuthUserDeleteRequest,
  AuthUserGetRequest,
  AuthUserGetResponse,
  AuthUserGrantRoleRequest,
  AuthUserListResponse,
  AuthUserRevokeRoleRequest,
} from '../interface/auth.js';
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
import type { WatchCreateRequest, Watcher, WatchStream } from '../interface/watch.js';
import type { RequestCredentials } from './auth/caller.js';
import { ClientCredentials } from './auth/client-credentials.js';
import { ClientClock } from './faults/client-clock.js';
import type { ClientLink } from './faults/link.js';
import type { FaultOp } from './faults/ops.js';
import type { StoreFaults } from './faults/store-faults.js';
import { type LinkTiming, linkTiming } from './faults/timing.js';
import { snapshotMessages } from './maintenance/snapshot.js';
import {
  type MemoryBackendOptions,
  type MemoryCallOptions,
  type MemoryWatchOptions,
  storeOptionsGiven,
} from './options.js';
import { MemoryStore } from './store.js';
import type { MemoryWatchStream } from './watch-stream.js';

/** The store a client connects to: the given one, or a new one it owns. */
function storeFor(options: MemoryBackendOptions): { store: MemoryStore; owned: boolean } {
  if (options.store === undefined) return { store: new MemoryStore(options), owned: true };
  if (!(options.store instanceof MemoryStore)) {
    throw new InvalidArgumentError(`store must be a MemoryStore, received ${String(options.store)}`);
  }
  const given = storeOptionsGiven(options);
  if (given.length > 0) {
    throw new InvalidArgumentError(
      `store options (${given.join(', ')}) belong to new MemoryStore(), not to a client of an existing store`,
    );
  }
  return { store: options.store, owned: false };
}

/**
 * An in-memory etcd implementing {@link KvBackend}: MVCC, txns, leases and watches on an injectable clock;
 * {@link AuthBackend}: users, roles and permissions (with the `auth` option it runs as that user, as the
 * etcd backend does); and {@link MaintenanceBackend}: alarms, the space quota, hashes, defragment and
 * snapshots.
 */
export class MemoryBackend implements KvBackend, AuthBackend, MaintenanceBackend {
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
  /** Who this client runs as, and its token. */
  readonly #credentials: ClientCredentials;
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
    this.#credentials = new ClientCredentials(store.auth, options.auth);
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

  async range(request: RangeRequest, options?: MemoryCallOptions): Promise<RangeResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('range', request, options, () => this.store.range(request, caller)),
    );
  }

  async put(request: PutRequest, options?: MemoryCallOptions): Promise<PutResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('put', request, options, () => this.store.put(request, caller)),
    );
  }

  async deleteRange(request: DeleteRangeRequest, options?: MemoryCallOptions): Promise<DeleteRangeResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('deleteRange', request, options, () => this.store.deleteRange(request, caller)),
    );
  }

  async txn(request: TxnRequest, options?: MemoryCallOptions): Promise<TxnResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('txn', request, options, () => this.store.txn(request, caller)),
    );
  }

  async compact(request: CompactionRequest, options?: MemoryCallOptions): Promise<CompactionResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('compact', request, options, () => this.store.compact(request, caller)),
    );
  }

  watchStream(options?: MemoryWatchOptions): WatchStream {
    const stream = this.store.openWatchStream((s) => {
      const cleanup = this.#streams.get(s);
      this.#streams.delete(s);
      cleanup?.();
    }, this.#credentials.watchRefusal(options?.credentials));
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

  watch(request: WatchCreateRequest, options?: MemoryWatchOptions): Watcher {
    return watcherOnStream(this.watchStream(options), request, options);
  }

  async leaseGrant(request: LeaseGrantRequest, options?: MemoryCallOptions): Promise<LeaseGrantResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('leaseGrant', request, options, () => this.store.leaseGrant(request, caller)),
    );
  }

  async leaseRevoke(request: LeaseRevokeRequest, options?: MemoryCallOptions): Promise<LeaseRevokeResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('leaseRevoke', request, options, () => this.store.leaseRevoke(request, caller)),
    );
  }

  async leaseKeepAlive(
    request: LeaseKeepAliveRequest,
    options?: MemoryCallOptions,
  ): Promise<LeaseKeepAliveResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => {
      const apply = () => this.store.leaseKeepAlive(request, caller);
      const link = this.#link;
      return link === undefined || link.quiet ? apply() : link.keepAlive(options?.signal, apply);
    });
  }

  async leaseTimeToLive(
    request: LeaseTimeToLiveRequest,
    options?: MemoryCallOptions,
  ): Promise<LeaseTimeToLiveResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('leaseTimeToLive', request, options, () => this.store.leaseTimeToLive(request, caller)),
    );
  }

  async leaseLeases(options?: MemoryCallOptions): Promise<LeaseLeasesResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('leaseLeases', undefined, options, () => this.store.leaseLeases(caller)),
    );
  }

  async status(options?: MemoryCallOptions): Promise<StatusResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('status', undefined, options, () => this.store.status(caller)),
    );
  }

  async alarm(request: AlarmRequest, options?: MemoryCallOptions): Promise<AlarmResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('alarm', request, options, () => this.store.alarm(request, caller)),
    );
  }

  async hash(options?: MemoryCallOptions): Promise<HashResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('hash', undefined, options, () => this.store.hash(caller)),
    );
  }

  async hashKv(request?: HashKvRequest, options?: MemoryCallOptions): Promise<HashKvResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('hashKv', request, options, () => this.store.hashKv(request, caller)),
    );
  }

  async defragment(options?: MemoryCallOptions): Promise<DefragmentResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('defragment', undefined, options, () => this.store.defragment(caller)),
    );
  }

  async *snapshot(options?: MemoryCallOptions): AsyncGenerator<Uint8Array> {
    this.#enter(options);
    const data = await this.#as(options, (caller) =>
      this.#via('snapshot', undefined, options, () => this.store.snapshot(caller)),
    );
    for (const message of snapshotMessages(data)) {
      if (options?.signal?.aborted) throw new AbortError();
      yield message.blob;
    }
  }

  async moveLeader(request: MoveLeaderRequest, options?: MemoryCallOptions): Promise<MoveLeaderResponse> {
    this.#enter(options);
    return this.#as(options, (caller) =>
      this.#via('moveLeader', request, options, () => this.store.moveLeader(request, caller)),
    );
  }

  async authEnable(options?: MemoryCallOptions): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.authEnable(caller));
  }

  async authDisable(options?: MemoryCallOptions): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.authDisable(caller));
  }

  async authStatus(options?: MemoryCallOptions): Promise<AuthStatusResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.authStatus(caller));
  }

  /** Authenticate (sent with no token of this client's, as the etcd backend sends it). */
  async authenticate(
    request: AuthenticateRequest,
    options?: MemoryCallOptions,
  ): Promise<AuthenticateResponse> {
    this.#enter(options);
    return this.store.auth.authenticate(request, options?.credentials);
  }

  async userAdd(request: AuthUserAddRequest, options?: MemoryCallOptions): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.userAdd(request, caller));
  }

  async userGet(request: AuthUserGetRequest, options?: MemoryCallOptions): Promise<AuthUserGetResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.userGet(request, caller));
  }

  async userList(options?: MemoryCallOptions): Promise<AuthUserListResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.userList(caller));
  }

  async userDelete(request: AuthUserDeleteRequest, options?: MemoryCallOptions): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.userDelete(request, caller));
  }

  async userChangePassword(
    request: AuthUserChangePasswordRequest,
    options?: MemoryCallOptions,
  ): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.userChangePassword(request, caller));
  }

  async userGrantRole(request: AuthUserGrantRoleRequest, options?: MemoryCallOptions): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.userGrantRole(request, caller));
  }

  async userRevokeRole(
    request: AuthUserRevokeRoleRequest,
    options?: MemoryCallOptions,
  ): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.userRevokeRole(request, caller));
  }

  async roleAdd(request: AuthRoleAddRequest, options?: MemoryCallOptions): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.roleAdd(request, caller));
  }

  async roleGet(request: AuthRoleGetRequest, options?: MemoryCallOptions): Promise<AuthRoleGetResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.roleGet(request, caller));
  }

  async roleList(options?: MemoryCallOptions): Promise<AuthRoleListResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.roleList(caller));
  }

  async roleDelete(request: AuthRoleDeleteRequest, options?: MemoryCallOptions): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.roleDelete(request, caller));
  }

  async roleGrantPermission(
    request: AuthRoleGrantPermissionRequest,
    options?: MemoryCallOptions,
  ): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.roleGrantPermission(request, caller));
  }

  async roleRevokePermission(
    request: AuthRoleRevokePermissionRequest,
    options?: MemoryCallOptions,
  ): Promise<AuthResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.auth.roleRevokePermission(request, caller));
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
  /** Run a store call as this client (its `auth` option), or as the call's own `credentials`. */
  #as<T>(
    options: MemoryCallOptions | undefined,
    fn: (caller: RequestCredentials | undefined) => T | Promise<T>,
  ): T | Promise<T> {
    const override = options?.credentials;
    if (override !== undefined) return fn(override);
    // No token to fetch: call straight through (no extra promise on the common path).
    if (!this.#credentials.renewing) return fn(this.#credentials.fixed);
    return this.#credentials.run(fn);
  }
  /** Run `apply` through the simulated link when the store's faults are in use, else directly. */
  #via<T>(
    op: FaultOp,
    request: unknown,
    options: MemoryCallOptions | undefined,
    apply: () => T,
  ): T | Promise<T> {
    const link = this.#link;
    if (link === undefined || link.quiet) return apply();
    return link.call(op, request, options?.signal, apply);
  }
}
