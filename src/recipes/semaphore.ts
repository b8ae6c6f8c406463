/**
 * Semaphore: at most `limit` holders at a time, lease-backed and fair. etcd's recipes have none; this one
 * is built from the same parts as {@link Mutex}.
 *
 * Two key sets under `pfx`, both on the contender's session lease:
 * - `pfx/waiters/<id>`: the queue. Waiters are served in create-revision order, and each waits only for
 *   the waiter just before it ({@link waitDeletes}), like Mutex: no thundering herd.
 * - `pfx/holders/<id>`: the permits. Only the first waiter may add one: when fewer than `limit` holder
 *   keys exist, it deletes its waiter key and creates its holder key in one txn, guarded by its waiter
 *   key still existing. Since only the first waiter adds holders, the count it read cannot grow before
 *   its txn, so there are never more than `limit`. When the permits are all taken, only the first waiter
 *   watches them, for a delete.
 *
 * A holder or waiter that crashes loses its keys when its lease expires, which frees its permit or its
 * place. The holder key's create revision is the fencing token (it grows with every grant), and
 * {@link Semaphore.isOwner} guards writes. Every contender must use the same `limit`: it is not stored.
 */

import { prefixRange } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { CompactedError, InvalidArgumentError } from '../interface/errors.js';
import type { Compare, RangeResponse, RequestOp, TxnResponse } from '../interface/kv.js';
import { LockReleasedError, SemaphoreFullError, SessionExpiredError, WaitTimeoutError } from './errors.js';
import { createOnLease, Hold, onLease, onOurLease, releasedSignal, removeKey } from './hold.js';
import {
  firstCreate,
  linkSignals,
  rangeAt,
  throwIfAborted,
  uniqueSuffix,
  type WaitOptions,
  waitSignal,
} from './internal.js';
import type { Session } from './session.js';
import { waitDeletes } from './wait-deletes.js';

/**
 * A counting semaphore on a key prefix, for one {@link Session}: one object takes one permit at a time.
 * `await using` on the value `acquire()` resolves to releases the permit at scope end.
 */
export class Semaphore implements AsyncDisposable {
  readonly #session: Session;
  readonly #pfx: string;
  readonly #limit: number;
  readonly #waitKey: string;
  readonly #holdKey: string;
  #hold: Hold | undefined;
  #busy = false;

  /** A semaphore of `limit` permits on `pfx` (keys `pfx/waiters/<id>`, `pfx/holders/<id>`) for `session`. */
  constructor(session: Session, pfx: string, limit: number) {
    if (typeof pfx !== 'string')
      throw new InvalidArgumentError(`Semaphore: pfx must be a string, received ${typeof pfx}`);
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
      throw new InvalidArgumentError(`Semaphore: limit must be an integer ≥ 1, received ${String(limit)}`);
    this.#session = session;
    this.#pfx = `${pfx}/`;
    this.#limit = limit;
    const id = uniqueSuffix(session.lease);
    this.#waitKey = `${this.#pfx}waiters/${id}`;
    this.#holdKey = `${this.#pfx}holders/${id}`;
  }

