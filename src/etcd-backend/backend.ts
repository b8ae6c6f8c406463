/** EtcdBackend: the KvBackend interface over a real etcd cluster, through the etcd3 package. */

import { KVClient, LeaseClient, MaintenanceClient, WatchClient } from 'etcd3';
import { realClock } from '../clock/real-clock.js';
import { credentialsArg } from '../common/auth-args.js';
import { toBytes } from '../common/bytes.js';
import { boolArg, intArg, leaseArg, requestArg } from '../common/validate.js';
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
import { ClosedError, KeyNotFoundError, WatchCanceledError } from '../interface/errors.js';
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
import { EtcdAuthCalls } from './auth-calls.js';
import { decodeDeleteRange, decodeHeader, decodePut, decodeRange, decodeTxn, type Wire } from './decode.js';
import {
  encodeDeleteRange,
  encodePut,
  encodeRange,
  encodeTxn,
  hasCrashingShape,
  isReadOnlyTxn,
} from './encode.js';
import { KeepAliveStream } from './keep-alive-stream.js';
import { decodeStatus, EtcdMaintenance } from './maintenance.js';
import { Namespace } from './namespace.js';
import { toBigInt, toSafeNumber } from './numbers.js';
import type { EtcdBackendOptions } from './options.js';
import { CALL_INFO, EndpointPool, type PoolCallOptions } from './pool.js';
import { EtcdWatchStream } from './watch-stream.js';

/**
 * A {@link KvBackend} and {@link AuthBackend} on a real etcd cluster (v3 API), with failover, deadlines and
 * exact numbers; also a {@link MaintenanceBackend} (alarms, hashes, defragment, snapshot) on the member it
 * is connected to.
 */
export class EtcdBackend implements KvBackend, AuthBackend, MaintenanceBackend {
  /** Leases run on the server's clock; recipes schedule on real time. */
  readonly clock: Clock = realClock;
  readonly #pool: EndpointPool;
  readonly #ns: Namespace;
  readonly #kv: KVClient;
  readonly #lease: LeaseClient;
  readonly #watch: WatchClient;
  readonly #maintenance: MaintenanceClient;
  readonly #keepAlive: KeepAliveStream;
  readonly #maint: EtcdMaintenance;
  readonly #auth: EtcdAuthCalls;
  readonly #streams = new Set<EtcdWatchStream>();
  #closed = false;

