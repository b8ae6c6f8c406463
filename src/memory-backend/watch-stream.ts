/**
 * etcd's Watch stream over the memory store. Replies to requests (created, canceled, progress) queue in
 * order; events are not queued at all: each watcher keeps a cursor into the store's change log and the
 * stream builds the next response when the consumer asks for it. A slow consumer therefore never blocks
 * writers and never loses events; if compaction passes its cursor the watcher is canceled with the
 * compact revision, as etcd cancels an unsynced watcher.
 */

import { boolArg, describe, intArg, requestArg } from '../common/validate.js';
import type { Clock, ClockTimer } from '../interface/clock.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type { ResponseHeader } from '../interface/kv.js';
import type { WatchCreateRequest, WatchEvent, WatchResponse, WatchStream } from '../interface/watch.js';
import type { EtcdBehaviour } from './etcd-version.js';
import type { KeyRev } from './key-rev.js';
import { inRange, KEY_INFINITY, type KeyRange, storeString } from './keys.js';
import type { MvccStore } from './mvcc-store.js';
import type { HubWatcher, WatchHub } from './watch-hub.js';

/** What a stream needs from its backend. */
export interface StreamHost {
  readonly store: MvccStore;
  readonly hub: WatchHub;
  readonly clock: Clock;
  /** Interval of progress notifications for watchers that ask for them (etcd: 10 min). */
  readonly progressIntervalMs: number;
  /** The etcd release's behaviour where releases differ. */
  readonly behaviour: EtcdBehaviour;
  header(revision: number): ResponseHeader;
  /** Watchers were added (+n) or removed (−n), for the store's count. */
  watchersChanged(delta: number): void;
  /** The stream has closed. */
  detach(stream: MemoryWatchStream): void;
  /**
   * The auth check of a create (key and range end as etcd's permission check reads them): a cancel
   * reason when the stream's caller may not watch them, else undefined.
   */
  readonly refusal?: ((key: string, rangeEnd: string) => string | undefined) | undefined;
}

const DUPLICATE_ID = 'mvcc: duplicate watch ID provided on the WatchStream';
const EMPTY_RANGE = 'mvcc: watcher range is empty';
const NEGATIVE_START = 'etcdserver: mvcc: required revision has been compacted';

/** One watcher on a stream. */
class StreamWatcher implements HubWatcher {
  /** Absolute log position to read from while behind; −1 when caught up. */
  pos = -1;
  /** Highest log position known to touch this watcher's keys (reads stop there). */
  lastPos = -1;
  /** Its start (or position) was below the compact revision. */
  compacted = false;
  /**
   * Canceled for compaction: it gets nothing more, but, as in etcd, it keeps its ID (a create with that
   * ID is a duplicate) until the client cancels it, and that cancel is answered.
   */
  retired = false;
  /** Events were sent since the last progress tick. */
  sentSinceTick = false;
  /** Revision after the last event delivered: where a re-created watcher resumes. */
  nextRev: number;
  /** Canceled as compacted by a fault, at this compact revision. */
  compactedAt: number | undefined;

  constructor(
    readonly stream: MemoryWatchStream,
    readonly id: number,
    readonly range: KeyRange,
    /** First revision to deliver. */
    readonly startRev: number,
    /** The start revision asked for (0: "now"); progress waits until the store reaches it. */
    readonly requestedStart: number,
    readonly prevKv: boolean,
    readonly noPut: boolean,
    readonly noDelete: boolean,
    readonly progressNotify: boolean,
  ) {
    this.nextRev = startRev;
  }

  onChange(pos: number, change: KeyRev): void {
    if (change.mod < this.startRev) return;
    if (pos > this.lastPos) this.lastPos = pos;
    this.stream.markBehind(this, pos);
  }

  /** True when this watcher would deliver `r`. */
  wants(r: KeyRev): boolean {
    if (r.mod < this.startRev || !inRange(this.range, r.key)) return false;
    return r.create === 0 ? !this.noDelete : !this.noPut;
  }
}

interface Waiter {
  resolve(result: IteratorResult<WatchResponse>): void;
  reject(error: unknown): void;
}

