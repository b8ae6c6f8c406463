/** Helpers for the fault tests: a store on a manual clock, and waiting for a promise in clock time. */

import { flushMicrotasks, ManualClock } from '../../src/clock/manual-clock.js';
import { MemoryStore } from '../../src/memory-backend/index.js';

/** A store on a manual clock with the test server's minimum TTL (1 s) and a fixed seed. */
export function faultStore(seed = 7): { clock: ManualClock; store: MemoryStore } {
  const clock = new ManualClock();
  return { clock, store: new MemoryStore({ clock, minLeaseTtl: 1, seed }) };
}

/** How a promise settled, and at what clock time. */
export type Settled<T> = { ok: true; value: T; at: number } | { ok: false; error: unknown; at: number };

/**
 * Move `clock` from timer to timer (letting promise callbacks run between them) until `promise`
 * settles; fail after `maxMs` of clock time.
 */
export async function settle<T>(
  clock: ManualClock,
  promise: Promise<T>,
  maxMs = 120_000,
): Promise<Settled<T>> {
  let result: Settled<T> | undefined;
  promise.then(
    (value) => {
      result = { ok: true, value, at: clock.now() };
    },
    (error: unknown) => {
      result = { ok: false, error, at: clock.now() };
    },
  );
  const end = clock.now() + maxMs;
  await flushMicrotasks();
  while (result === undefined) {
    const next = clock.nextTimerAt;
    if (next === undefined || next > end) throw new Error(`not settled within ${maxMs} ms of clock time`);
    clock.advance(Math.max(0, next - clock.now()));
    await flushMicrotasks();
  }
  return result;
}

/** Advance `clock` by `ms`, timer by timer, letting promise callbacks run between timers. */
export async function pass(clock: ManualClock, ms: number): Promise<void> {
  const end = clock.now() + ms;
  await flushMicrotasks();
  for (;;) {
    const next = clock.nextTimerAt;
    if (next === undefined || next > end) break;
    clock.advance(Math.max(0, next - clock.now()));
    await flushMicrotasks();
  }
  clock.advance(end - clock.now());
  await flushMicrotasks();
}
