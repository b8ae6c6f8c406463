/**
 * Leases on an injectable clock: grant (minimum TTL, ID choice), renew, revoke, and expiry. Expiry runs
 * from one clock timer set for the earliest deadline, and also lazily before every request, so a lease
 * past its deadline is never seen alive, whatever the timer's lateness.
 */

import type { Clock, ClockTimer } from '../interface/clock.js';
import { LeaseExistsError, LeaseTtlTooLargeError } from '../interface/errors.js';
import { SplitMix64 } from './prng.js';

/** The longest timer Node runs as asked (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** etcd's MaxLeaseTTL, in seconds. */
export const MAX_LEASE_TTL = 9_000_000_000;

/** One live lease. */
export class Lease {
  /** Attached keys (Latin-1 storage strings), in attachment order. */
  readonly keys = new Set<string>();
  constructor(
    readonly id: bigint,
    /** Granted TTL in seconds (after the minimum was applied). */
    readonly ttl: number,
    /** Clock time (ms) at which the lease expires. */
    public expiry: number,
  ) {}
}

/** The set of live leases and their expiry timer. */
export class Lessor {
  readonly #leases = new Map<bigint, Lease>();
  readonly #clock: Clock;
  readonly #minTtl: number;
  readonly #rng: SplitMix64;
  readonly #onExpire: (lease: Lease) => void;
  #timer: ClockTimer | undefined;
  #timerAt = Infinity;
  #expiring = false;
  /** The server is stopped or down (a fault): nothing expires until it runs again. */
  #frozen = false;

  /** `onExpire` revokes an expired lease (deleting its keys); the lessor has already forgotten it. */
  constructor(clock: Clock, minTtl: number, seed: bigint, onExpire: (lease: Lease) => void) {
    this.#clock = clock;
    this.#minTtl = minTtl;
    this.#rng = new SplitMix64(seed);
    this.#onExpire = onExpire;
  }

  /** Grant a lease; `id` 0n lets the lessor choose a random positive int64 above 2^53. */
  grant(ttl: number, id: bigint): Lease {
    if (ttl > MAX_LEASE_TTL) throw new LeaseTtlTooLargeError();
    if (id === 0n) id = this.#randomId();
    else if (this.#leases.has(id)) throw new LeaseExistsError();
    const granted = Math.max(ttl, this.#minTtl);
    const lease = new Lease(id, granted, this.#clock.now() + granted * 1000);
    this.#leases.set(id, lease);
    this.#schedule(lease.expiry);
    return lease;
  }

  /** The live lease with this ID. */
  get(id: bigint): Lease | undefined {
    return this.#leases.get(id);
  }

  /** Every live lease. */
  all(): IterableIterator<Lease> {
    return this.#leases.values();
  }

  /** Forget a lease (the caller deletes its keys); with the last one goes the expiry timer. */
  remove(id: bigint): Lease | undefined {
    const lease = this.#leases.get(id);
    if (lease !== undefined) this.#leases.delete(id);
    if (this.#leases.size === 0) this.close();
    return lease;
  }

  /** Reset a lease's expiry to now + its TTL; undefined when it is unknown. */
  renew(id: bigint): Lease | undefined {
    const lease = this.#leases.get(id);
    if (lease === undefined) return undefined;
    lease.expiry = this.#clock.now() + lease.ttl * 1000;
    return lease;
  }

  /** Remaining whole seconds of a lease. */
  remaining(lease: Lease): number {
    return Math.floor((lease.expiry - this.#clock.now()) / 1000);
  }

  /** Revoke every lease past its deadline, earliest first, each through `onExpire`. */
  expireDue(): void {
    if (this.#expiring || this.#frozen || this.#leases.size === 0) return;
    const now = this.#clock.now();
    if (this.#timerAt > now && !this.#anyDue(now)) return;
    this.#expiring = true;
    try {
      const due = [...this.#leases.values()]
        .filter((l) => l.expiry <= now)
        .sort((a, b) => a.expiry - b.expiry);
      for (const lease of due) {
        if (this.#leases.get(lease.id) !== lease) continue;
        this.#leases.delete(lease.id);
        this.#onExpire(lease);
      }
    } finally {
      this.#expiring = false;
    }
    this.#reschedule();
  }

  /** Add a lease as a snapshot holds it: its granted TTL and the time it had left. */
  restore(id: bigint, ttl: number, remainingMs: number): Lease {
    const lease = new Lease(id, ttl, this.#clock.now() + remainingMs);
    this.#leases.set(id, lease);
    this.#schedule(lease.expiry);
    return lease;
  }

  /** Expire one lease now, as if its TTL had run out (a fault); false if it is unknown. */
  expire(id: bigint): boolean {
    const lease = this.#leases.get(id);
    if (lease === undefined) return false;
    this.#leases.delete(id);
    this.#onExpire(lease);
    return true;
  }

  /** Stop expiring leases (the server process is stopped or down), or start again (expiring what is due). */
  setFrozen(frozen: boolean): void {
    this.#frozen = frozen;
    if (!frozen) {
      this.expireDue();
      this.#reschedule();
    }
  }

  /** Reset every lease to its full TTL from now, as etcd does when its server restarts. */
  renewAll(): void {
    const now = this.#clock.now();
    for (const lease of this.#leases.values()) lease.expiry = now + lease.ttl * 1000;
  }

  /** Stop the timer. */
  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #anyDue(now: number): boolean {
    // Only reached when the timer is not due: a lease cannot expire before the earliest scheduled time
    // unless the timer was set late, so this scan is the rare path.
    return this.#timerAt === Infinity && this.#leases.size > 0 && this.#earliest() <= now;
  }

  #earliest(): number {
    let min = Infinity;
    for (const l of this.#leases.values()) if (l.expiry < min) min = l.expiry;
    return min;
  }

  #schedule(at: number): void {
    if (at >= this.#timerAt) return;
    this.#timer?.cancel();
    // Node timers overflow above 2^31 − 1 ms (and then fire at once): wake up early instead.
    const now = this.#clock.now();
    const delay = Math.min(at - now, MAX_TIMER_DELAY_MS);
    this.#timerAt = now + delay;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      // Frozen: setFrozen(false) reschedules.
      if (this.#frozen) return;
      this.expireDue();
      this.#reschedule();
    }, delay);
  }

  #reschedule(): void {
    const at = this.#earliest();
    if (at !== Infinity) this.#schedule(at);
  }

  #randomId(): bigint {
    for (;;) {
      // 63 random bits, kept above 2^53 as etcd's IDs are (they are ~1.9e18).
      const id = this.#rng.next() >> 1n;
      if (id > 2n ** 53n && !this.#leases.has(id)) return id;
    }
  }
}
