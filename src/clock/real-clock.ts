import type { Clock, ClockTimer } from '../interface/clock.js';

/** Wall-clock time (monotonic) and Node timers. Timers are unref'd so they never keep a process alive. */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const handle = setTimeout(callback, Math.max(0, ms));
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  }
}

/** The shared real clock. */
export const realClock: Clock = new RealClock();
