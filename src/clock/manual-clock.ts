import type { Clock, ClockTimer } from '../interface/clock.js';
import { InvalidArgumentError } from '../interface/errors.js';

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told. {@link ManualClock.advance} fires every due timer in time order
 * (ties in scheduling order), including timers that the callbacks themselves schedule within the span,
 * with `now()` set to each timer's due time while it runs.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback, cancelled: false };
    this.#pending.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Due time of the earliest timer not yet fired or cancelled; undefined when there is none. */
  get nextTimerAt(): number | undefined {
    return this.#nextDue(Number.POSITIVE_INFINITY)?.at;
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#pending.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new InvalidArgumentError(`advance(ms) needs a finite number ≥ 0, received ${String(ms)}`);
    }
    const target = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(target);
      if (!next) break;
      this.#now = next.at;
      next.cancelled = true;
      next.callback();
    }
    this.#now = target;
    this.#pending = this.#pending.filter((t) => !t.cancelled);
  }

  /**
   * Advance in steps of `stepMs`, letting promise callbacks run between steps, so that async work a timer
   * starts (a keepalive request, a retry) completes before the next timer fires.
   */
  async advanceAsync(ms: number, stepMs = 100): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0 || !(stepMs > 0)) {
      throw new InvalidArgumentError(
        `advanceAsync(ms, stepMs) needs ms ≥ 0 and stepMs > 0, received ${ms}, ${stepMs}`,
      );
    }
    let left = ms;
    await flushMicrotasks();
    while (left > 0) {
      const step = Math.min(stepMs, left);
      this.advance(step);
      left -= step;
      await flushMicrotasks();
    }
  }

  #nextDue(limit: number): Pending | undefined {
    let best: Pending | undefined;
    for (const t of this.#pending) {
      if (t.cancelled || t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** Let queued promise callbacks and immediates run (a macrotask turn). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
