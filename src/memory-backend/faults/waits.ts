/**
 * How a client's link waits: for its state to change (the link coming up, the process resuming), or for
 * time to pass, on the client's clock and with the caller's AbortSignal. Every wait can be failed at
 * once (the client closed), and timers and listeners are removed when a wait ends.
 */

import type { Clock, ClockTimer } from '../../interface/clock.js';
import { AbortError } from '../../interface/errors.js';

/** The waits of one link. */
export class Waits {
  readonly #clock: Clock;
  /** Waiters for the next change, resolved with true. */
  #changes = new Set<(changed: boolean) => void>();
  /** Every pending wait's rejecter, for {@link failAll}. */
  readonly #pending = new Set<(error: unknown) => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Wake every {@link change} waiter: the link's state changed. */
  notify(): void {
    const waiters = this.#changes;
    this.#changes = new Set();
    for (const wake of waiters) wake(true);
  }

  /**
   * Resolves true at the next {@link notify}, false once `ms` passed (never, if undefined); rejects
   * with AbortError when `signal` aborts.
   */
  change(ms: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
    return this.#wait(ms, signal, (done) => {
      this.#changes.add(done);
      return () => this.#changes.delete(done);
    });
  }

  /** Resolves after `ms`; rejects with AbortError when `signal` aborts. */
  async sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    await this.#wait(ms, signal, () => () => {});
  }

  /** Register `fail` (a wait of the caller's own) to be called by {@link failAll}; returns its removal. */
  track(fail: (error: unknown) => void): () => void {
    this.#pending.add(fail);
    return () => this.#pending.delete(fail);
  }

  /** Fail every pending wait with `error`. */
  failAll(error: unknown): void {
    for (const fail of [...this.#pending]) fail(error);
    this.#pending.clear();
    this.notify();
  }

  /** A wait that ends on `ms`, on `signal`, on failAll, or when `subscribe`'s callback is called. */
  #wait(
    ms: number | undefined,
    signal: AbortSignal | undefined,
    subscribe: (done: (changed: boolean) => void) => () => void,
  ): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(new AbortError());
    return new Promise<boolean>((resolve, reject) => {
      let timer: ClockTimer | undefined;
      const end = (): void => {
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        unsubscribe();
        this.#pending.delete(fail);
      };
      const done = (changed: boolean): void => {
        end();
        resolve(changed);
      };
      const fail = (error: unknown): void => {
        end();
        reject(error);
      };
      const onAbort = (): void => fail(new AbortError());
      const unsubscribe = subscribe(done);
      this.#pending.add(fail);
      if (ms !== undefined) timer = this.#clock.setTimeout(() => done(false), Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
