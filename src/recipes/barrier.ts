/**
 * Barrier: one key blocks everyone who waits on it until it is deleted, after etcd's recipe
 * (client/v3/experimental/recipes/barrier.go): hold creates the key, release deletes it, wait returns
 * once the key is absent.
 *
 * Departure from Go, for crash safety: Go's Hold writes the key with no lease, so a holder that crashes
 * leaves it behind and blocks every waiter forever. Here hold() puts it on the holder's session lease.
 * What waiters observe when the holder crashes: its lease expires (TTL after its last keepalive), the key
 * is deleted, and every wait() returns exactly as after release(). A barrier therefore means "wait while
 * a live holder says so"; to learn that work was completed, have the holder write a result key.
 */

import type { KvBackend } from '../interface/backend.js';
import { CompactedError, InvalidArgumentError } from '../interface/errors.js';
import type { ResponseHeader } from '../interface/kv.js';
import { KeyExistsError, SessionExpiredError, WaitTimeoutError } from './errors.js';
import { createOnLease, Hold, onOurLease, removeKey } from './hold.js';
import { throwIfAborted, type WaitOptions, waitSignal } from './internal.js';
import type { Session } from './session.js';

/**
 * A barrier on one key. Anyone with the backend may wait or release; holding needs a {@link Session}.
 * `await using` on the value hold() resolves to releases the barrier at scope end if this object still
 * holds it.
 */
export class Barrier implements AsyncDisposable {
  readonly #backend: KvBackend;
  readonly #key: string;
  #hold: Hold | undefined;

  /** A barrier on `key`. */
  constructor(backend: KvBackend, key: string) {
    if (typeof key !== 'string' || key === '')
      throw new InvalidArgumentError(
        `Barrier: key must be a non-empty string, received ${JSON.stringify(key)}`,
      );
    this.#backend = backend;
    this.#key = key;
  }

  /** The barrier key. */
  get key(): string {
    return this.#key;
  }

  /** True while this object holds the barrier (until release or the session's end). */
  get held(): boolean {
    return this.#hold?.held ?? false;
  }

  /**
   * Raise the barrier: create its key on `session`'s lease. Throws {@link KeyExistsError} ("key already
   * exists", as Go) if another session holds it; holding it again from the same session is a no-op.
   */
  async hold(session: Session, options: { signal?: AbortSignal } = {}): Promise<this> {
    throwIfAborted(options.signal);
    if (!session.alive) throw new SessionExpiredError({ cause: session.done.reason });
    let created: Awaited<ReturnType<typeof createOnLease>>;
    try {
      created = await createOnLease(session, this.#key, '', [], options.signal);
    } catch (error) {
      // Its reply may have been lost.
      await removeKey(session, this.#key, onOurLease(this.#key, session), error, 'barrier: hold');
      throw error;
    }
    if (!created.created) {
      const kv = created.response.responses[0];
      const lease = kv && 'responseRange' in kv ? kv.responseRange.kvs[0]?.lease : undefined;
      if (lease !== session.lease) throw new KeyExistsError();
    }
    this.#hold?.forget();
    this.#hold = new Hold(session, this.#key, created.rev);
    return this;
  }

  /**
   * Lower the barrier: delete its key, whoever holds it (as Go), releasing every waiter. A no-op when it
   * is not raised.
   */
  async release(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#hold?.forget();
    this.#hold = undefined;
    await this.#backend.deleteRange({ key: this.#key }, { signal: options.signal });
  }

  /** Lower the barrier if this object still holds it (only its own hold: a later holder's is kept). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#hold?.held) await this.#hold.release();
    this.#hold = undefined;
  }

  /**
   * Wait until the barrier is down: resolves at once if its key is absent, else when the key is deleted
   * (released, or its holder's lease ended). Resolves with the header of the read or of the delete.
   * If the watch is lost (compacted) the key is read again: a key raised anew meanwhile (another create
   * revision) means the raise we waited on has ended, and the wait resolves.
   */
  async wait(options: WaitOptions = {}): Promise<ResponseHeader> {
    const { signal, dispose, timedOut } = waitSignal(this.#backend.clock, options, 'barrier: wait');
    try {
      let raise: number | undefined; // the create revision of the key we wait on
      for (;;) {
        throwIfAborted(signal);
        const got = await this.#backend.range({ key: this.#key }, { signal });
        const kv = got.kvs[0];
        if (kv === undefined || (raise !== undefined && kv.createRevision !== raise)) return got.header;
        raise = kv.createRevision;
        const watcher = this.#backend.watch(
          { key: this.#key, startRevision: got.header.revision + 1, filters: ['NOPUT'] },
          { signal },
        );
        try {
          for await (const response of watcher) {
            if (response.events.length > 0) return response.header;
          }
        } catch (error) {
          if (!(error instanceof CompactedError)) throw error; // compacted: read again
        } finally {
          await watcher.cancel();
        }
      }
    } catch (error) {
      if (timedOut()) throw new WaitTimeoutError('barrier: wait', options.timeoutMs ?? 0, { cause: error });
      throw error;
    } finally {
      dispose();
    }
  }
}
