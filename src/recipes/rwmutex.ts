/**
 * RWMutex: many readers or one writer, after etcd's recipe (client/v3/experimental/recipes/rwmutex.go).
 *
 * A reader puts `pfx/read/<id>`, a writer `pfx/write/<id>`, on the session's lease. A reader holds the
 * lock once no writer key is older than its own; a writer once no key at all is older. So the queue is
 * fair in create-revision order: a waiting writer blocks every reader that comes after it, and readers
 * that came before it share the lock. Each waiter watches only the newest key it must outlive
 * ({@link waitDeletes}), as Go's waitOnLastRev does.
 *
 * Departures from Go, each for crash safety or for parity with {@link Mutex}:
 * - `<id>` is `<leaseHex>_<random>` rather than the time in ns: it names the owner's lease and cannot
 *   collide across machines.
 * - The key is created and the blockers read in one txn (Go: a put, then a get). Blockers are found by
 *   create revision (Go filters by mod revision; the keys are never modified, so it is the same order).
 * - After the wait, the key is read again; if the lease ran out meanwhile the lock is not granted
 *   ({@link SessionExpiredError}, etcd #11456 as in Mutex). After any failure once the key's create was
 *   sent (abort, timeout, a lost reply, a failed wait) the key is deleted, retried for up to the session
 *   TTL as Mutex does, so an abandoned waiter does not block the queue (past that, until its session
 *   ends).
 * - Fencing: the key's create revision is a token that grows from each holder to the next conflicting
 *   one; {@link RWMutex.isOwner} guards writes; unlock deletes only this holder's key (Go's does not
 *   check, etcd #22082).
 */

import type { KvBackend } from '../interface/backend.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type { Compare, RequestOp, ResponseHeader, TxnResponse } from '../interface/kv.js';
import { LockedError, LockReleasedError, SessionExpiredError, WaitTimeoutError } from './errors.js';
import { createOnLease, Hold, onOurLease, releasedSignal, removeKey } from './hold.js';
import {
  firstCreate,
  linkSignals,
  throwIfAborted,
  uniqueSuffix,
  type WaitOptions,
  waitSignal,
} from './internal.js';
import type { Session } from './session.js';
import { waitDeletes } from './wait-deletes.js';

/** Which side of an {@link RWMutex} is held. */
export type RWMode = 'read' | 'write';

/**
 * A distributed readers-writer lock on a key prefix, for one {@link Session}. One object holds one side
 * at a time (no upgrade: rUnlock, then lock). Make one object per concurrent holder; several may share a
 * session. `await using` on the value a lock call resolves to releases it at scope end.
 */
export class RWMutex implements AsyncDisposable {
  readonly #session: Session;
  readonly #pfx: string;
  readonly #suffix: string;
  #hold: Hold | undefined;
  #mode: RWMode | undefined;
  #busy = false;
  #hdr: ResponseHeader | undefined;

  /** A readers-writer lock on `pfx` (keys `pfx/read/<id>` and `pfx/write/<id>`) for `session`. */
  constructor(session: Session, pfx: string) {
    if (typeof pfx !== 'string')
      throw new InvalidArgumentError(`RWMutex: pfx must be a string, received ${typeof pfx}`);
    this.#session = session;
    this.#pfx = `${pfx}/`;
    this.#suffix = uniqueSuffix(session.lease);
  }

