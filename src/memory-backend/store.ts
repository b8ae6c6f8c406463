/**
 * The memory store: an exact single-member etcd in memory, shared by any number of clients. One writer
 * applies every request to a copy-on-write view and commits it only when the whole request succeeded;
 * watchers and leases hang off the committed state. Clients ({@link MemoryBackend}) hold what belongs to
 * one connection — its watch streams — so that closing a client never touches another's.
 */

import { realClock } from '../clock/real-clock.js';
import { boolArg, intArg, leaseArg, requestArg } from '../common/validate.js';
import type { Clock } from '../interface/clock.js';
import {
  ClosedError,
  CompactedError,
  EmptyKeyError,
  FutureRevisionError,
  InvalidArgumentError,
  LeaseNotFoundError,
  RequestTooLargeError,
} from '../interface/errors.js';
import type {
  CompactionRequest,
  CompactionResponse,
  DeleteRangeRequest,
  DeleteRangeResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
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
  MoveLeaderRequest,
  MoveLeaderResponse,
} from '../interface/maintenance.js';
import {
  type ApplyContext,
  applyDelete,
  applyPut,
  checkTakenPath,
  choosePath,
  execTxn,
  readRange,
} from './apply.js';
import type { RequestCredentials } from './auth/caller.js';
import { createMemoryAuth } from './auth/create.js';
import type { MemoryAuth } from './auth/memory-auth.js';
import {
  checkDeleteAuth,
  checkLeaseRead,
  checkLeaseWrite,
  checkPutAuth,
  checkRangeAuth,
  checkTxnAuth,
} from './auth/request-checks.js';
import { DEFAULT_ETCD_VERSION, type EtcdBehaviour, etcdBehaviour } from './etcd-version.js';
import type { ClientLink } from './faults/link.js';
import { StoreFaults } from './faults/store-faults.js';
import type { KeyRev } from './key-rev.js';
import { storeString, toBytesOut } from './keys.js';
import { type Lease, Lessor } from './lessor.js';
import { alarmType } from './maintenance/alarms.js';
import { autoCompaction } from './maintenance/auto-compaction.js';
import { checkFixture, type Fixture } from './maintenance/fixture.js';
import { StoreMaintenance } from './maintenance/maintenance.js';
import { LEASE_COST, putCost, txnCost } from './maintenance/quota.js';
import { decodeSnapshot, encodeSnapshot } from './maintenance/snapshot.js';
import { captureFixture, captureState, fixtureView, restoreState } from './maintenance/state.js';
import { MemoryBackend } from './memory-backend.js';
import { MvccStore } from './mvcc-store.js';
import type { MemoryClientOptions, MemoryStoreOptions } from './options.js';
import { randomSeed } from './prng.js';
import {
  checkDelete,
  checkPut,
  checkRange,
  checkTxn,
  parseDelete,
  parsePut,
  parseRange,
  parseTxn,
} from './request.js';
import { raftRequestSize } from './request-size.js';
import { checkDuplicates } from './txn-duplicates.js';
import { WatchHub } from './watch-hub.js';
import { MemoryWatchStream, type StreamHost } from './watch-stream.js';
import { WriteView } from './write-view.js';

/** The etcd release the memory store mirrors by default (its `etcdVersion` option). */
export const MEMORY_ETCD_VERSION = DEFAULT_ETCD_VERSION;

/** A positive integer option, or its default. */
function positiveOption(name: string, value: unknown, fallback: number): number {
  const n = intArg(name, value, fallback);
  if (n < 1) throw new InvalidArgumentError(`${name} must be at least 1, received ${n}`);
  return n;
}

/** An integer number or a bigint (the PRNG seed). */
function intOrBigint(name: string, value: unknown): number | bigint {
  return typeof value === 'bigint' ? value : intArg(name, value);
}

/** True for a Range of one key at the current revision with no options (an object with only `key`). */
function isPlainGet(r: RangeRequest): boolean {
  return (
    typeof r === 'object' &&
    r !== null &&
    r.rangeEnd === undefined &&
    r.revision === undefined &&
    r.limit === undefined &&
    r.sortOrder === undefined &&
    r.sortTarget === undefined &&
    r.keysOnly === undefined &&
    r.countOnly === undefined &&
    r.serializable === undefined &&
    r.minModRevision === undefined &&
    r.maxModRevision === undefined &&
    r.minCreateRevision === undefined &&
    r.maxCreateRevision === undefined
  );
}