  get #backend(): KvBackend {
    return this.#session.backend;
  }

  /** The number of permits. */
  get limit(): number {
    return this.#limit;
  }

  /** The session this semaphore belongs to. */
  get session(): Session {
    return this.#session;
  }

  /** This holder's key, `pfx/holders/<id>`, while held; else "". */
  get key(): string {
    return this.#hold?.key ?? '';
  }

  /** The fencing token: the holder key's create revision, growing with every grant; −1 when not held. */
  get fencingToken(): number {
    return this.#hold?.rev ?? -1;
  }

  /** True between a successful acquire and release (or the session's end). */
  get held(): boolean {
    return this.#hold?.held ?? false;
  }

  /** Aborts when the permit is lost while held (the session ended); a fresh signal per acquisition. */
  get lost(): AbortSignal {
    return this.#hold?.lost ?? releasedSignal();
  }

  /** A compare true only while this permit is held: guard protected writes with it. */
  isOwner(): Compare {
    return (
      this.#hold?.isOwner() ?? { key: this.#holdKey, target: 'CREATE', result: 'EQUAL', createRevision: -1 }
    );
  }

  /** Run `success` only while this permit is still held (guarded by {@link isOwner}). */
  guardedTxn(success: RequestOp[], failure: RequestOp[] = [], extra: Compare[] = []): Promise<TxnResponse> {
    return this.#backend.txn({ compare: [this.isOwner(), ...extra], success, failure });
  }

  /**
   * Take a permit, waiting in line until one is free. Resolves to this semaphore. After abort, timeout or
   * any error (a lost reply included) our keys are deleted, retried for up to the session TTL as Mutex
   * does. Throws {@link SessionExpiredError} if the lease ran out meanwhile.
   */
  acquire(options: WaitOptions = {}): Promise<this> {
    return this.#acquire(options, true);
  }

  /** Take a permit only if one is free and nobody waits; otherwise throw {@link SemaphoreFullError}. */
  tryAcquire(options: WaitOptions = {}): Promise<this> {
    return this.#acquire(options, false);
  }

  /**
   * Give the permit back; {@link LockReleasedError} if this object holds none. If the delete fails, the
   * permit stays held and release can be called again.
   */
  async release(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#hold) throw new LockReleasedError();
    await this.#hold.release(options.signal);
    this.#hold = undefined;
  }

  /** Give the permit back if held; a no-op otherwise. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#hold) return;
    await this.#hold.release();
    this.#hold = undefined;
  }

  /** The reads that decide: the first waiter, and how many permits are held. */
  #state(): RequestOp[] {
    return [
      { requestRange: firstCreate(`${this.#pfx}waiters/`) },
      { requestRange: { ...prefixRange(`${this.#pfx}holders/`), countOnly: true } },
    ];
  }

  async #acquire(options: WaitOptions, wait: boolean): Promise<this> {
    if (this.#busy || this.#hold)
      throw new InvalidArgumentError(
        'Semaphore: this object already holds or awaits a permit; release it first',
      );
    this.#busy = true;
    const session = this.#session;
    const backend = this.#backend;
    const what = 'semaphore: acquire';
    const { signal, dispose, timedOut } = waitSignal(backend.clock, options, what);
    let sent = false;
    let promoting = false;
    try {
      throwIfAborted(signal);
      if (!session.alive) throw new SessionExpiredError({ cause: session.done.reason });
      sent = true;
      const created = await createOnLease(session, this.#waitKey, '', this.#state(), signal);
      const waitRev = created.rev;
      let [first, holders] = created.reads as [RangeResponse, RangeResponse];
      let revision = created.response.header.revision;
      for (;;) {
        const isFirst = first.kvs[0]?.createRevision === waitRev;
        if (isFirst && holders.count < this.#limit) {
          promoting = true;
          const promoted = await onLease(
            backend.txn({
              compare: [{ key: this.#waitKey, target: 'CREATE', result: 'EQUAL', createRevision: waitRev }],
              success: [
                { requestDeleteRange: { key: this.#waitKey } },
                { requestPut: { key: this.#holdKey, value: '', lease: session.lease } },
              ],
            }),
          );
          if (!promoted.succeeded) throw new SessionExpiredError(); // our waiter key went with the lease
          this.#hold = new Hold(session, this.#holdKey, promoted.header.revision);
          return this;
        }
        if (!wait) throw new SemaphoreFullError();
        const linked = linkSignals(signal, session.done);
        try {
          if (!isFirst) await waitDeletes(backend, `${this.#pfx}waiters/`, waitRev - 1, linked.signal);
          else await this.#waitForFreePermit(revision, linked.signal);
        } finally {
          linked.dispose();
        }
        throwIfAborted(signal);
        const again = await backend.txn(
          { success: [{ requestRange: { key: this.#waitKey } }, ...this.#state()] },
          { signal },
        );
        if (rangeAt(again, 0)?.kvs[0]?.createRevision !== waitRev) throw new SessionExpiredError();
        first = rangeAt(again, 1)!;
        holders = rangeAt(again, 2)!;
        revision = again.header.revision;
      }
    } catch (error) {
      // Leave no key behind: neither our place in line nor a permit whose grant we did not see.
      if (sent) await removeKey(session, this.#waitKey, onOurLease(this.#waitKey, session), error, what);
      if (promoting) await removeKey(session, this.#holdKey, onOurLease(this.#holdKey, session), error, what);
      if (timedOut()) throw new WaitTimeoutError(what, options.timeoutMs ?? 0, { cause: error });
      if (!session.alive && !signal?.aborted && !(error instanceof SemaphoreFullError))
        throw new SessionExpiredError({ cause: error });
      throw error;
    } finally {
      this.#busy = false;
      dispose();
    }
  }

  /** As the first waiter with every permit taken: wait for a holder key to be deleted after `revision`. */
  async #waitForFreePermit(revision: number, signal: AbortSignal): Promise<void> {
    const watcher = this.#backend.watch(
      { ...prefixRange(`${this.#pfx}holders/`), startRevision: revision + 1, filters: ['NOPUT'] },
      { signal },
    );
    try {
      for await (const response of watcher) if (response.events.length > 0) return;
    } catch (error) {
      // Compacted: the caller reads the state again, so nothing is missed.
      if (!(error instanceof CompactedError)) throw error;
    } finally {
      await watcher.cancel();
    }
    throwIfAborted(signal);
  }
}