/** A create request, checked. */
interface ParsedCreate {
  readonly key: string;
  readonly rangeEnd: string;
  readonly start: number;
  readonly watchId: number;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  readonly filters: readonly string[];
}

/** A request made while the stream was suspended, applied in call order when it resumes. */
type Queued = { create: ParsedCreate } | { progress: true };

/** A {@link WatchStream} on the memory backend. */
export class MemoryWatchStream implements WatchStream, AsyncIterableIterator<WatchResponse> {
  readonly #host: StreamHost;
  readonly #watchers = new Map<number, StreamWatcher>();
  /** Watchers with undelivered changes, in the order they fell behind. */
  readonly #behind = new Set<StreamWatcher>();
  #replies: WatchResponse[] = [];
  #waiters: Waiter[] = [];
  #nextId = 0;
  #closed = false;
  #error: unknown;
  #drainQueued = false;
  /** A progress request waits for every watcher to be synced (releases with `deferred` progress). */
  #deferredProgress = false;
  #progressTimer: ClockTimer | undefined;
  /** Stalled by a fault (link down, client paused): nothing is delivered but local replies. */
  #suspended = false;
  /** The connection dropped while suspended: watchers are re-created when it resumes. */
  #dropped = false;
  /** Requests made while suspended. */
  #outbox: Queued[] = [];
  /** Replies made on the client side while suspended (cancels), delivered even while suspended. */
  #localReplies: WatchResponse[] = [];

  constructor(host: StreamHost) {
    this.#host = host;
  }

