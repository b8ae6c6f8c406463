/**
 * Session: a lease kept alive in the background, like etcd's concurrency.Session. Locks, elections and
 * registrations put their keys on the session's lease, so they disappear when the session ends.
 */

import type { KvBackend } from '../interface/backend.js';
import { InvalidArgumentError, LeaseNotFoundError } from '../interface/errors.js';
import { LeaseLostError } from '../lease/errors.js';
import { type KeepAlive, keepAlive } from '../lease/keep-alive.js';
import { SessionClosedError } from './errors.js';
import { throwIfAborted } from './internal.js';
import type { Mutex } from './mutex.js';

/** Options for {@link Session.create}. */
export interface SessionOptions {
  /** Lease TTL in seconds (default 60, as in etcd). Ignored when `lease` is given. */
  ttl?: number;
  /** Adopt an existing lease instead of granting one (Go: WithLease); its granted TTL is looked up. */
  lease?: bigint;
  /** Abort creating the session. Aborting later does not end it: call orphan() or close(). */
  signal?: AbortSignal;
}

/**
 * A lease with a keepalive loop on `backend.clock`.
 *
 * `done` aborts when the session ends; `finished` resolves with the same reason. What each reason
 * guarantees about the lease on the server (and so about the locks, leaderships and registrations on it):
 *
 * - {@link LeaseLostError} `expired`: a keepalive was answered with TTL 0. The server has no such lease
 *   any more (it expired, or another client revoked it): every key on it has been deleted.
 * - {@link LeaseLostError} `unreachable`: no keepalive succeeded within the TTL (server down, partition,
 *   replies lost). This is the client's conclusion, not the server's: the lease may still be alive. Its
 *   keys can stay visible to others, and a guarded write ({@link Mutex.guardedTxn}, an election's
 *   ownership compare) can still commit, until the server expires it: up to one TTL after the last renewal
 *   it received, or one TTL after an etcd restart or leader change, since etcd then gives every lease a
 *   fresh TTL.
 * - {@link SessionClosedError} `closed`: close() was called. The lease is revoked (its keys deleted) once
 *   close() resolves without an error; if the revoke failed, as for `orphaned`.
 * - {@link SessionClosedError} `orphaned`: orphan() stopped the renewals. The lease and its keys live on
 *   until it expires on the server (up to one TTL, as above).
 *
 * What a holder must do: once `done` aborts, stop acting as the holder (stop the work the lock or
 * leadership protects; start nothing new under it). That is not enough on its own: `done` can come late
 * (a process paused past the TTL learns nothing until it runs again) and the lease can outlive it, so
 * make every protected write a guarded write (or check a fencing token), which the server refuses once
 * the lease and its key are gone, whatever this process believes.
 */
export class Session implements AsyncDisposable {
  /** The backend the session's lease lives on. */
  readonly backend: KvBackend;
  /** The session's lease ID. */
  readonly lease: bigint;
  /** The granted TTL in seconds. */
  readonly ttl: number;
  readonly #keepAlive: KeepAlive;
  readonly #done = new AbortController();
  readonly #finished: Promise<Error>;
  #closing: Promise<void> | undefined;

  private constructor(backend: KvBackend, lease: bigint, ttl: number, renewedAt: number) {
    this.backend = backend;
    this.lease = lease;
    this.ttl = ttl;
    this.#keepAlive = keepAlive(backend, lease, { ttl, renewedAt });
    this.#finished = new Promise((resolve) => {
      this.#done.signal.addEventListener('abort', () => resolve(this.#done.signal.reason as Error), {
        once: true,
      });
    });
    this.#keepAlive.lost.addEventListener('abort', () => this.#end(this.#keepAlive.lost.reason as Error), {
      once: true,
    });
  }

  /** Grant a lease (or adopt `options.lease`) and start keeping it alive. */
  static async create(backend: KvBackend, options: SessionOptions = {}): Promise<Session> {
    throwIfAborted(options.signal);
    const sentAt = backend.clock.now();
    if (options.lease !== undefined) {
      if (typeof options.lease !== 'bigint') {
        throw new InvalidArgumentError(`Session: lease must be a bigint, received ${typeof options.lease}`);
      }
      const info = await backend.leaseTimeToLive({ id: options.lease }, { signal: options.signal });
      if (info.ttl <= 0) throw new LeaseNotFoundError();
      // The lease may expire in info.ttl seconds unless renewed: that is the first deadline.
      return new Session(
        backend,
        options.lease,
        info.grantedTtl,
        sentAt - (info.grantedTtl - info.ttl) * 1000,
      );
    }
    const ttl = options.ttl ?? 60;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0) {
      throw new InvalidArgumentError(
        `Session: ttl must be a positive integer (seconds), received ${String(ttl)}`,
      );
    }
    const granted = await backend.leaseGrant({ ttl }, { signal: options.signal });
    return new Session(backend, granted.id, granted.ttl, sentAt);
  }

  /**
   * Aborted when the session ends. Its reason is a {@link LeaseLostError} (`expired`: the lease is gone on
   * the server; `unreachable`: no renewal within the TTL, the lease may still be alive there) or a
   * {@link SessionClosedError} (`closed`, `orphaned`). See the class comment for what each guarantees.
   */
  get done(): AbortSignal {
    return this.#done.signal;
  }

  /** Resolves with the reason once the session has ended. */
  get finished(): Promise<Error> {
    return this.#finished;
  }

  /** True while the session has not ended. */
  get alive(): boolean {
    return !this.#done.signal.aborted;
  }

  /** The keepalive loop (deadline, renewal count, loss reason). */
  get keepAlive(): KeepAlive {
    return this.#keepAlive;
  }

  /** Stop renewing the lease without revoking it: its keys live until the TTL runs out (Go: Orphan). */
  orphan(): void {
    this.#keepAlive.stop();
    this.#end(new SessionClosedError('orphaned'));
  }

  /**
   * Stop renewing and revoke the lease, deleting every key on it (Go: Close). A lease that is already
   * gone is not an error. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const lost = this.#keepAlive.lossReason;
      // End first, so that `done` reports the close and not the revoke it causes.
      this.#end(new SessionClosedError('closed'));
      // Like Go, the revoke is bounded by the TTL: past it the lease is gone anyway.
      const timeout = new AbortController();
      const timer = this.backend.clock.setTimeout(() => timeout.abort(), this.ttl * 1000);
      try {
        if (lost === 'expired' || lost === 'revoked') this.#keepAlive.stop();
        else await this.#keepAlive.revoke(timeout.signal);
      } catch (error) {
        if (!(error instanceof LeaseNotFoundError) && !timeout.signal.aborted) throw error;
      } finally {
        timer.cancel();
      }
    })();
    return this.#closing;
  }

  /** `await using session = await Session.create(...)` closes (revokes) the session at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #end(reason: Error): void {
    if (!this.#done.signal.aborted) this.#done.abort(reason);
  }
}

/** True when `reason` (a `done` reason) means the lease was lost rather than released on purpose. */
export function isLeaseLoss(reason: unknown): reason is LeaseLostError {
  return reason instanceof LeaseLostError;
}