  constructor(options: EtcdBackendOptions) {
    requestArg('options', options);
    credentialsArg(options.auth);
    this.#ns = new Namespace(options.namespace === undefined ? new Uint8Array() : toBytes(options.namespace));
    this.#pool = new EndpointPool(options);
    this.#kv = new KVClient(this.#pool);
    this.#lease = new LeaseClient(this.#pool);
    this.#watch = new WatchClient(this.#pool);
    this.#maintenance = new MaintenanceClient(this.#pool);
    this.#keepAlive = new KeepAliveStream(this.#pool, this.#lease);
    this.#maint = new EtcdMaintenance(this.#pool, this.#maintenance, (write, options) =>
      this.#opts(write, options),
    );
    this.#auth = new EtcdAuthCalls(this.#pool);
  }

  async range(request: RangeRequest, options?: CallOptions): Promise<RangeResponse> {
    const msg = encodeRange(this.#ns, request);
    return decodeRange(this.#ns, await this.#kv.range(msg as never, this.#opts(false, options)));
  }

  async put(request: PutRequest, options?: CallOptions): Promise<PutResponse> {
    const msg = encodePut(this.#ns, request);
    return decodePut(this.#ns, await this.#kv.put(msg as never, this.#opts(true, options)));
  }

  async deleteRange(request: DeleteRangeRequest, options?: CallOptions): Promise<DeleteRangeResponse> {
    const msg = encodeDeleteRange(this.#ns, request);
    return decodeDeleteRange(this.#ns, await this.#kv.deleteRange(msg as never, this.#opts(true, options)));
  }

  async txn(request: TxnRequest, options?: CallOptions): Promise<TxnResponse> {
    const msg = encodeTxn(this.#ns, request);
    // etcd 3.4.23 panics and exits on this shape; answer as the memory backend does instead.
    if (hasCrashingShape(msg)) throw new KeyNotFoundError();
    const write = !isReadOnlyTxn(msg);
    return decodeTxn(this.#ns, await this.#kv.txn(msg as never, this.#opts(write, options)));
  }

  async compact(request: CompactionRequest, options?: CallOptions): Promise<CompactionResponse> {
    const r = requestArg('compact request', request);
    const msg = { revision: intArg('revision', r.revision), physical: boolArg('physical', r.physical) };
    const res: Wire = await this.#kv.compact(msg, this.#opts(true, options));
    return { header: decodeHeader(res.header) };
  }

  watchStream(options?: WatchOptions): WatchStream {
    this.#check();
    const signal = options?.signal;
    const onAbort = () => stream.close();
    const stream = new EtcdWatchStream(
      this.#watch,
      this.#ns,
      (s) => {
        this.#streams.delete(s);
        signal?.removeEventListener('abort', onAbort);
      },
      () => this.#pool.invalidateToken(),
    );
    this.#streams.add(stream);
    if (signal?.aborted) stream.close();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return stream;
  }

  watch(request: WatchCreateRequest, options?: WatchOptions): Watcher {
    return watcherOnStream(this.watchStream(options), request, options);
  }

  async leaseGrant(request: LeaseGrantRequest, options?: CallOptions): Promise<LeaseGrantResponse> {
    const r = requestArg('leaseGrant request', request);
    const msg = { TTL: intArg('ttl', r.ttl), ID: leaseArg('id', r.id).toString() };
    const res: Wire = await this.#lease.leaseGrant(msg, this.#opts(true, options));
    if (res.error) throw new Error(`etcd lease grant failed: ${res.error}`);
    return {
      header: decodeHeader(res.header),
      id: BigInt.asIntN(64, toBigInt(res.ID)),
      ttl: toSafeNumber('TTL', res.TTL),
    };
  }

  async leaseRevoke(request: LeaseRevokeRequest, options?: CallOptions): Promise<LeaseRevokeResponse> {
    const r = requestArg('leaseRevoke request', request);
    const res: Wire = await this.#lease.leaseRevoke(
      { ID: leaseArg('id', r.id).toString() },
      this.#opts(true, options),
    );
    return { header: decodeHeader(res.header) };
  }

  async leaseKeepAlive(
    request: LeaseKeepAliveRequest,
    options?: CallOptions,
  ): Promise<LeaseKeepAliveResponse> {
    this.#check();
    const r = requestArg('leaseKeepAlive request', request);
    return this.#keepAlive.renew(leaseArg('id', r.id), options?.signal);
  }

  async leaseTimeToLive(
    request: LeaseTimeToLiveRequest,
    options?: CallOptions,
  ): Promise<LeaseTimeToLiveResponse> {
    const r = requestArg('leaseTimeToLive request', request);
    const msg = { ID: leaseArg('id', r.id).toString(), keys: boolArg('keys', r.keys) };
    const res: Wire = await this.#lease.leaseTimeToLive(msg, this.#opts(false, options));
    const keys = ((res.keys ?? []) as Uint8Array[])
      .filter((k) => this.#ns.owns(k))
      .map((k) => this.#ns.strip(k));
    return {
      header: decodeHeader(res.header),
      id: BigInt.asIntN(64, toBigInt(res.ID)),
      ttl: toSafeNumber('TTL', res.TTL),
      grantedTtl: toSafeNumber('grantedTTL', res.grantedTTL),
      keys,
    };
  }

  async leaseLeases(options?: CallOptions): Promise<LeaseLeasesResponse> {
    const res: Wire = await this.#lease.leaseLeases(this.#opts(false, options));
    return {
      header: decodeHeader(res.header),
      leases: ((res.leases ?? []) as Wire[]).map((l) => ({ id: BigInt.asIntN(64, toBigInt(l.ID)) })),
    };
  }

  async status(options?: CallOptions): Promise<StatusResponse> {
    return decodeStatus(await this.#maintenance.status(this.#opts(false, options)));
  }

  async alarm(request: AlarmRequest, options?: CallOptions): Promise<AlarmResponse> {
    return this.#maint.alarm(request, options);
  }

  async hash(options?: CallOptions): Promise<HashResponse> {
    return this.#maint.hash(options);
  }

  async hashKv(request?: HashKvRequest, options?: CallOptions): Promise<HashKvResponse> {
    return this.#maint.hashKv(request, options);
  }

  async defragment(options?: CallOptions): Promise<DefragmentResponse> {
    return this.#maint.defragment(options);
  }

  snapshot(options?: CallOptions): AsyncIterable<Uint8Array> {
    this.#check();
    return this.#maint.snapshot(options);
  }

  async moveLeader(request: MoveLeaderRequest, options?: CallOptions): Promise<MoveLeaderResponse> {
    return this.#maint.moveLeader(request, options);
  }

  async authEnable(options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.authEnable(this.#opts(true, options));
  }

  async authDisable(options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.authDisable(this.#opts(true, options));
  }

  async authStatus(options?: CallOptions): Promise<AuthStatusResponse> {
    return this.#auth.authStatus(this.#opts(false, options));
  }

  /** Authenticate (sent without this backend's own token). */
  async authenticate(request: AuthenticateRequest, options?: CallOptions): Promise<AuthenticateResponse> {
    const opts = this.#opts(false, options);
    opts[CALL_INFO]!.anonymous = true;
    return this.#auth.authenticate(request, opts);
  }

  async userAdd(request: AuthUserAddRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.userAdd(request, this.#opts(true, options));
  }

  async userGet(request: AuthUserGetRequest, options?: CallOptions): Promise<AuthUserGetResponse> {
    return this.#auth.userGet(request, this.#opts(false, options));
  }

  async userList(options?: CallOptions): Promise<AuthUserListResponse> {
    return this.#auth.userList(this.#opts(false, options));
  }

  async userDelete(request: AuthUserDeleteRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.userDelete(request, this.#opts(true, options));
  }

  async userChangePassword(
    request: AuthUserChangePasswordRequest,
    options?: CallOptions,
  ): Promise<AuthResponse> {
    return this.#auth.userChangePassword(request, this.#opts(true, options));
  }

  async userGrantRole(request: AuthUserGrantRoleRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.userGrantRole(request, this.#opts(true, options));
  }

  async userRevokeRole(request: AuthUserRevokeRoleRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.userRevokeRole(request, this.#opts(true, options));
  }

  async roleAdd(request: AuthRoleAddRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.roleAdd(request, this.#opts(true, options));
  }

  async roleGet(request: AuthRoleGetRequest, options?: CallOptions): Promise<AuthRoleGetResponse> {
    return this.#auth.roleGet(request, this.#opts(false, options));
  }

  async roleList(options?: CallOptions): Promise<AuthRoleListResponse> {
    return this.#auth.roleList(this.#opts(false, options));
  }

  async roleDelete(request: AuthRoleDeleteRequest, options?: CallOptions): Promise<AuthResponse> {
    return this.#auth.roleDelete(request, this.#opts(true, options));
  }

  async roleGrantPermission(
    request: AuthRoleGrantPermissionRequest,
    options?: CallOptions,
  ): Promise<AuthResponse> {
    return this.#auth.roleGrantPermission(request, this.#opts(true, options));
  }

  async roleRevokePermission(
    request: AuthRoleRevokePermissionRequest,
    options?: CallOptions,
  ): Promise<AuthResponse> {
    return this.#auth.roleRevokePermission(request, this.#opts(true, options));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#streams]) s.abort(new WatchCanceledError());
    this.#streams.clear();
    this.#keepAlive.close();
    this.#pool.close();
  }

  /** {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #check(): void {
    if (this.#closed) throw new ClosedError();
  }

  #opts(write: boolean, options: CallOptions | undefined): PoolCallOptions {
    this.#check();
    return { [CALL_INFO]: { write, signal: options?.signal } };
  }
}
