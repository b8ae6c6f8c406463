/**
 * A client of the memory store. It owns what belongs to one connection — its watch streams — and
 * passes every request to the store it is connected to. `new MemoryBackend()` makes a store of its own
 * and closes it with the client; `store.connect()` gives one more client of a shared store.
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
import type { WatchCreateRequest, Watcher, WatchStream } from '../interface/watch.js';
import type { RequestCredentials } from './auth/caller.js';
import { ClientCredentials } from './auth/client-credentials.js';
import type { MemoryBackendOptions, MemoryCallOptions, MemoryWatchOptions } from './options.js';
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
  'bcryptCost',
  'authTokenTtl',
  'authToken',
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
 * An in-memory etcd implementing {@link KvBackend} and {@link AuthBackend}: MVCC, txns, leases, watches and
 * auth on an injectable clock. With the `auth` option it runs as that user, as the etcd backend does.
 */
export class MemoryBackend implements KvBackend, AuthBackend {
  readonly clock: Clock;
  /** The store this client reads and writes; shared with its other clients. */
  readonly store: MemoryStore;
  /** True when this client created its store, and closes it on close(). */
  readonly #ownsStore: boolean;
  /** Open streams, each with what undoes its abort listener. */
  readonly #streams = new Map<MemoryWatchStream, () => void>();
  /** Who this client is (its `auth` option) and its current token. */
  readonly #credentials: ClientCredentials;
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    const { store, owned } = storeFor(options);
    this.store = store;
    this.#ownsStore = owned;
    this.clock = store.clock;
    this.#credentials = new ClientCredentials(store.auth, options.auth);
    store.attach(this);
  }

  async range(request: RangeRequest, options?: MemoryCallOptions): Promise<RangeResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.range(request, caller));
  }

  async put(request: PutRequest, options?: MemoryCallOptions): Promise<PutResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.put(request, caller));
  }

  async deleteRange(request: DeleteRangeRequest, options?: MemoryCallOptions): Promise<DeleteRangeResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.deleteRange(request, caller));
  }

  async txn(request: TxnRequest, options?: MemoryCallOptions): Promise<TxnResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.txn(request, caller));
  }

  async compact(request: CompactionRequest, options?: MemoryCallOptions): Promise<CompactionResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.compact(request, caller));
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
    return stream;
  }

  watch(request: WatchCreateRequest, options?: MemoryWatchOptions): Watcher {
    return watcherOnStream(this.watchStream(options), request, options);
  }

  async leaseGrant(request: LeaseGrantRequest, options?: MemoryCallOptions): Promise<LeaseGrantResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.leaseGrant(request, caller));
  }

  async leaseRevoke(request: LeaseRevokeRequest, options?: MemoryCallOptions): Promise<LeaseRevokeResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.leaseRevoke(request, caller));
  }

  async leaseKeepAlive(
    request: LeaseKeepAliveRequest,
    options?: CallOptions,
  ): Promise<LeaseKeepAliveResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.leaseKeepAlive(request, caller));
  }

  async leaseTimeToLive(
    request: LeaseTimeToLiveRequest,
    options?: CallOptions,
  ): Promise<LeaseTimeToLiveResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.leaseTimeToLive(request, caller));
  }

  async leaseLeases(options?: MemoryCallOptions): Promise<LeaseLeasesResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.leaseLeases(caller));
  }

  async status(options?: MemoryCallOptions): Promise<StatusResponse> {
    this.#enter(options);
    return this.#as(options, (caller) => this.store.status(caller));
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
    this.store.detach(this);
    if (this.#ownsStore) await this.store.close();
  }

  /** {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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

  /** Common entry: closed and aborted checks. */
  #enter(options: CallOptions | undefined): void {
    if (this.#closed) throw new ClosedError();
    if (options?.signal?.aborted) throw new AbortError();
  }
}