/**
 * An in-memory etcd's state — revisioned keyspace, leases, watch hub, clock — that any number of
 * {@link MemoryBackend} clients share: `const store = new MemoryStore({ clock }); const a = store.connect();`.
 * Its methods apply one request each, synchronously, with etcd's validation and errors; clients call them.
 */
export class MemoryStore implements AsyncDisposable {
  /** The clock leases and progress notifications run on. */
  readonly clock: Clock;
  /** The cluster ID in every response header (a constant, as for a single member). */
  readonly clusterId = 0x1000n;
  /** This member's ID, also the leader's. */
  readonly memberId = 0x2000n;
  /** The raft term in every response header. */
  readonly raftTerm = 2;
  /**
   * The Auth service: users, roles, permissions and tokens. Every request method takes the caller's
   * credentials (a token, or a certificate's common name), which this checks as etcd does.
   */
  readonly auth: MemoryAuth;
  readonly #mvcc = new MvccStore();
  readonly #hub = new WatchHub();
  readonly #lessor: Lessor;
  readonly #clients = new Set<MemoryBackend>();
  readonly #maxTxnOps: number;
  readonly #minLeaseTtl: number;
  readonly #maxRequestBytes: number;
  readonly #progressIntervalMs: number;
  readonly #behaviour: EtcdBehaviour;
  readonly #ctx: ApplyContext;
  readonly #maint: StoreMaintenance;
  #watchers = 0;
  #closed = false;
  readonly #seed: bigint;
  /** Clients connected so far, for default client names. */
  #clientSeq = 0;
  #faults: StoreFaults | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.#behaviour = etcdBehaviour(options.etcdVersion ?? DEFAULT_ETCD_VERSION);
    this.clock = options.clock ?? realClock;
    this.#maxTxnOps = positiveOption('maxTxnOps', options.maxTxnOps, 128);
    this.#maxRequestBytes = positiveOption('maxRequestBytes', options.maxRequestBytes, 1_572_864);
    const minLeaseTtl = positiveOption('minLeaseTtl', options.minLeaseTtl, 2);
    this.#minLeaseTtl = minLeaseTtl;
    this.#progressIntervalMs = positiveOption(
      'progressNotifyIntervalMs',
      options.progressNotifyIntervalMs,
      600_000,
    );
    const seed = options.seed === undefined ? randomSeed() : BigInt(intOrBigint('seed', options.seed));
    this.#seed = seed;
    this.#lessor = new Lessor(this.clock, minLeaseTtl, seed, (lease) => this.#deleteLeaseKeys(lease));
    this.#ctx = { store: this.#mvcc, lessor: this.#lessor, header: (revision) => this.header(revision) };
    this.#maint = new StoreMaintenance(
      {
        mvcc: this.#mvcc,
        lessor: this.#lessor,
        memberId: this.memberId,
        clock: this.clock,
        compact: (revision) => this.compact({ revision }),
      },
      {
        ...(options.quotaBackendBytes === undefined ? {} : { quotaBackendBytes: options.quotaBackendBytes }),
        autoCompaction: autoCompaction(options.autoCompactionMode, options.autoCompactionRetention),
      },
    );
    this.#maint.start();
    this.auth = createMemoryAuth(options, this.#behaviour, this.clock, this.#maxRequestBytes, () =>
      this.header(this.#mvcc.rev),
    );
  }

  /**
   * A new store holding a snapshot's state (from {@link MemoryStore.snapshot | store.snapshot()}, or a file `etcdctl snapshot save`
   * wrote from the simulator): keys with their whole kept history, revisions and versions, the compact
   * revision, leases with the time they had left (on this store's clock from now), alarms. Bad data is an
   * InvalidArgumentError that says what is wrong; nothing is half-loaded.
   */
  static restore(snapshot: Uint8Array, options: MemoryStoreOptions = {}): MemoryStore {
    const state = decodeSnapshot(snapshot);
    const store = new MemoryStore(options);
    try {
      restoreState(
        { mvcc: store.#mvcc, lessor: store.#lessor, alarms: store.#maint.alarms, clock: store.clock },
        state,
      );
    } catch (error) {
      void store.close();
      throw error;
    }
    store.#maint.close();
    store.#maint.start();
    return store;
  }

  /** A new store holding a fixture's keys (`{ "config/a": "1" }`), all put at revision 2 in key order. */
  static fromFixture(fixture: Fixture, options: MemoryStoreOptions = {}): MemoryStore {
    const checked = checkFixture(fixture);
    const store = new MemoryStore(options);
    const view = fixtureView(store.#mvcc, checked);
    store.#commit(view);
    return store;
  }

  /**
   * A new client of this store. Closing it closes its watch streams and leaves the store open. Its
   * `name` is how faults target it (default "client-<n>"); with `auth` it runs as that user.
   */
  connect(options: MemoryClientOptions = {}): MemoryBackend {
    return new MemoryBackend({ ...options, store: this });
  }

  /** True once {@link faults} was used: requests may then wait on a simulated link and can be aborted. */
  get faultsInUse(): boolean {
    return this.#faults !== undefined;
  }

  /**
   * The faults of this store and its clients (partition, lost replies, injected errors, latency, watch
   * and lease faults, paused clients, server restart and freeze): see {@link StoreFaults}. Made on first
   * use; until then requests take the direct path.
   */
  get faults(): StoreFaults {
    if (this.#faults === undefined) {
      const store = this;
      const lessor = this.#lessor;
      this.#faults = new StoreFaults({
        clock: this.clock,
        seed: this.#seed,
        get closed() {
          return store.closed;
        },
        get revision() {
          return store.revision;
        },
        expireLease: (id) => lessor.expire(id),
        freezeLeases: (frozen) => lessor.setFrozen(frozen),
        renewLeases: () => lessor.renewAll(),
      });
      for (const client of this.#clients) client.attachFaults(this.#faults);
    }
    return this.#faults;
  }

  /** The etcd release this store behaves as where releases differ (the `etcdVersion` option). */
  get etcdVersion(): string {
    return this.#behaviour.version;
  }

  /** The current revision. */
  get revision(): number {
    return this.#mvcc.rev;
  }

  /** The minimum lease TTL granted, in seconds; shorter grants are raised to it. */
  get minLeaseTtl(): number {
    return this.#minLeaseTtl;
  }

  /** The largest write request accepted, in bytes (etcd's --max-request-bytes). */
  get maxRequestBytes(): number {
    return this.#maxRequestBytes;
  }

  /** The compact revision; −1 before the first compaction. */
  get compactRevision(): number {
    return this.#mvcc.compactRev;
  }

  /** Open clients. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Watchers open on every client's streams. */
  get watcherCount(): number {
    return this.#watchers;
  }

  /** Live leases. */
  get leaseCount(): number {
    let n = 0;
    for (const _ of this.#lessor.all()) n++;
    return n;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A response header at `revision`, as this single member fills it in. */
  header(revision: number): ResponseHeader {
    return { revision, clusterId: this.clusterId, memberId: this.memberId, raftTerm: this.raftTerm };
  }

  /** KV.Range, as `caller` (needed when auth is on). */
  range(request: RangeRequest, caller?: RequestCredentials): RangeResponse {
    this.#enter();
    if (isPlainGet(request)) return this.#get(storeString('key', request.key), caller);
    const r = parseRange(request);
    if (caller !== undefined || this.auth.enabled) {
      checkRange(r);
      checkRangeAuth(this.auth, this.auth.identify(caller), r);
    }
    return readRange(this.#ctx, r);
  }

  /** The current value of one key: the common Range, without the general machinery. */
  #get(key: string, caller: RequestCredentials | undefined): RangeResponse {
    if (key === '') throw new EmptyKeyError();
    if (caller !== undefined || this.auth.enabled)
      this.auth.checkKeys(this.auth.identify(caller), key, '', false);
    const header = this.header(this.#mvcc.rev);
    const r = this.#mvcc.get(key, this.#mvcc.rev);
    if (r === undefined) return { header, kvs: [], more: false, count: 0 };
    return { header, kvs: [r.toKeyValue()], more: false, count: 1 };
  }

  /** KV.Put. */
  put(request: PutRequest, caller?: RequestCredentials): PutResponse {
    this.#enter();
    const p = parsePut(request);
    this.#maint.checkQuota(putCost(p));
    checkPut(p);
    const who = this.auth.identify(caller);
    this.#checkSize(p.size);
    this.#maint.checkApply('put');
    checkPutAuth(this.auth, who, p, this.#leaseKeys);
    const view = new WriteView(this.#mvcc);
    const response = applyPut(this.#ctx, view, p);
    this.#commit(view);
    return response;
  }

  /** KV.DeleteRange. */
  deleteRange(request: DeleteRangeRequest, caller?: RequestCredentials): DeleteRangeResponse {
    this.#enter();
    const d = parseDelete(request);
    checkDelete(d);
    const who = this.auth.identify(caller);
    this.#checkSize(d.size);
    this.#maint.checkApply('deleteRange');
    checkDeleteAuth(this.auth, who, d);
    const view = new WriteView(this.#mvcc);
    const response = applyDelete(this.#ctx, view, d);
    this.#commit(view);
    return response;
  }

  /** KV.Txn. */
  txn(request: TxnRequest, caller?: RequestCredentials): TxnResponse {
    this.#enter();
    const t = parseTxn(request);
    const cost = txnCost(t);
    this.#maint.checkQuota(cost);
    checkTxn(t, this.#maxTxnOps);
    checkDuplicates(t.success);
    checkDuplicates(t.failure);
    const who = this.auth.identify(caller);
    // Ranges and read-only txns are not raft requests in etcd, so only writes meet the size limit.
    if (t.writes) this.#checkSize(t.size);
    const readOnly = [...t.success, ...t.failure].every((op) => op.kind === 'range');
    this.#maint.checkApply('txn', cost, readOnly);
    checkTxnAuth(this.auth, who, t, this.#leaseKeys);
    const path = choosePath(this.#mvcc, t);
    checkTakenPath(this.#ctx, t, path, t.writes);
    const view = t.writes ? new WriteView(this.#mvcc) : undefined;
    const response = execTxn(this.#ctx, view, t, path);
    if (view !== undefined) this.#commit(view);
    response.header = this.header(this.#mvcc.rev);
    return response;
  }

  /** KV.Compact. */
  compact(request: CompactionRequest, caller?: RequestCredentials): CompactionResponse {
    this.#enter();
    const r = requestArg('compaction request', request);
    const revision = intArg('revision', r.revision);
    boolArg('physical', r.physical);
    this.#maint.checkApply('compact');
    this.auth.identify(caller);
    if (revision <= this.#mvcc.compactRev) throw new CompactedError();
    if (revision > this.#mvcc.rev) throw new FutureRevisionError();
    this.#maint.beforeShrink();
    this.#mvcc.compact(revision);
    return { header: this.header(this.#mvcc.rev) };
  }

  /** Lease.LeaseGrant. */
  leaseGrant(request: LeaseGrantRequest, caller?: RequestCredentials): LeaseGrantResponse {
    this.#enter();
    const r = requestArg('lease grant request', request);
    const ttl = intArg('ttl', r.ttl);
    const id = leaseArg('id', r.id);
    this.#maint.checkQuota(LEASE_COST);
    this.#maint.checkApply('leaseGrant');
    this.auth.requireUser(caller, { raft: true });
    const lease = this.#lessor.grant(ttl, id);
    this.#maint.counters.leasesGranted++;
    return { header: this.header(this.#mvcc.rev), id: lease.id, ttl: lease.ttl };
  }

  /** Lease.LeaseRevoke. */
  leaseRevoke(request: LeaseRevokeRequest, caller?: RequestCredentials): LeaseRevokeResponse {
    this.#enter();
    const id = leaseArg('id', requestArg('lease revoke request', request).id);
    this.#maint.checkApply('leaseRevoke');
    checkLeaseWrite(this.auth, this.auth.requireUser(caller, { raft: true }), this.#leaseKeys(id));
    const lease = this.#lessor.remove(id);
    if (lease === undefined) throw new LeaseNotFoundError();
    this.#deleteLeaseKeys(lease);
    return { header: this.header(this.#mvcc.rev) };
  }

  /** One renewal of Lease.LeaseKeepAlive; ttl 0 for an unknown lease. */
  leaseKeepAlive(request: LeaseKeepAliveRequest, caller?: RequestCredentials): LeaseKeepAliveResponse {
    this.#enter();
    const id = leaseArg('id', requestArg('lease keepalive request', request).id);
    checkLeaseWrite(this.auth, this.auth.requireUser(caller), this.#leaseKeys(id));
    const revision = this.#mvcc.rev;
    const lease = this.#lessor.renew(id);
    if (lease !== undefined) this.#maint.counters.leasesRenewed++;
    return { header: this.header(revision), id, ttl: lease === undefined ? 0 : lease.ttl };
  }

  /** Lease.LeaseTimeToLive. */
  leaseTimeToLive(request: LeaseTimeToLiveRequest, caller?: RequestCredentials): LeaseTimeToLiveResponse {
    this.#enter();
    const r = requestArg('lease time-to-live request', request);
    const id = leaseArg('id', r.id);
    const withKeys = boolArg('keys', r.keys);
    const who = this.auth.requireUser(caller);
    if (withKeys) checkLeaseRead(this.auth, who, this.#leaseKeys(id));
    const header = this.header(this.#mvcc.rev);
    const lease = this.#lessor.get(id);
    if (lease === undefined) return { header, id, ttl: -1, grantedTtl: 0, keys: [] };
    return {
      header,
      id,
      ttl: this.#lessor.remaining(lease),
      grantedTtl: lease.ttl,
      keys: withKeys ? [...lease.keys].map(toBytesOut) : [],
    };
  }

  /** Lease.LeaseLeases. */
  leaseLeases(caller?: RequestCredentials): LeaseLeasesResponse {
    this.#enter();
    const who = this.auth.requireUser(caller);
    for (const lease of this.#lessor.all()) checkLeaseRead(this.auth, who, lease.keys);
    const leases = [...this.#lessor.all()].map((l) => ({ id: l.id }));
    return { header: this.header(this.#mvcc.rev), leases };
  }

  /** Maintenance.Status. */
  status(caller?: RequestCredentials): StatusResponse {
    this.#enter();
    this.auth.requireUser(caller);
    return {
      header: this.header(this.#mvcc.rev),
      version: this.#behaviour.version,
      dbSize: this.#maint.dbSize,
      leader: this.memberId,
      raftIndex: this.#mvcc.rev,
      raftTerm: this.raftTerm,
      raftAppliedIndex: this.#mvcc.rev,
      dbSizeInUse: this.#maint.dbSizeInUse,
      errors: this.#maint.alarms.statusErrors(),
      isLearner: false,
    };
  }

  /** Maintenance.Alarm: list, raise or disarm alarms, as etcd applies them. */
  alarm(request: AlarmRequest, caller?: RequestCredentials): AlarmResponse {
    this.#enter();
    const action = requestArg('alarm request', request).action;
    this.auth.checkMaintenance(caller, action === 'GET' ? 'user' : 'admin');
    return this.#maint.alarm(request);
  }

  /** Raised alarms, for health checks (etcd's `/health` fails while any is raised). */
  get alarms(): { memberId: bigint; alarm: string | number }[] {
    return this.#maint.alarms.all().map((a) => ({ memberId: a.memberId, alarm: alarmType(a.alarm) }));
  }

  /** Live keys (for the keys metric). */
  get keyCount(): number {
    let n = 0;
    for (const head of this.#mvcc.heads()) if (head.create !== 0) n++;
    return n;
  }

  /** Counts since the store started, for metrics: leases granted, revoked (or expired) and renewed. */
  get counters(): Readonly<{ leasesGranted: number; leasesRevoked: number; leasesRenewed: number }> {
    return { ...this.#maint.counters };
  }

  /** Status dbSize and dbSizeInUse without a request (for metrics). */
  get dbSize(): { total: number; inUse: number } {
    return { total: this.#maint.dbSize, inUse: this.#maint.dbSizeInUse };
  }

  /** The space quota in bytes (the `quotaBackendBytes` option; Infinity when disabled). */
  get quotaBackendBytes(): number {
    return this.#maint.quotaBytes;
  }

  /** Maintenance.Hash: CRC-32C over this store's alarms, key history and leases (maintenance/hash.ts). */
  hash(caller?: RequestCredentials): HashResponse {
    this.#enter();
    this.auth.checkMaintenance(caller, 'admin');
    return { header: this.header(this.#mvcc.rev), hash: this.#maint.hash() };
  }

  /** Maintenance.HashKV: etcd's hash of the key history up to a revision, as a real etcd computes it. */
  hashKv(request: HashKvRequest = {}, caller?: RequestCredentials): HashKvResponse {
    this.#enter();
    this.auth.checkMaintenance(caller, 'admin');
    const revision = intArg('revision', requestArg('hashKV request', request).revision);
    const r = this.#maint.hashKv(revision);
    return { header: this.header(r.revision), hash: r.hash, compactRevision: r.compactRevision };
  }

  /** Maintenance.Defragment: Status dbSize shrinks to dbSizeInUse. Alarms stay raised. */
  defragment(caller?: RequestCredentials): DefragmentResponse {
    this.#enter();
    this.auth.checkMaintenance(caller, 'admin');
    this.#maint.defragment();
    return {};
  }

  /** Maintenance.MoveLeader: to this member, a no-op; to any other ID, BadLeaderTransfereeError. */
  moveLeader(request: MoveLeaderRequest, caller?: RequestCredentials): MoveLeaderResponse {
    this.#enter();
    this.auth.checkMaintenance(caller, 'admin');
    this.#maint.moveLeader(requestArg('moveLeader request', request).targetId);
    return {};
  }

  /**
   * The whole state as snapshot bytes, for {@link MemoryStore.restore}: the simulator's own format (one
   * JSON document, see maintenance/snapshot.ts), not etcd's bolt file.
   */
  snapshot(caller?: RequestCredentials): Uint8Array {
    this.#enter();
    this.auth.checkMaintenance(caller, 'admin');
    return encodeSnapshot(
      captureState({ mvcc: this.#mvcc, lessor: this.#lessor, alarms: this.#maint.alarms, clock: this.clock }),
    );
  }

  /**
   * The live keys as a fixture (`{ "config/a": "1" }`), for {@link MemoryStore.fromFixture}. Throws
   * InvalidArgumentError when a key or value is not UTF-8 text (take a snapshot instead).
   */
  fixture(): Fixture {
    this.#enter();
    return captureFixture(this.#mvcc);
  }

  /**
   * A new watch stream on this store; `detach` runs once when it closes. Used by clients, which own
   * their streams.
   * @internal
   */
  openWatchStream(
    detach: (stream: MemoryWatchStream) => void,
    refusal?: (key: string, rangeEnd: string) => string | undefined,
  ): MemoryWatchStream {
    const host: StreamHost = {
      store: this.#mvcc,
      hub: this.#hub,
      clock: this.clock,
      progressIntervalMs: this.#progressIntervalMs,
      behaviour: this.#behaviour,
      header: (revision) => this.header(revision),
      watchersChanged: (delta) => {
        this.#watchers += delta;
      },
      detach,
      refusal,
    };
    return new MemoryWatchStream(host);
  }

  /** Close every client (their streams end with WatchCanceledError) and stop the lease timer. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lessor.close();
    this.#maint.close();
    for (const client of [...this.#clients]) await client.close();
    this.#clients.clear();
  }

  /** {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Register a client (called by its constructor); returns its default name.
   * @internal
   */
  attach(client: MemoryBackend): string {
    if (this.#closed) throw new ClosedError('memory store is closed');
    this.#clients.add(client);
    return `client-${++this.#clientSeq}`;
  }

  /**
   * Give a new client its fault link, if this store's faults are in use (called by its constructor).
   * @internal
   */
  linkClient(client: MemoryBackend): void {
    if (this.#faults !== undefined) client.attachFaults(this.#faults);
  }

  /**
   * Forget a closed client (and its fault link).
   * @internal
   */
  detach(client: MemoryBackend, link: ClientLink | undefined): void {
    this.#clients.delete(client);
    if (link !== undefined) this.#faults?.forget(link);
  }

  /** Common entry: the closed check, then expiry of leases past their deadline. */
  #enter(): void {
    if (this.#closed) throw new ClosedError('memory store is closed');
    this.#lessor.expireDue();
  }

  /** The keys attached to a live lease (permission checks of leases). */
  readonly #leaseKeys = (id: bigint): Iterable<string> | undefined => this.#lessor.get(id)?.keys;

  #checkSize(innerSize: number): void {
    if (raftRequestSize(innerSize) > this.#maxRequestBytes) throw new RequestTooLargeError();
  }

  /** Make a view's changes the committed state: store, lease attachments, then watchers. */
  #commit(view: WriteView): void {
    const changes = view.changes;
    if (changes.length === 0) return;
    const firstPos = this.#mvcc.commit(changes);
    for (const c of changes) this.#attach(c);
    this.#hub.notify(changes, firstPos);
  }

  /** Move a key's lease attachment: a put detaches the old lease and attaches its own; a delete detaches. */
  #attach(c: KeyRev): void {
    const prev = c.prev;
    if (prev !== undefined && prev.create !== 0 && prev.lease !== 0n) {
      this.#lessor.get(prev.lease)?.keys.delete(c.key);
    }
    if (c.create !== 0 && c.lease !== 0n) this.#lessor.get(c.lease)?.keys.add(c.key);
  }

  /** Delete a revoked or expired lease's keys at one revision, in key order. */
  #deleteLeaseKeys(lease: Lease): void {
    this.#maint.counters.leasesRevoked++;
    if (lease.keys.size === 0) return;
    const view = new WriteView(this.#mvcc);
    for (const key of [...lease.keys].sort()) view.delete({ start: key, end: undefined });
    this.#commit(view);
  }
}