  /** WatchCreateRequest. Wrong types throw InvalidArgumentError; etcd's refusals come as responses. */
  create(request: WatchCreateRequest): void {
    const parsed = parseCreate(request);
    if (this.#closed) return;
    if (this.#suspended) this.#outbox.push({ create: parsed });
    else this.#create(parsed);
  }

  #create(parsed: ParsedCreate): void {
    const { rangeEnd, start, watchId, prevKv, progressNotify, filters } = parsed;
    let key = parsed.key;
    const store = this.#host.store;
    if (key === '') key = '\0';
    const end = rangeEnd === '' ? undefined : rangeEnd === '\0' ? KEY_INFINITY : rangeEnd;
    // Checked when the watcher is created, on its whole interval; a watcher outlives a later revocation.
    const denied = this.#host.refusal?.(key, rangeEnd);
    if (denied !== undefined) {
      this.#refuse(denied);
      return;
    }
    if (end !== undefined && end <= key) {
      this.#refuse(EMPTY_RANGE);
      return;
    }
    let id = watchId;
    if (id === 0) {
      while (this.#watchers.has(this.#nextId)) this.#nextId++;
      id = this.#nextId++;
    } else if (this.#watchers.has(id)) {
      this.#refuse(DUPLICATE_ID);
      return;
    }
    // Current etcd refuses a negative start; older releases create the watcher and then cancel it as
    // compacted (its start is below any compact revision), which the code below does.
    if (start < 0 && this.#host.behaviour.negativeWatchStart === 'refused') {
      this.#refuse(NEGATIVE_START);
      return;
    }
    const startRev = start === 0 ? store.rev + 1 : start;
    const w = new StreamWatcher(
      this,
      id,
      { start: key, end },
      startRev,
      start,
      prevKv,
      filters.includes('NOPUT'),
      filters.includes('NODELETE'),
      progressNotify,
    );
    this.#watchers.set(id, w);
    this.#host.hub.add(w);
    this.#host.watchersChanged(1);
    this.#reply({ ...this.#empty(store.rev, id), created: true });
    if (startRev <= store.rev) {
      // Catch up from history: everything logged so far may concern it.
      if (startRev < store.compactRev) w.compacted = true;
      else w.pos = store.firstPosAtOrAfter(startRev);
      w.lastPos = store.logEnd - 1;
      if (w.compacted || w.pos < store.logEnd) this.#behind.add(w);
      else w.pos = -1;
    }
    if (progressNotify) this.#startProgressTimer();
    this.#wake();
  }

  /**
   * WatchCancelRequest; an unknown ID gets no reply. A watcher already canceled for compaction is still
   * known until then, so its cancel is answered too (etcd does the same).
   */
  cancel(watchId: number): void {
    const id = intArg('watchId', watchId);
    const w = this.#watchers.get(id);
    if (this.#closed || w === undefined) return;
    this.#remove(w);
    const reply = { ...this.#empty(this.#host.store.rev, id), canceled: true };
    // While suspended the client answers a cancel itself, as the etcd backend does when disconnected.
    if (this.#suspended) {
      this.#localReplies.push(reply);
      this.#wake();
    } else this.#reply(reply);
  }

  /**
   * WatchProgressRequest, answered with watch ID −1 at the current revision. When some watcher is not
   * synced, the etcd release decides (see ProgressRequestMode): answered at once, held until all are
   * synced, or dropped. When all are, it is answered, but only if the stream has a watcher (etcd sends it
   * on one); old releases answer even then.
   */
  requestProgress(): void {
    if (this.#closed) return;
    if (this.#suspended) {
      this.#outbox.push({ progress: true });
      return;
    }
    const mode = this.#host.behaviour.progressRequest;
    if (mode === 'at-once') this.#reply(this.#empty(this.#host.store.rev, -1));
    else if (!this.#progressIfSynced() && mode === 'deferred') this.#deferredProgress = true;
  }

  /** Reply to a progress request if every watcher is synced (etcd: progressIfSync); true if so. */
  #progressIfSynced(): boolean {
    const rev = this.#host.store.rev;
    for (const w of this.#watchers.values()) {
      if (!this.#caughtUp(w) || !this.#started(w, rev)) return false;
    }
    if (this.#watchers.size > 0) this.#reply(this.#empty(rev, -1));
    return true;
  }

  /** After each response of a watcher (etcd's send loop): answer a held progress request if now synced. */
  #afterWatcherResponse(): void {
    if (this.#deferredProgress && this.#progressIfSynced()) this.#deferredProgress = false;
  }

  /** Close the stream, cancelling every watcher; iteration ends. */
  close(): void {
    this.#shutdown(undefined);
  }

  /** End the stream with `error` (the backend is closing). */
  fail(error: unknown): void {
    this.#shutdown(error);
  }

  /**
   * Stall the stream (a fault: link down, or the client's process paused): nothing is delivered, and
   * requests wait, until {@link resume}. `dropped`: the connection was lost, so each watcher is
   * re-created on resume from the revision after its last delivered event — or canceled as compacted if
   * that revision was compacted meanwhile — as the etcd backend re-creates watchers after a reconnect.
   */
  suspend(dropped: boolean): void {
    if (this.#closed) return;
    this.#suspended = true;
    if (dropped) this.#dropped = true;
  }

  /** Deliver again after {@link suspend}: re-create watchers if dropped, then the requests made meanwhile. */
  resume(): void {
    if (this.#closed || !this.#suspended) return;
    this.#suspended = false;
    if (this.#dropped) {
      this.#dropped = false;
      for (const w of this.#watchers.values()) this.#recreate(w);
    }
    const outbox = this.#outbox;
    this.#outbox = [];
    for (const q of outbox) {
      if (this.#closed) return;
      if ('create' in q) this.#create(q.create);
      else this.requestProgress();
    }
    this.#wake();
  }

  /** Cancel every watcher as etcd cancels one that fell behind compaction (a fault), at `revision`. */
  cancelCompacted(revision: number): void {
    for (const w of this.#watchers.values()) {
      if (w.retired) continue;
      w.compactedAt = revision;
      w.compacted = true;
      this.#behind.add(w);
    }
    this.#wake();
  }

  /** Called by a watcher when a change at log position `pos` concerns it. */
  markBehind(w: StreamWatcher, pos: number): void {
    if (w.pos >= 0 || w.compacted) return;
    w.pos = pos;
    this.#behind.add(w);
    this.#wake();
  }

  next(): Promise<IteratorResult<WatchResponse>> {
    const response = this.#produce();
    if (response !== undefined) return Promise.resolve({ value: response, done: false });
    if (this.#closed) {
      if (this.#error !== undefined) return Promise.reject(this.#error);
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<WatchResponse>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchResponse> {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #shutdown(error: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    for (const w of this.#watchers.values()) this.#host.hub.remove(w);
    this.#host.watchersChanged(-this.#watchers.size);
    this.#watchers.clear();
    this.#behind.clear();
    this.#replies = [];
    this.#progressTimer?.cancel();
    this.#progressTimer = undefined;
    this.#host.detach(this);
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (error !== undefined) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  /** Point `w` at the revision after its last delivered event, as a new create from there would. */
  #recreate(w: StreamWatcher): void {
    const store = this.#host.store;
    if (w.compactedAt !== undefined || w.retired) return;
    w.lastPos = store.logEnd - 1;
    w.compacted = w.nextRev < store.compactRev;
    w.pos = w.compacted || w.nextRev > store.rev ? -1 : store.firstPosAtOrAfter(w.nextRev);
    if (w.compacted || (w.pos >= 0 && w.pos < store.logEnd)) this.#behind.add(w);
    else {
      w.pos = -1;
      this.#behind.delete(w);
    }
  }

  #refuse(reason: string): void {
    this.#reply({
      ...this.#empty(this.#host.store.rev, -1),
      created: true,
      canceled: true,
      cancelReason: reason,
    });
  }

  /** Stop a watcher canceled for compaction; it stays on the stream until cancelled (see `retired`). */
  #retire(w: StreamWatcher): void {
    w.retired = true;
    w.compacted = true;
    this.#behind.delete(w);
    this.#host.hub.remove(w);
  }

  #remove(w: StreamWatcher): void {
    this.#watchers.delete(w.id);
    this.#host.watchersChanged(-1);
    this.#behind.delete(w);
    this.#host.hub.remove(w);
    if (this.#progressTimer !== undefined && ![...this.#watchers.values()].some((x) => x.progressNotify)) {
      this.#progressTimer.cancel();
      this.#progressTimer = undefined;
    }
  }

  #empty(revision: number, watchId: number): WatchResponse {
    return {
      header: this.#host.header(revision),
      watchId,
      created: false,
      canceled: false,
      compactRevision: 0,
      cancelReason: '',
      fragment: false,
      events: [],
    };
  }

  #reply(response: WatchResponse): void {
    this.#replies.push(response);
    this.#wake();
  }

  /** Hand responses to waiting consumers, after the writer's call has returned. */
  #wake(): void {
    if (this.#waiters.length === 0 || this.#drainQueued) return;
    this.#drainQueued = true;
    queueMicrotask(() => {
      this.#drainQueued = false;
      while (this.#waiters.length > 0) {
        const response = this.#produce();
        if (response === undefined) return;
        this.#waiters.shift()!.resolve({ value: response, done: false });
      }
    });
  }

  /** The next response: queued replies first, then the next revision of some watcher that is behind. */
  #produce(): WatchResponse | undefined {
    if (this.#closed) return undefined;
    if (this.#localReplies.length > 0) return this.#localReplies.shift();
    if (this.#suspended) return undefined;
    if (this.#replies.length > 0) return this.#replies.shift();
    for (const w of this.#behind) {
      const response = this.#pull(w);
      if (response !== undefined) return response;
    }
    return undefined;
  }

  /**
   * True once the store reached the start revision `w` asked for. etcd (3.4.38, 3.5.22, 3.6.2 on) sends
   * no progress for a watcher whose start is still ahead: a notice at a revision below its start would
   * say nothing about it. Older releases count such a watcher as synced.
   */
  #started(w: StreamWatcher, rev: number): boolean {
    return this.#host.behaviour.progressForFutureWatchers || w.requestedStart <= rev;
  }

  /** True when `w` has nothing left to deliver (settling it if its pending changes are all filtered). */
  #caughtUp(w: StreamWatcher): boolean {
    if (w.pos < 0 && !w.compacted) return true;
    if (w.compacted || w.pos < this.#host.store.logBase) return false;
    if (this.#nextMatch(w) >= 0) return false;
    w.pos = -1;
    this.#behind.delete(w);
    return true;
  }

  /** Log position of `w`'s next deliverable change, or −1 (reads up to its last known change). */
  #nextMatch(w: StreamWatcher): number {
    const store = this.#host.store;
    const end = Math.min(store.logEnd, w.lastPos + 1);
    for (let pos = w.pos; pos < end; pos++) if (w.wants(store.logAt(pos))) return pos;
    return -1;
  }

  /** Build `w`'s next response (one revision), or mark it caught up and return undefined. */
  #pull(w: StreamWatcher): WatchResponse | undefined {
    const response = this.#nextResponse(w);
    if (response !== undefined) this.#afterWatcherResponse();
    return response;
  }

  #nextResponse(w: StreamWatcher): WatchResponse | undefined {
    const store = this.#host.store;
    if (w.compacted || w.pos < store.logBase) {
      this.#retire(w);
      // etcd leaves the header unset on a compaction cancel: revision 0. Its compact revision is −1 before
      // the first compaction (a negative start on releases that accept one).
      return { ...this.#empty(0, w.id), canceled: true, compactRevision: w.compactedAt ?? store.compactRev };
    }
    let pos = this.#nextMatch(w);
    if (pos < 0) {
      w.pos = -1;
      this.#behind.delete(w);
      return undefined;
    }
    const rev = store.logAt(pos).mod;
    const events: WatchEvent[] = [];
    for (; pos < store.logEnd; pos++) {
      const r = store.logAt(pos);
      if (r.mod !== rev) break;
      if (w.wants(r)) events.push(this.#event(w, r));
    }
    if (pos > w.lastPos) {
      w.pos = -1;
      this.#behind.delete(w);
    } else {
      w.pos = pos;
    }
    w.sentSinceTick = true;
    w.nextRev = rev + 1;
    return { ...this.#empty(rev, w.id), events };
  }

  #event(w: StreamWatcher, r: KeyRev): WatchEvent {
    const tombstone = r.create === 0;
    const event: WatchEvent = {
      type: tombstone ? 'DELETE' : 'PUT',
      kv: tombstone ? r.toDeleteKeyValue() : r.toKeyValue(),
    };
    // etcd reads prev_kv at mod − 1, omits it when that is below the compact revision, and skips it for
    // create events (create == mod), even when the key existed before a same-txn delete re-created it.
    if (w.prevKv && r.create !== r.mod) {
      const prev = r.before();
      if (prev !== undefined && prev.create !== 0 && r.mod - 1 >= this.#host.store.compactRev) {
        event.prevKv = prev.toKeyValue();
      }
    }
    return event;
  }

  #startProgressTimer(): void {
    if (this.#progressTimer !== undefined || this.#closed) return;
    this.#progressTimer = this.#host.clock.setTimeout(() => {
      this.#progressTimer = undefined;
      this.#progressTick();
      if (!this.#closed && [...this.#watchers.values()].some((w) => w.progressNotify))
        this.#startProgressTimer();
    }, this.#host.progressIntervalMs);
  }

  /** Every caught-up watcher that asked for progress and got no events since the last tick gets a notice. */
  #progressTick(): void {
    const rev = this.#host.store.rev;
    let sent = false;
    for (const w of this.#watchers.values()) {
      if (!w.progressNotify) continue;
      if (!w.sentSinceTick && this.#started(w, rev) && this.#caughtUp(w)) {
        this.#reply(this.#empty(rev, w.id));
        sent = true;
      }
      w.sentSinceTick = false;
    }
    if (sent) this.#afterWatcherResponse();
  }
}

/** Check a create request's types (etcd's own refusals come later, as responses). */
function parseCreate(request: WatchCreateRequest): ParsedCreate {
  const r = requestArg('watch create request', request);
  const key = storeString('key', r.key);
  const rangeEnd = r.rangeEnd === undefined ? '' : storeString('rangeEnd', r.rangeEnd);
  const start = intArg('startRevision', r.startRevision);
  const watchId = intArg('watchId', r.watchId);
  const prevKv = boolArg('prevKv', r.prevKv);
  const progressNotify = boolArg('progressNotify', r.progressNotify);
  boolArg('fragment', r.fragment);
  const filters = r.filters ?? [];
  if (!Array.isArray(filters) || filters.some((f) => f !== 'NOPUT' && f !== 'NODELETE')) {
    throw new InvalidArgumentError(
      `filters must be an array of 'NOPUT' | 'NODELETE', received ${describe(filters)}`,
    );
  }
  return { key, rangeEnd, start, watchId, prevKv, progressNotify, filters };
}
