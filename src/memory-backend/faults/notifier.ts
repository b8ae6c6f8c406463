/** Waiting for a link's state to change, with a timeout on a clock and an AbortSignal. */

import type { Clock, ClockTimer } from '../../interface/clock.js';
import { AbortError } from '../../interface/errors.js';

/** Wakes every waiter when told that something changed; waiters re-check their condition. */
export class Notifier {
  #waiters = new Set<(changed: boolean) => void>();

  /** Wake every waiter. */
  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake(true);
  }

  /**
   * Resolves true at the next {@link notify}, false once `ms` of `clock` time passed (never, if `ms` is
   * undefined); rejects with AbortError when `signal` aborts. Its timer and listener are removed after.
   */
  wait(clock: Clock, ms: number | undefined, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(new AbortError());
    return new Promise<boolean>((resolve, reject) => {
      let timer: ClockTimer | undefined;
      const done = (changed: boolean): void => {
        this.#waiters.delete(done);
        timer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const onAbort = (): void => {
        this.#waiters.delete(done);
        timer?.cancel();
        reject(new AbortError());
      };
      this.#waiters.add(done);
      if (ms !== undefined) timer = clock.setTimeout(() => done(false), Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
