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
 * `done` aborts when the session ends: its `reason` is a {@link LeaseLostError} when the lease was lost
 * (expired, revoked elsewhere, or no keepalive succeeded within the TTL), or a {@link SessionClosedError}
 * after orphan() or close(). `finished` resolves with the same reason.
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

  /** Aborted when the session ends; see the class comment for the reasons. */
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
