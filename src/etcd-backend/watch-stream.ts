/**
 * etcd's Watch stream over a raw gRPC Watch stream that survives reconnects. The consumer's watch IDs
 * stay the same across reconnects (every create carries its ID explicitly), and after a dropped
 * connection each watcher is re-created from the revision after the last event handed to the consumer,
 * with older events dropped, so no event is lost or repeated. etcd3's own watch manager is not used.
 */

import type { IDuplexStream, WatchClient } from 'etcd3';
import { AsyncQueue } from '../common/async-queue.js';
import { boolArg, bytesArg, describe, intArg, optionalBytesArg, requestArg } from '../common/validate.js';
import {
  ClosedError,
  InvalidArgumentError,
  UnavailableError,
  WatchCanceledError,
} from '../interface/errors.js';
import type { WatchCreateRequest, WatchResponse, WatchStream } from '../interface/watch.js';
import { decodeEvent, decodeWatchResponse, type Wire } from './decode.js';
import { isInvalidToken, isTransportFailure, mapGrpcError, type RawGrpcError } from './errors.js';
import { cancelCall } from './grpc.js';
import type { Namespace } from './namespace.js';
import { toSafeNumber } from './numbers.js';

/** One consumer watcher and where to resume it. */
interface WatchState {
  readonly id: number;
  /** The create message, minus start_revision and watch_id (set per attempt). */
  readonly create: Record<string, unknown>;
  /** Revision of the next event the consumer has not seen; 0 = "now" (the create was never answered). */
  nextRev: number;
  /** The consumer has seen the created reply. */
  announced: boolean;
  /** Created on the current gRPC stream. */
  live: boolean;
  /** The consumer asked to cancel. */
  canceling: boolean;
  /**
   * The server canceled it for compaction. etcd keeps such a watcher (its ID taken, a cancel answered)
   * until the client cancels it, so it stays here; after a reconnect it is re-created at the same
   * compacted revision, and the server's second compaction cancel is not passed on.
   */
  retired: boolean;
}

/** A pending create on the current gRPC stream: a watcher, or a create the server will refuse. */
type PendingCreate = { state: WatchState } | { state: undefined };

/** A request made while no gRPC stream is open, sent in call order once one is. */
type Queued = { state: WatchState } | { refused: Record<string, unknown> } | { progress: true };

/** The WatchStream of the etcd backend. */
export class EtcdWatchStream implements WatchStream {
  readonly #client: WatchClient;
  readonly #ns: Namespace;
  readonly #onClose: (s: EtcdWatchStream) => void;
  readonly #queue: AsyncQueue<WatchResponse>;
  readonly #watchers = new Map<number, WatchState>();
  #pending: PendingCreate[] = [];
  #nextAuto = 0;
  #grpc: IDuplexStream<Wire, Wire> | undefined;
  #connecting = false;
  #everConnected = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay = 50;
  /** Reopens in a row because of an expired auth token (bounded, so a revoked user cannot loop). */
  #authRetries = 0;
  /** Requests made while disconnected, in call order. */
  #outbox: Queued[] = [];
  #closed = false;

  readonly #onInvalidToken: () => void;

  constructor(
    client: WatchClient,
    ns: Namespace,
    onClose: (s: EtcdWatchStream) => void,
    onInvalidToken: () => void,
  ) {
    this.#client = client;
    this.#onInvalidToken = onInvalidToken;
    this.#ns = ns;
    this.#onClose = onClose;
    this.#queue = new AsyncQueue<WatchResponse>(() => this.close());
    this.#connect();
  }

