/**
 * Mutex: etcd's distributed lock (client/v3/concurrency/mutex.go), step for step (docs/semantics.md §10).
 *
 * Each contender puts `pfx/<leaseHex>` on its session's lease; the key with the lowest create revision
 * holds the lock, and every other contender waits only for the key just before its own. Leases are
 * wall-clock TTLs, so a paused holder can lose the lock without knowing it (Jepsen): guard protected
 * writes with {@link Mutex.isOwner} or pass {@link Mutex.fencingToken} to the resource.
 */

import { leaseHex } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type { Compare, RequestOp, ResponseHeader, TxnResponse } from '../interface/kv.js';
import {
  type LockCleanupError,
  LockedError,
  LockReleasedError,
  SessionExpiredError,
  WaitTimeoutError,
} from './errors.js';
import { removeKey } from './hold.js';
import { firstCreate, linkSignals, throwIfAborted, waitSignal } from './internal.js';
import type { Session } from './session.js';
import { waitDeletes } from './wait-deletes.js';

/** Options for {@link Mutex.lock} and {@link Mutex.tryLock}. */
export interface LockOptions {
  /** Give up waiting when aborted; the contender's key is removed and the abort reason is thrown. */
  signal?: AbortSignal;
  /** Give up after this many ms of the backend's clock, with a {@link WaitTimeoutError}. */
  timeoutMs?: number;
}

/** The key that marks "released" (Go uses "\x00" too). */
const RELEASED = '\u0000';

/**
 * A distributed mutex on a key prefix, for one {@link Session}. Reusable: lock, unlock, lock again.
 * `await using` works on the value `lock()` resolves to (the mutex itself): it unlocks if still held.
 */
export class Mutex implements AsyncDisposable {
  readonly #session: Session;
  readonly #pfx: string;
  #myKey = '';
  #myRev = -1;
  #hdr: ResponseHeader | undefined;
  #lost: AbortController | undefined;
  #unlink: (() => void) | undefined;

  /** A mutex on `pfx` (its keys are `pfx/<leaseHex>`) for `session`. */
  constructor(session: Session, pfx: string) {
    if (typeof pfx !== 'string')
      throw new InvalidArgumentError(`Mutex: pfx must be a string, received ${typeof pfx}`);
    this.#session = session;
    this.#pfx = `${pfx}/`;
  }

