/**
 * A generic lease keepalive loop, like the Go client's: renew every TTL/3 on the backend's clock and
 * report loss as an AbortSignal. Loss is a TTL-0 answer (expired, or revoked elsewhere), a revoke through
 * this handle, or no successful renewal within the TTL (the server is unreachable, so the lease must be
 * presumed gone: etcd may already have expired it).
 */

import type { KvBackend } from '../interface/backend.js';
import type { ClockTimer } from '../interface/clock.js';
import { InvalidArgumentError } from '../interface/errors.js';
import { type LeaseLossReason, LeaseLostError } from './errors.js';

/** Options for {@link keepAlive}. */
export interface KeepAliveOptions {
  /** The lease's granted TTL in seconds: the first deadline and the first renew interval come from it. */
  ttl: number;
  /** Stop renewing (without reporting a loss) when aborted. */
  signal?: AbortSignal;
  /** Delay before retrying a failed renewal, in ms (default: the smaller of 500 ms and TTL/3). */
  retryMs?: number;
  /**
   * Clock time (backend.clock.now()) when the lease was granted or last renewed; the first deadline is
   * this + TTL. Default: now. Pass the time the grant was *sent* to be exact.
   */
  renewedAt?: number;
}

/** A running keepalive loop; see {@link keepAlive}. */
export interface KeepAlive {
  /** The lease kept alive. */
  readonly leaseId: bigint;
  /** Aborted when the lease is lost; `lost.reason` is a {@link LeaseLostError}. Not aborted by stop(). */
  readonly lost: AbortSignal;
  /** Why the lease was lost, once it was. */
  readonly lossReason: LeaseLossReason | undefined;
  /** The TTL from the latest answer (s). */
  readonly ttl: number;
  /** Clock time by which the lease is known to be alive at the latest (send time of the last renewal + TTL). */
  readonly deadline: number;
  /** Number of successful renewals so far. */
  readonly renewals: number;
  /** True once stopped or lost. */
  readonly stopped: boolean;
  /** Stop renewing. The lease is left to expire on its own; `lost` is not aborted. */
  stop(): void;
  /** Stop renewing and revoke the lease (attached keys are deleted); `lost` aborts with reason "revoked". */
  revoke(signal?: AbortSignal): Promise<void>;
}

/**
 * Keep `leaseId` alive on `backend`: one renewal right away, then one every TTL/3 of `backend.clock`
 * (the TTL of the latest answer), retrying failed renewals. See {@link KeepAlive} for how loss is reported.
 */
export function keepAlive(backend: KvBackend, leaseId: bigint, options: KeepAliveOptions): KeepAlive {
  const { ttl, signal } = options;
  if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl)) {
    throw new InvalidArgumentError(
      `keepAlive: ttl must be a positive number of seconds, received ${String(ttl)}`,
    );
  }
  if (typeof leaseId !== 'bigint') {
    throw new InvalidArgumentError(`keepAlive: leaseId must be a bigint, received ${typeof leaseId}`);
  }
  const clock = backend.clock;
  const lostController = new AbortController();
  let currentTtl = ttl;
  let deadline = (options.renewedAt ?? clock.now()) + ttl * 1000;
  let renewals = 0;
  let stopped = false;
  let lossReason: LeaseLossReason | undefined;
  let nextTimer: ClockTimer | undefined;
  let deadlineTimer: ClockTimer | undefined;
  let inflight: AbortController | undefined;

  const halt = (): void => {
    stopped = true;
    nextTimer?.cancel();
    deadlineTimer?.cancel();
    inflight?.abort();
    signal?.removeEventListener('abort', onAbort);
  };
  const lose = (reason: LeaseLossReason): void => {
    if (stopped) return;
    halt();
    lossReason = reason;
    lostController.abort(new LeaseLostError(leaseId, reason));
  };
  const onAbort = (): void => halt();

  const armDeadline = (): void => {
    deadlineTimer?.cancel();
    deadlineTimer = clock.setTimeout(() => lose('unreachable'), deadline - clock.now());
  };
  const schedule = (ms: number): void => {
    if (stopped) return;
    nextTimer?.cancel();
    nextTimer = clock.setTimeout(() => void renew(), ms);
  };
  const retryMs = (): number => options.retryMs ?? Math.min(500, (currentTtl * 1000) / 3);

  const renew = async (): Promise<void> => {
    if (stopped) return;
    const sentAt = clock.now();
    const attempt = new AbortController();
    inflight = attempt;
    // A renewal that hangs (server gone silent) is abandoned after TTL/3 and retried, so a server that
    // comes back before the deadline is used again.
    const attemptTimer = clock.setTimeout(() => attempt.abort(), (currentTtl * 1000) / 3);
    try {
      const response = await backend.leaseKeepAlive({ id: leaseId }, { signal: attempt.signal });
      if (stopped) return;
      if (response.ttl <= 0) {
        lose('expired');
        return;
      }
      renewals++;
      currentTtl = response.ttl;
      // etcd set expiry = (time it received the request) + TTL ≥ sentAt + TTL.
      deadline = Math.max(deadline, sentAt + response.ttl * 1000);
      armDeadline();
      schedule((response.ttl * 1000) / 3);
    } catch {
      // Unreachable or slow server: retry until the deadline timer declares the lease lost.
      schedule(retryMs());
    } finally {
      attemptTimer.cancel();
      if (inflight === attempt) inflight = undefined;
    }
  };

  if (signal?.aborted) {
    stopped = true;
  } else {
    signal?.addEventListener('abort', onAbort, { once: true });
    armDeadline();
    void renew();
  }

  return {
    leaseId,
    lost: lostController.signal,
    get lossReason() {
      return lossReason;
    },
    get ttl() {
      return currentTtl;
    },
    get deadline() {
      return deadline;
    },
    get renewals() {
      return renewals;
    },
    get stopped() {
      return stopped;
    },
    stop: halt,
    async revoke(revokeSignal?: AbortSignal) {
      halt();
      try {
        await backend.leaseRevoke({ id: leaseId }, { signal: revokeSignal });
      } finally {
        // An earlier loss (e.g. expired) stays the reason; otherwise this revoke is.
        if (!lostController.signal.aborted) {
          lossReason = 'revoked';
          lostController.abort(new LeaseLostError(leaseId, 'revoked'));
        }
      }
    },
  };
}