  get #backend(): KvBackend {
    return this.#session.backend;
  }

  /** The session this lock belongs to. */
  get session(): Session {
    return this.#session;
  }

  /** The side held: 'read', 'write', or undefined when not held. */
  get mode(): RWMode | undefined {
    return this.held ? this.#mode : undefined;
  }

  /** This holder's key while held, else "". */
  get key(): string {
    return this.#hold?.key ?? '';
  }

  /** The header of the read that granted the lock. */
  get header(): ResponseHeader | undefined {
    return this.#hdr;
  }

  /**
   * The fencing token: this holder's key's create revision, −1 when not held. Any two holders that
   * exclude each other (a writer and anyone) got tokens in the order they held the lock.
   */
  get fencingToken(): number {
    return this.#hold?.rev ?? -1;
  }

  /** True between a successful lock call and its unlock (or the session's end). */
  get held(): boolean {
    return this.#hold?.held ?? false;
  }

  /** Aborts when the lock is lost while held (the session ended); a fresh signal per acquisition. */
  get lost(): AbortSignal {
    return this.#hold?.lost ?? releasedSignal();
  }

  /** A compare true only while this holder's key exists (Go: IsOwner, as in Mutex). */
  isOwner(): Compare {
    return this.#hold?.isOwner() ?? { key: this.#pfx, target: 'CREATE', result: 'EQUAL', createRevision: -1 };
  }

  /** Run `success` only while this holder still holds the lock (guarded by {@link isOwner}). */
  guardedTxn(success: RequestOp[], failure: RequestOp[] = [], extra: Compare[] = []): Promise<TxnResponse> {
    return this.#backend.txn({ compare: [this.isOwner(), ...extra], success, failure });
  }

  /** Take the read side, waiting while an older writer holds or waits (Go: RLock). Resolves to this. */
  rLock(options: WaitOptions = {}): Promise<this> {
    return this.#acquire('read', options, true);
  }

  /** Take the write side, waiting until every older holder and waiter is gone (Go: Lock). */
  lock(options: WaitOptions = {}): Promise<this> {
    return this.#acquire('write', options, true);
  }

  /** Take the read side only if no writer is ahead now; otherwise throw {@link LockedError}. */
  tryRLock(options: WaitOptions = {}): Promise<this> {
    return this.#acquire('read', options, false);
  }

  /** Take the write side only if nobody is ahead now; otherwise throw {@link LockedError}. */
  tryLock(options: WaitOptions = {}): Promise<this> {
    return this.#acquire('write', options, false);
  }

  /** Release the read side; {@link LockReleasedError} if it is not held by this object. */
  rUnlock(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#unlock('read', options.signal);
  }

  /** Release the write side; {@link LockReleasedError} if it is not held by this object. */
  unlock(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#unlock('write', options.signal);
  }

  /** Release whichever side is held; a no-op when none is. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#hold) return;
    await this.#hold.release();
    this.#clear();
  }

  /** If the delete fails, the lock stays held (as Mutex.unlock) and unlock can be called again. */
  async #unlock(mode: RWMode, signal: AbortSignal | undefined): Promise<void> {
    const hold = this.#hold;
    if (!hold || this.#mode !== mode) throw new LockReleasedError();
    await hold.release(signal);
    this.#clear();
  }

  #clear(): void {
    this.#hold?.forget();
    this.#hold = undefined;
    this.#mode = undefined;
    this.#hdr = undefined;
  }

  async #acquire(mode: RWMode, options: WaitOptions, wait: boolean): Promise<this> {
    if (this.#busy || this.#hold) {
      throw new InvalidArgumentError(
        `RWMutex: this object already ${this.#hold ? `holds the ${this.#mode} side` : 'is acquiring'}; release it first (one side per object)`,
      );
    }
    this.#busy = true;
    const session = this.#session;
    const what = `rwmutex: ${mode === 'read' ? 'rLock' : 'lock'}`;
    const { signal, dispose, timedOut } = waitSignal(this.#backend.clock, options, what);
    const key = `${this.#pfx}${mode}/${this.#suffix}`;
    // A reader waits for older writers only; a writer for every older key.
    const blockers = mode === 'read' ? `${this.#pfx}write/` : this.#pfx;
    let rev = -1;
    let sent = false;
    try {
      throwIfAborted(signal);
      if (!session.alive) throw new SessionExpiredError({ cause: session.done.reason });
      sent = true;
      const created = await createOnLease(
        session,
        key,
        '',
        [{ requestRange: firstCreate(blockers) }],
        signal,
      );
      rev = created.rev;
      const first = created.reads[0]?.kvs[0];
      if (first && first.createRevision < rev) {
        if (!wait) throw new LockedError();
        const linked = linkSignals(signal, session.done);
        try {
          await waitDeletes(this.#backend, blockers, rev - 1, linked.signal);
        } finally {
          linked.dispose();
        }
        // The lease may have run out while we waited: then our key is gone (etcd #11456).
        const got = await this.#backend.range({ key }, { signal });
        if (got.kvs[0]?.createRevision !== rev) throw new SessionExpiredError();
        this.#hdr = got.header;
      } else {
        this.#hdr = created.response.header;
      }
      this.#hold = new Hold(session, key, rev);
      this.#mode = mode;
      return this;
    } catch (error) {
      // Remove our key whatever happened (it may exist even if the create's reply was lost), so it blocks
      // nobody; past the session TTL of retries it may remain until the session ends.
      if (sent) await removeKey(session, key, onOurLease(key, session), error, what);
      if (timedOut()) throw new WaitTimeoutError(what, options.timeoutMs ?? 0, { cause: error });
      if (!session.alive && !signal?.aborted && !(error instanceof LockedError))
        throw new SessionExpiredError({ cause: error });
      throw error;
    } finally {
      this.#busy = false;
      dispose();
    }
  }
}