  get #backend(): KvBackend {
    return this.#session.backend;
  }

  /** The session this mutex belongs to. */
  get session(): Session {
    return this.#session;
  }

  /** This contender's key, `pfx/<leaseHex>`; "" before the first lock, "\0" after unlock (as in Go). */
  get key(): string {
    return this.#myKey;
  }

  /** The header of the read that confirmed ownership (Go: Header()). */
  get header(): ResponseHeader | undefined {
    return this.#hdr;
  }

  /**
   * The fencing token: the create revision of this contender's key. It grows strictly from one holder to
   * the next, so a resource that remembers the highest token it saw can refuse a stale holder. −1 when
   * not locked.
   */
  get fencingToken(): number {
    return this.#myRev;
  }

  /** True between a successful lock()/tryLock() and unlock() (or the session's end). */
  get held(): boolean {
    return this.#lost !== undefined && !this.#lost.signal.aborted;
  }

  /**
   * Aborts when the lock is lost while held: the session's lease expired or was revoked, or it was
   * orphaned or closed. Its reason is the session's `done` reason. A fresh signal per acquisition.
   */
  get lost(): AbortSignal {
    return (this.#lost ?? abortedReleased()).signal;
  }

  /**
   * A compare that holds only while this contender still owns the lock (Go: IsOwner):
   * `create_revision(myKey) == myRev`. Put it in every protected txn, so the write fails once the lease
   * is gone, even if this process has not noticed yet.
   */
  isOwner(): Compare {
    return { key: this.#myKey, target: 'CREATE', result: 'EQUAL', createRevision: this.#myRev };
  }

  /**
   * Run `success` only if this contender still owns the lock (a txn guarded by {@link isOwner}).
   * `succeeded` false means the lock was lost and nothing was written (`failure` ran instead).
   */
  guardedTxn(success: RequestOp[], failure: RequestOp[] = [], extra: Compare[] = []): Promise<TxnResponse> {
    return this.#backend.txn({ compare: [this.isOwner(), ...extra], success, failure });
  }

  /**
   * Acquire the lock, waiting (only on the immediate predecessor) until it is free. Resolves to this
   * mutex. Throws {@link SessionExpiredError} when the session's lease is gone once the wait is over
   * (etcd #11456).
   *
   * After any failure once the acquire request was sent (abort, timeout, an error of the acquire itself,
   * such as an UnknownOutcomeError whose put was in fact applied, or of the wait), the contender's key is
   * deleted, retried with backoff for up to the session TTL, so it never holds up other contenders. If it
   * still cannot be deleted, {@link LockCleanupError} is thrown (its `cause` is the original failure): the
   * key may then remain until the session ends. A failed lock() while already held leaves the lock held.
   */
  async lock(options: LockOptions = {}): Promise<this> {
    const { signal, dispose, timedOut } = waitSignal(this.#backend.clock, options, 'mutex: lock');
    const reentrant = this.held;
    const attempt = { sent: false };
    try {
      const response = await this.#tryAcquire(signal, attempt);
      const owner = ownerKv(response);
      if (!owner || owner.createRevision === this.#myRev) {
        this.#hdr = response.header;
        this.#markHeld();
        return this;
      }
      try {
        // Stop waiting as soon as our own lease is known to be gone.
        const wait = linkSignals(signal, this.#session.done);
        try {
          await waitDeletes(this.#backend, this.#pfx, this.#myRev - 1, wait.signal);
        } finally {
          wait.dispose();
        }
        // The lease may have expired while we waited: our key would be gone (etcd #11456).
        const got = await this.#backend.range({ key: this.#myKey }, { signal });
        if (got.kvs.length === 0) throw new SessionExpiredError();
        this.#hdr = got.header;
        this.#markHeld();
        return this;
      } catch (error) {
        if (timedOut()) throw new WaitTimeoutError('mutex: lock', options.timeoutMs ?? 0, { cause: error });
        if (!this.#session.alive && !signal?.aborted) throw new SessionExpiredError({ cause: error });
        throw error;
      }
    } catch (error) {
      if (attempt.sent && !reentrant) await this.#removeKey(error);
      throw error;
    } finally {
      dispose();
    }
  }

  /**
   * Acquire the lock only if it is free now. Otherwise delete this contender's key and throw
   * {@link LockedError} (Go: TryLock). Resolves to this mutex. Its key is removed after any failure, as
   * in {@link lock}.
   */
  async tryLock(options: LockOptions = {}): Promise<this> {
    const { signal, dispose } = waitSignal(this.#backend.clock, options, 'mutex: lock');
    const reentrant = this.held;
    const attempt = { sent: false };
    try {
      const response = await this.#tryAcquire(signal, attempt);
      const owner = ownerKv(response);
      if (!owner || owner.createRevision === this.#myRev) {
        this.#hdr = response.header;
        this.#markHeld();
        return this;
      }
      throw new LockedError();
    } catch (error) {
      if (attempt.sent && !reentrant) await this.#removeKey(error);
      throw error;
    } finally {
      dispose();
    }
  }

  /**
   * Release the lock: delete this contender's key. Throws {@link LockReleasedError} if not locked. If the
   * delete fails, the mutex stays held (as in Go) and unlock() can be called again.
   */
  async unlock(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#myKey === '' || this.#myRev <= 0 || this.#myKey === RELEASED) throw new LockReleasedError();
    await this.#release(options.signal);
  }

  /** Unlock if held; a no-op otherwise (so `await using` after a manual unlock is fine). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#myKey === '' || this.#myRev <= 0 || this.#myKey === RELEASED) return;
    await this.#release();
  }

  /** Go's tryAcquire: one txn that creates our key (or finds it) and reads the current owner. */
  async #tryAcquire(signal: AbortSignal | undefined, attempt: { sent: boolean }): Promise<TxnResponse> {
    throwIfAborted(signal);
    if (!this.#session.alive) throw new SessionExpiredError({ cause: this.#session.done.reason });
    this.#myKey = this.#pfx + leaseHex(this.#session.lease);
    const getOwner: RequestOp = { requestRange: firstCreate(this.#pfx) };
    attempt.sent = true;
    const response = await this.#backend.txn(
      {
        compare: [{ key: this.#myKey, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
        success: [{ requestPut: { key: this.#myKey, value: '', lease: this.#session.lease } }, getOwner],
        failure: [{ requestRange: { key: this.#myKey } }, getOwner],
      },
      // Not aborted mid-flight: a write aborted after it was sent may still be applied, and would leave our
      // key behind unseen. It is one short request; the caller's abort is honoured right after it.
    );
    this.#myRev = response.header.revision;
    if (!response.succeeded) {
      const first = response.responses[0];
      const kv = first && 'responseRange' in first ? first.responseRange.kvs[0] : undefined;
      // Our key vanished between compare and read: cannot happen within one txn, but fail clearly.
      if (!kv) throw new SessionExpiredError();
      this.#myRev = kv.createRevision;
    }
    return response;
  }

  /** Delete our key; the state says "released" only once the delete succeeded (Go: Unlock). */
  async #release(signal?: AbortSignal): Promise<void> {
    await this.#backend.deleteRange({ key: this.#myKey }, { signal });
    this.#reset();
  }

  /**
   * After a failed lock attempt: delete our key (the put may have been applied even when its reply was
   * lost), with the recipes' shared cleanup; past the session TTL it throws {@link LockCleanupError}.
   */
  async #removeKey(failure: unknown): Promise<void> {
    try {
      // Unguarded, as Go's Mutex deletes: the key is this session's own.
      await removeKey(this.#session, this.#myKey, undefined, failure, 'mutex: lock');
    } finally {
      this.#reset();
    }
  }

  #reset(): void {
    this.#unlink?.();
    this.#unlink = undefined;
    this.#lost = undefined;
    this.#myKey = RELEASED;
    this.#myRev = -1;
    this.#hdr = undefined;
  }

  #markHeld(): void {
    this.#unlink?.(); // re-entering (lock() while held) replaces the previous watch on the session
    const lost = new AbortController();
    const done = this.#session.done;
    const onDone = (): void => lost.abort(done.reason);
    if (done.aborted) lost.abort(done.reason);
    else done.addEventListener('abort', onDone, { once: true });
    this.#lost = lost;
    this.#unlink = () => done.removeEventListener('abort', onDone);
  }
}

/** The owner read (second response of the acquire txn): the first key by create revision. */
function ownerKv(response: TxnResponse) {
  const second = response.responses[1];
  return second && 'responseRange' in second ? second.responseRange.kvs[0] : undefined;
}

function abortedReleased(): AbortController {
  const c = new AbortController();
  c.abort(new LockReleasedError());
  return c;
}
