/**
 * The memory backend: an exact single-member etcd in memory. One writer applies every request to a
 * copy-on-write view and commits it only when the whole request succeeded; watchers and leases hang off
 * the committed state.
 */

import { realClock } from '../clock/real-clock.js';
import { boolArg, intArg, leaseArg, requestArg } from '../common/validate.js';
import { watcherOnStream } from '../common/watcher.js';
import type { CallOptions, KvBackend } from '../interface/backend.js';
import type { Clock } from '../interface/clock.js';
import {
  AbortError,
  ClosedError,
  CompactedError,
  EmptyKeyError,
  FutureRevisionError,
  InvalidArgumentError,
  LeaseNotFoundError,
  RequestTooLargeError,
  WatchCanceledError,
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
import type { WatchCreateRequest, Watcher, WatchOptions, WatchStream } from '../interface/watch.js';
import {
  type ApplyContext,
  applyDelete,
  applyPut,
  checkTakenPath,
  choosePath,
  execTxn,
  readRange,
} from './apply.js';
import type { KeyRev } from './key-rev.js';
import { storeString, toBytesOut } from './keys.js';
import { type Lease, Lessor } from './lessor.js';
import { MvccStore } from './mvcc-store.js';
import type { MemoryBackendOptions } from './options.js';
import { randomSeed } from './prng.js';
import { checkDelete, checkPut, checkTxn, parseDelete, parsePut, parseRange, parseTxn } from './request.js';
import { raftRequestSize } from './request-size.js';
import { checkDuplicates } from './txn-duplicates.js';
import { WatchHub } from './watch-hub.js';
import { MemoryWatchStream, type StreamHost } from './watch-stream.js';
import { WriteView } from './write-view.js';

/** The etcd version the memory backend mirrors (reported by Status). */
export const MEMORY_ETCD_VERSION = '3.6.0';

const CLUSTER_ID = 0x1000n;
const MEMBER_ID = 0x2000n;
const RAFT_TERM = 2;

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

/** An in-memory etcd implementing {@link KvBackend}: MVCC, txns, leases and watches on an injectable clock. */
export class MemoryBackend implements KvBackend {
  readonly clock: Clock;
  readonly #store = new MvccStore();
  readonly #hub = new WatchHub();
  readonly #lessor: Lessor;
  /** Open streams, each with what undoes its abort listener. */
  readonly #streams = new Map<MemoryWatchStream, () => void>();
  readonly #maxTxnOps: number;
  readonly #maxRequestBytes: number;
  readonly #ctx: ApplyContext;
  readonly #host: StreamHost;
  #closed = false;

  constructor(options: MemoryBackendOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.#maxTxnOps = positiveOption('maxTxnOps', options.maxTxnOps, 128);
    this.#maxRequestBytes = positiveOption('maxRequestBytes', options.maxRequestBytes, 1_572_864);
    const minLeaseTtl = positiveOption('minLeaseTtl', options.minLeaseTtl, 2);
    const progressIntervalMs = positiveOption(
      'progressNotifyIntervalMs',
      options.progressNotifyIntervalMs,
      600_000,
    );
    const seed = options.seed === undefined ? randomSeed() : BigInt(intOrBigint('seed', options.seed));
    this.#lessor = new Lessor(this.clock, minLeaseTtl, seed, (lease) => this.#deleteLeaseKeys(lease));
    const header = (revision: number): ResponseHeader => ({
      revision,
      clusterId: CLUSTER_ID,
      memberId: MEMBER_ID,
      raftTerm: RAFT_TERM,
    });
    this.#ctx = { store: this.#store, lessor: this.#lessor, header };
    this.#host = {
      store: this.#store,
      hub: this.#hub,
      clock: this.clock,
      progressIntervalMs,
      header,
      detach: (stream) => {
        const cleanup = this.#streams.get(stream);
        this.#streams.delete(stream);
        cleanup?.();
      },
    };
  }

  async range(request: RangeRequest, options?: CallOptions): Promise<RangeResponse> {
    this.#enter(options);
    if (isPlainGet(request)) return this.#get(storeString('key', request.key));
    return readRange(this.#ctx, parseRange(request));
  }

  /** The current value of one key: the common Range, without the general machinery. */
  #get(key: string): RangeResponse {
    if (key === '') throw new EmptyKeyError();
    const header = this.#ctx.header(this.#store.rev);
    const r = this.#store.get(key, this.#store.rev);
    if (r === undefined) return { header, kvs: [], more: false, count: 0 };
    return { header, kvs: [r.toKeyValue()], more: false, count: 1 };
  }

  async put(request: PutRequest, options?: CallOptions): Promise<PutResponse> {
    this.#enter(options);
    const p = parsePut(request);
    checkPut(p);
    this.#checkSize(p.size);
    const view = new WriteView(this.#store);
    const response = applyPut(this.#ctx, view, p);
    this.#commit(view);
    return response;
  }

  async deleteRange(request: DeleteRangeRequest, options?: CallOptions): Promise<DeleteRangeResponse> {
    this.#enter(options);
    const d = parseDelete(request);
    checkDelete(d);
    this.#checkSize(d.size);
    const view = new WriteView(this.#store);
    const response = applyDelete(this.#ctx, view, d);
    this.#commit(view);
    return response;
  }

  async txn(request: TxnRequest, options?: CallOptions): Promise<TxnResponse> {
    this.#enter(options);
    const t = parseTxn(request);
    checkTxn(t, this.#maxTxnOps);
    checkDuplicates(t.success);
    checkDuplicates(t.failure);
    // Ranges and read-only txns are not raft requests in etcd, so only writes meet the size limit.
    if (t.writes) this.#checkSize(t.size);
    const path = choosePath(this.#store, t);
    checkTakenPath(this.#ctx, t, path, t.writes);
    const view = t.writes ? new WriteView(this.#store) : undefined;
    const response = execTxn(this.#ctx, view, t, path);
    if (view !== undefined) this.#commit(view);
    response.header = this.#ctx.header(this.#store.rev);
    return response;
  }

  async compact(request: CompactionRequest, options?: CallOptions): Promise<CompactionResponse> {
    this.#enter(options);
    const r = requestArg('compaction request', request);
    const revision = intArg('revision', r.revision);
    boolArg('physical', r.physical);
    if (revision <= this.#store.compactRev) throw new CompactedError();
    if (revision > this.#store.rev) throw new FutureRevisionError();
    this.#store.compact(revision);
    return { header: this.#ctx.header(this.#store.rev) };
  }

  watchStream(options?: WatchOptions): WatchStream {
    const stream = new MemoryWatchStream(this.#host);
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
    const r = requestArg('lease grant request', request);
    const ttl = intArg('ttl', r.ttl);
    const id = leaseArg('id', r.id);
    const lease = this.#lessor.grant(ttl, id);
    return { header: this.#ctx.header(this.#store.rev), id: lease.id, ttl: lease.ttl };
  }

  async leaseRevoke(request: LeaseRevokeRequest, options?: CallOptions): Promise<LeaseRevokeResponse> {
    this.#enter(options);
    const id = leaseArg('id', requestArg('lease revoke request', request).id);
    const lease = this.#lessor.remove(id);
    if (lease === undefined) throw new LeaseNotFoundError();
    this.#deleteLeaseKeys(lease);
    return { header: this.#ctx.header(this.#store.rev) };
  }

  async leaseKeepAlive(
    request: LeaseKeepAliveRequest,
    options?: CallOptions,
  ): Promise<LeaseKeepAliveResponse> {
    this.#enter(options);
    const id = leaseArg('id', requestArg('lease keepalive request', request).id);
    const revision = this.#store.rev;
    const lease = this.#lessor.renew(id);
    return { header: this.#ctx.header(revision), id, ttl: lease === undefined ? 0 : lease.ttl };
  }

  async leaseTimeToLive(
    request: LeaseTimeToLiveRequest,
    options?: CallOptions,
  ): Promise<LeaseTimeToLiveResponse> {
    this.#enter(options);
    const r = requestArg('lease time-to-live request', request);
    const id = leaseArg('id', r.id);
    const withKeys = boolArg('keys', r.keys);
    const header = this.#ctx.header(this.#store.rev);
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

  async leaseLeases(options?: CallOptions): Promise<LeaseLeasesResponse> {
    this.#enter(options);
    const leases = [...this.#lessor.all()].map((l) => ({ id: l.id }));
    return { header: this.#ctx.header(this.#store.rev), leases };
  }

  async status(options?: CallOptions): Promise<StatusResponse> {
    this.#enter(options);
    return {
      header: this.#ctx.header(this.#store.rev),
      version: MEMORY_ETCD_VERSION,
      dbSize: this.#store.bytes,
      leader: MEMBER_ID,
      raftIndex: this.#store.rev,
      raftTerm: RAFT_TERM,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lessor.close();
    for (const stream of [...this.#streams.keys()]) stream.fail(new WatchCanceledError());
    this.#streams.clear();
  }

  /** {@link close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Common entry: closed and aborted checks, then expiry of leases past their deadline. */
  #enter(options: CallOptions | undefined): void {
    if (this.#closed) throw new ClosedError();
    if (options?.signal?.aborted) throw new AbortError();
    this.#lessor.expireDue();
  }

  #checkSize(innerSize: number): void {
    if (raftRequestSize(innerSize) > this.#maxRequestBytes) throw new RequestTooLargeError();
  }

  /** Make a view's changes the committed state: store, lease attachments, then watchers. */
  #commit(view: WriteView): void {
    const changes = view.changes;
    if (changes.length === 0) return;
    const firstPos = this.#store.commit(changes);
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
    if (lease.keys.size === 0) return;
    const view = new WriteView(this.#store);
    for (const key of [...lease.keys].sort()) view.delete({ start: key, end: undefined });
    this.#commit(view);
  }
}
