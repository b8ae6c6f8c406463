/**
 * Time as the backends and recipes see it. Everything time-based in the memory backend (lease expiry,
 * progress notices) and in the recipes (keepalive, retries) goes through a Clock, so a test can use
 * {@link ManualClock} and expire a 30 s lease by advancing time, without sleeping.
 */

/** A cancellable timer returned by {@link Clock.setTimeout}. */
export interface ClockTimer {
  /** Cancel the timer; a no-op once it has fired. */
  cancel(): void;
}

/** A source of time and timers. */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never decreases. */
  now(): number;
  /** Run `callback` once, `ms` milliseconds from now (0 or less: at the next opportunity). */
  setTimeout(callback: () => void, ms: number): ClockTimer;
}
