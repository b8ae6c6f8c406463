/**
 * A client's own view of time: the store's clock, except that it can be paused, as a process stopped
 * with SIGSTOP is. While paused, timers that fall due are held; on resume they fire at once, in the
 * order they fell due — the overdue keepalive and deadline timers a resumed process runs first.
 * `now()` always reads the store's clock: a stopped process that wakes up reads the current time.
 */

import type { Clock, ClockTimer } from '../../interface/clock.js';

/** A timer that fell due while the clock was paused. */
interface Held {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** The clock a {@link MemoryBackend} client hands to recipes (`backend.clock`); see the module comment. */
export class ClientClock implements Clock {
  readonly #base: Clock;
  #paused = false;
  #held: Held[] = [];
  #seq = 0;

  constructor(base: Clock) {
    this.#base = base;
  }

  /** The clock this view runs on (the store's). */
  get base(): Clock {
    return this.#base;
  }

  /** True while paused. */
  get paused(): boolean {
    return this.#paused;
  }

  now(): number {
    return this.#base.now();
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const at = this.#base.now() + Math.max(0, ms);
    const seq = this.#seq++;
    let cancelled = false;
    const timer = this.#base.setTimeout(() => {
      if (cancelled) return;
      if (!this.#paused) callback();
      else this.#held.push({ at, seq, fire: () => cancelled || callback() });
    }, ms);
    return {
      cancel: () => {
        cancelled = true;
        timer.cancel();
      },
    };
  }

  /** Stop firing timers (they are held until {@link resume}). */
  pause(): void {
    this.#paused = true;
  }

  /** Fire the held timers in the order they fell due, then run normally again. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    const held = this.#held.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.#held = [];
    for (let i = 0; i < held.length; i++) {
      // A timer's callback may pause the clock again: hold the rest.
      if (this.#paused) {
        this.#held.push(...held.slice(i));
        return;
      }
      held[i]!.fire();
    }
  }
}
