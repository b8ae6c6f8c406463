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
 * with `now()` set to each timer's due time while it runs. Timers wait in a binary heap ordered by
 * (due time, scheduling order); cancelled ones are dropped when they reach the top.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Pending[] = [];
  #cancelled = 0;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback, cancelled: false };
    this.#push(timer);
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        this.#cancelled++;
      },
    };
  }

  /** Due time of the earliest timer not yet fired or cancelled; undefined when there is none. */
  get nextTimerAt(): number | undefined {
    return this.#top()?.at;
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#heap.length - this.#cancelled;
  }

  /** Move time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new InvalidArgumentError(`advance(ms) needs a finite number ≥ 0, received ${String(ms)}`);
    }
    const target = this.#now + ms;
    for (;;) {
      const next = this.#top();
      if (next === undefined || next.at > target) break;
      this.#pop();
      this.#now = next.at;
      next.cancelled = true;
      next.callback();
    }
    this.#now = target;
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

  /** The earliest live timer, after dropping cancelled ones from the top. */
  #top(): Pending | undefined {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.cancelled) {
      this.#pop();
      this.#cancelled--;
    }
    return heap[0];
  }

  #push(timer: Pending): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = timer;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

/** Heap order: earlier due time first, then earlier scheduling. */
function before(a: Pending, b: Pending): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Let queued promise callbacks and immediates run (a macrotask turn). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
