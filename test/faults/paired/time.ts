/**
 * Time for a paired test, on either side: real time against a real etcd (sleeps, bounded waits) or the
 * manual clock of a memory store (advanced timer by timer). A story written against {@link PairTime}
 * runs unchanged on both.
 */

import type { ManualClock } from '../../../src/clock/manual-clock.js';
import { pass, type Settled, settle } from '../helpers.js';

/** How a story lets time pass. */
export interface PairTime {
  /** Let `ms` pass. */
  sleep(ms: number): Promise<void>;
  /** Wait until `promise` settles (at most `maxMs`). */
  until<T>(promise: Promise<T>, maxMs?: number): Promise<Settled<T>>;
  /** Re-check until `check` returns true (at most `maxMs`), letting time pass. */
  waitFor(check: () => Promise<boolean>, maxMs?: number): Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Real time (etcd side). */
export function realTime(): PairTime {
  const start = Date.now();
  return {
    sleep: realSleep,
    until: <T>(promise: Promise<T>, maxMs = 20_000) =>
      new Promise<Settled<T>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not settled within ${maxMs} ms`)), maxMs);
        promise.then(
          (value) => {
            clearTimeout(timer);
            resolve({ ok: true, value, at: Date.now() - start });
          },
          (error: unknown) => {
            clearTimeout(timer);
            resolve({ ok: false, error, at: Date.now() - start });
          },
        );
      }),
    waitFor: async (check, maxMs = 20_000) => {
      const end = Date.now() + maxMs;
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`condition not met within ${maxMs} ms`);
        await realSleep(100);
      }
    },
  };
}

/** The manual clock of a memory store (memory side). */
export function manualTime(clock: ManualClock): PairTime {
  return {
    sleep: (ms) => pass(clock, ms),
    until: (promise, maxMs = 120_000) => settle(clock, promise, maxMs),
    waitFor: async (check, maxMs = 120_000) => {
      const end = clock.now() + maxMs;
      while (!(await check())) {
        if (clock.now() > end) throw new Error(`condition not met within ${maxMs} ms of clock time`);
        await pass(clock, 100);
      }
    },
  };
}

/** What a settled call ended in: "ok", or its error's class name. */
export function outcomeOf(settled: Settled<unknown>): string {
  return settled.ok ? 'ok' : ((settled.error as Error)?.constructor?.name ?? String(settled.error));
}