  create(raw: WatchCreateRequest): void {
    if (this.#closed) throw new ClosedError('watch stream is closed');
    const r = requestArg('watch create request', raw);
    const key = bytesArg('key', r.key);
    const end = optionalBytesArg('rangeEnd', r.rangeEnd);
    const startRevision = intArg('startRevision', r.startRevision);
    const watchId = intArg('watchId', r.watchId);
    const filters = (r.filters ?? []).map((f) => {
      if (f === 'NOPUT') return 0;
      if (f === 'NODELETE') return 1;
      throw new InvalidArgumentError(`filters must hold 'NOPUT' or 'NODELETE', received ${describe(f)}`);
    });
    const create: Record<string, unknown> = {
      key: this.#ns.watchKey(key),
      progress_notify: boolArg('progressNotify', r.progressNotify),
      filters,
      prev_kv: boolArg('prevKv', r.prevKv),
    };
    const rangeEnd = this.#ns.rangeEnd(end);
    if (rangeEnd) create.range_end = rangeEnd;
    // etcd refuses an empty range without taking an ID: send it as is and let the server answer.
    const keyBytes = create.key as Buffer;
    if (
      rangeEnd &&
      !(rangeEnd.length === 1 && rangeEnd[0] === 0) &&
      Buffer.compare(rangeEnd, keyBytes) <= 0
    ) {
      this.#sendRefused({ create_request: { ...create, start_revision: startRevision, watch_id: 0 } });
      return;
    }
    let id = watchId;
    if (id === 0) {
      while (this.#watchers.has(this.#nextAuto)) this.#nextAuto++;
      id = this.#nextAuto++;
    } else if (this.#watchers.has(id)) {
      this.#sendRefused({ create_request: { ...create, start_revision: startRevision, watch_id: id } });
      return;
    }
    const state: WatchState = {
      id,
      create,
      nextRev: startRevision,
      announced: false,
      live: false,
      canceling: false,
      retired: false,
    };
    this.#watchers.set(id, state);
    this.#sendCreate(state);
  }

  cancel(watchId: number): void {
    const state = this.#watchers.get(watchId);
    // etcd: an unknown ID gets no reply; one canceled for compaction is still known (see `retired`).
    if (!state || state.canceling || this.#closed) return;
    state.canceling = true;
    if (state.live) this.#send({ cancel_request: { watch_id: state.id } });
    else if (!this.#grpc) this.#finishCancel(state, undefined);
    // Otherwise its create is in flight: the cancel goes out when the created reply arrives.
  }

  requestProgress(): void {
    if (this.#closed) return;
    // Asked before the stream is (re)connected: send it once connected, after the creates made before it.
    if (this.#grpc) this.#send({ progress_request: {} });
    else this.#outbox.push({ progress: true });
  }

  close(): void {
    this.#end(undefined);
  }

  /** Fail the iteration (backend closed): {@link WatchCanceledError}. */
  abort(error: unknown = new WatchCanceledError()): void {
    this.#end(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    return this.#queue;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #end(error: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    if (error === undefined) this.#queue.end();
    else this.#queue.fail(error);
    const g = this.#grpc;
    this.#grpc = undefined;
    if (g) cancelCall(g);
    this.#onClose(this);
  }

  #sendCreate(state: WatchState): void {
    if (!this.#grpc) {
      this.#outbox.push({ state });
      return;
    }
    this.#pending.push({ state });
    // Watch ID 0 means "auto" to etcd; a stream's first auto ID is 0, and ours is sent at most once per stream.
    this.#send({ create_request: { ...state.create, start_revision: state.nextRev, watch_id: state.id } });
  }

  /** A create the server will refuse (empty range, duplicate ID): its answer is passed through. */
  #sendRefused(message: Record<string, unknown>): void {
    if (!this.#grpc) {
      this.#outbox.push({ refused: message });
      return;
    }
    this.#pending.push({ state: undefined });
    this.#send(message);
  }

  #send(message: Record<string, unknown>): void {
    this.#grpc?.write(message);
  }

  #connect(): void {
    if (this.#closed || this.#connecting) return;
    this.#connecting = true;
    this.#client.watch().then(
      (stream) => {
        this.#connecting = false;
        const g = stream as IDuplexStream<Wire, Wire>;
        if (this.#closed) return cancelCall(g);
        this.#grpc = g;
        this.#everConnected = true;
        this.#retryDelay = 50;
        g.on('data', (r: Wire) => this.#onData(g, r));
        g.on('error', (e: Error) => this.#onBroken(g, e as RawGrpcError));
        g.on('end', () => this.#onBroken(g, { code: 14, details: 'watch stream ended by the server' }));
        this.#pending = [];
        // Re-create the watchers an earlier stream had, in creation order. Only ID 0 goes as "auto", and
        // a fresh stream's auto counter gives exactly 0 (explicit IDs cannot be 0), so IDs match.
        const queued = new Set(this.#outbox.map((q) => ('state' in q ? q.state : undefined)));
        for (const s of [...this.#watchers.values()]) {
          if (queued.has(s)) continue;
          if (s.canceling) this.#finishCancel(s, undefined);
          else this.#sendCreate(s);
        }
        // Then what was asked while disconnected, in call order.
        const outbox = this.#outbox;
        this.#outbox = [];
        for (const q of outbox) {
          if ('progress' in q) this.#send({ progress_request: {} });
          else if ('refused' in q) this.#sendRefused(q.refused);
          else if (this.#watchers.get(q.state.id) !== q.state) continue;
          else if (q.state.canceling) this.#finishCancel(q.state, undefined);
          else this.#sendCreate(q.state);
        }
      },
      (error: unknown) => {
        this.#connecting = false;
        // A backend that never reached any endpoint fails the stream; once connected, it retries.
        if (!this.#everConnected)
          this.abort(error instanceof UnavailableError ? error : new UnavailableError(String(error)));
        else this.#scheduleReconnect();
      },
    );
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), this.#retryDelay);
    this.#retryDelay = Math.min(this.#retryDelay * 2, 1_000);
  }

  /** Drop the current gRPC stream and connect again; every watcher is re-created where it was. */
  #reopen(): void {
    const g = this.#grpc;
    this.#grpc = undefined;
    this.#pending = [];
    for (const s of this.#watchers.values()) s.live = false;
    if (g) cancelCall(g);
    this.#scheduleReconnect();
  }

  #onBroken(g: IDuplexStream<Wire, Wire>, error: RawGrpcError): void {
    if (this.#grpc !== g || this.#closed) return;
    this.#grpc = undefined;
    this.#pending = [];
    for (const s of this.#watchers.values()) s.live = false;
    if (isInvalidToken(error)) {
      // The auth token expired: fetch a new one on the next connect.
      this.#onInvalidToken();
      this.#scheduleReconnect();
    } else if (isTransportFailure(error) || error.code === 1 || error.code === 4) {
      this.#scheduleReconnect();
    } else {
      this.abort(mapGrpcError(error, { write: false }));
    }
  }

  #onData(g: IDuplexStream<Wire, Wire>, r: Wire): void {
    if (this.#grpc !== g || this.#closed) return;
    const serverId = toSafeNumber('watch_id', r.watch_id);
    if (r.created) {
      this.#onCreated(r, serverId);
      return;
    }
    if (serverId === -1) {
      this.#queue.push(decodeWatchResponse(r, -1, [])); // progress reply
      return;
    }
    const state = this.#watchers.get(serverId);
    if (!state) return;
    if (r.canceled) {
      if (toSafeNumber('compact_revision', r.compact_revision) !== 0) {
        // Canceled for compaction: the server keeps the watcher until it is cancelled (see `retired`).
        if (state.retired) return;
        state.retired = true;
      } else {
        this.#watchers.delete(state.id);
      }
      this.#queue.push(decodeWatchResponse(r, state.id, []));
      return;
    }
    const all = (r.events ?? []) as Wire[];
    // Drop what the consumer already has (a resumed watch starts at nextRev; this is the safety net).
    const fresh = all.filter((e) => toSafeNumber('mod_revision', e.kv?.mod_revision) >= state.nextRev);
    if (all.length > 0 && fresh.length === 0) return;
    const events = fresh.map((e) => decodeEvent(this.#ns, e));
    const last = events[events.length - 1];
    if (last) state.nextRev = last.kv.modRevision + 1;
    this.#queue.push(decodeWatchResponse(r, state.id, events));
  }

  #onCreated(r: Wire, serverId: number): void {
    const pending = this.#pending.shift();
    const state = pending?.state;
    if (!state) {
      // A create the server refused (watch_id −1) or one for a duplicate ID: pass the answer through.
      this.#queue.push(decodeWatchResponse(r, serverId, []));
      return;
    }
    if (r.canceled && String(r.cancel_reason).includes('invalid auth token') && this.#authRetries < 3) {
      // The stream was opened with a token that has since expired: reopen it with a new one.
      this.#authRetries++;
      this.#onInvalidToken();
      this.#reopen();
      return;
    }
    if (r.canceled) {
      // Refused by the server (its answer carries watch_id −1 and the reason): pass it through.
      this.#watchers.delete(state.id);
      this.#queue.push(decodeWatchResponse(r, serverId, []));
      return;
    }
    state.live = true;
    this.#authRetries = 0;
    if (state.nextRev === 0) state.nextRev = toSafeNumber('header.revision', r.header?.revision) + 1;
    if (state.canceling) {
      this.#send({ cancel_request: { watch_id: state.id } });
      return;
    }
    if (!state.announced) {
      state.announced = true;
      this.#queue.push(decodeWatchResponse(r, state.id, []));
    }
  }

  #finishCancel(state: WatchState, _r: Wire): void {
    this.#watchers.delete(state.id);
    this.#queue.push({
      header: { revision: 0, clusterId: 0n, memberId: 0n, raftTerm: 0 },
      watchId: state.id,
      created: false,
      canceled: true,
      compactRevision: 0,
      cancelReason: '',
      fragment: false,
      events: [],
    });
  }
}
