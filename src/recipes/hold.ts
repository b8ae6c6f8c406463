/**
 * Hold: a key created on a session's lease, owned while it exists with the create revision it was given.
 * It is Mutex's ownership pattern (isOwner compare, fencing token, `lost`) as one piece, for the recipes
 * that came after Mutex: RWMutex, Semaphore, Barrier, DoubleBarrier and queue claims.
 */

import type { KvBackend } from '../interface/backend.js';
import { ClosedError, LeaseNotFoundError } from '../interface/errors.js';
import type { Bytes, Compare, RangeResponse, RequestOp, TxnResponse } from '../interface/kv.js';
import { LockCleanupError, LockReleasedError, SessionExpiredError } from './errors.js';
import { rangeAt, sleep, throwIfAborted } from './internal.js';
import type { Session } from './session.js';

/** A key owned by this process on `session`'s lease (internal: the recipes expose its parts). */
export class Hold {
  /** The session whose lease the key is on. */
  readonly session: Session;
  /** The key. */
  readonly key: string;
  /** The key's create revision: the fencing token. */
  readonly rev: number;
  readonly #lost = new AbortController();
  #released = false;
  readonly #unlink: () => void;

  constructor(session: Session, key: string, rev: number) {
    this.session = session;
    this.key = key;
    this.rev = rev;
    const done = session.done;
    const onDone = (): void => this.#lost.abort(done.reason);
    if (done.aborted) this.#lost.abort(done.reason);
    else done.addEventListener('abort', onDone, { once: true });
    this.#unlink = () => done.removeEventListener('abort', onDone);
  }

  get #backend(): KvBackend {
    return this.session.backend;
  }

  /** Aborts when the session ends while the key is held (its reason is the session's `done` reason). */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  /** True until release() or the session's end. */
  get held(): boolean {
    return !this.#released && !this.#lost.signal.aborted;
  }

  /** `create_revision(key) == rev`: true only while this very key still exists. */
  isOwner(): Compare {
    return { key: this.key, target: 'CREATE', result: 'EQUAL', createRevision: this.rev };
  }

  /** A txn guarded by {@link isOwner} (and `extra`): `succeeded` false means the key is gone. */
  guardedTxn(success: RequestOp[], failure: RequestOp[] = [], extra: Compare[] = []): Promise<TxnResponse> {
    return this.#backend.txn({ compare: [this.isOwner(), ...extra], success, failure });
  }

  /** Stop following the session; the key is left as it is (after a delete done elsewhere). */
  forget(): void {
    this.#released = true;
    this.#unlink();
  }

  /**
   * Delete the key if it is still this one (guarded: a late or retried release can never delete a newer
   * key of the same name, unlike Go's unguarded Unlock, etcd #22082). Resolves true if it deleted it.
   * If the request fails, the key is still held (as Mutex.unlock): call release again.
   */
  async release(signal?: AbortSignal): Promise<boolean> {
    const r = await this.#backend.txn(
      { compare: [this.isOwner()], success: [{ requestDeleteRange: { key: this.key } }] },
      { signal },
    );
    this.forget();
    return r.succeeded;
  }
}

/**
 * One txn: create `key` with `value` on the session's lease unless it exists (then read it), and run
 * `reads` in the same revision. Resolves the key's create revision and the `reads`' responses.
 */
export async function createOnLease(
  session: Session,
  key: string,
  value: Bytes,
  reads: RequestOp[],
  signal?: AbortSignal,
): Promise<{ rev: number; created: boolean; response: TxnResponse; reads: RangeResponse[] }> {
  throwIfAborted(signal);
  if (!session.alive) throw new SessionExpiredError({ cause: session.done.reason });
  const response = await onLease(
    session.backend.txn(
      {
        compare: [{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
        success: [{ requestPut: { key, value, lease: session.lease } }, ...reads],
        failure: [{ requestRange: { key } }, ...reads],
      },
      // Not aborted mid-flight (as Mutex): an aborted write may still be applied and leave the key unseen.
    ),
  );
  let rev = response.header.revision;
  if (!response.succeeded) {
    const kv = rangeAt(response, 0)?.kvs[0];
    if (!kv) throw new SessionExpiredError();
    rev = kv.createRevision;
  }
  const out: RangeResponse[] = [];
  for (let i = 1; i <= reads.length; i++) out.push(rangeAt(response, i)!);
  return { rev, created: response.succeeded, response, reads: out };
}

/**
 * A write that puts a key on the session's lease: the server refusing the lease (expired before the
 * session's keepalive noticed) is reported as {@link SessionExpiredError}.
 */
export async function onLease<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof LeaseNotFoundError) throw new SessionExpiredError({ cause: error });
    throw error;
  }
}

/** An AbortSignal already aborted with {@link LockReleasedError}: `lost` when nothing is held. */
export function releasedSignal(): AbortSignal {
  const c = new AbortController();
  c.abort(new LockReleasedError());
  return c.signal;
}

/**
 * After a failed attempt whose write may have been applied (its reply lost, or applied before an abort):
 * delete `key` while `guard` holds (the key is ours; no guard: a plain delete, as Go's Mutex deletes),
 * retrying with backoff for up to the session's TTL.
 * Resolves once the key is gone or not ours. If it gives up, throws {@link LockCleanupError} (its `cause`
 * is `failure`, the attempt's own error): the key may then remain until the session ends (its lease
 * expires or close() revokes it). Mutex and every recipe after it clean up with this.
 */
export async function removeKey(
  session: Session,
  key: string,
  guard: Compare | undefined,
  failure: unknown,
  what: string,
): Promise<void> {
  const { backend } = session;
  const budget = new AbortController();
  const timer = backend.clock.setTimeout(() => budget.abort(), session.ttl * 1000);
  let delay = 50;
  try {
    for (;;) {
      try {
        const options = { signal: budget.signal };
        if (guard === undefined) await backend.deleteRange({ key }, options);
        else await backend.txn({ compare: [guard], success: [{ requestDeleteRange: { key } }] }, options);
        return;
      } catch (error) {
        const giveUp = (): never => {
          throw new LockCleanupError(key, { cause: failure, cleanupError: error, what });
        };
        if (budget.signal.aborted || error instanceof ClosedError) giveUp();
        const slept = await sleep(backend.clock, delay, budget.signal).then(
          () => true,
          () => false,
        );
        if (!slept) giveUp();
        delay = Math.min(delay * 2, 1_000);
      }
    }
  } finally {
    timer.cancel();
  }
}

/** The guard of {@link removeKey} for a key whose create revision we may not know: "it is on our lease". */
export function onOurLease(key: string, session: Session): Compare {
  return { key, target: 'LEASE', result: 'EQUAL', lease: session.lease };
}
