/** Small async helpers shared by the recipes (of these, only the WaitOptions type is exported from the package). */

import { randomBytes } from 'node:crypto';
import { leaseHex, prefixRange } from '../common/bytes.js';
import type { Clock } from '../interface/clock.js';
import { AbortError, InvalidArgumentError } from '../interface/errors.js';
import type { Bytes, RangeRequest, RangeResponse, TxnResponse } from '../interface/kv.js';
import { WaitTimeoutError } from './errors.js';

/** The error to throw when `signal` aborted: its reason if that is an Error, else an AbortError. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason;
  return new AbortError(undefined, { cause: reason });
}

/** Throw if `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortReason(signal);
}

/** Resolve after `ms` of `clock` time; reject when `signal` aborts. Listeners and timers are removed. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(abortReason(signal!));
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One AbortController that aborts when any of `signals` aborts (with that signal's reason). `dispose()`
 * removes the listeners; call it when the guarded work is over.
 */
export function linkSignals(...signals: (AbortSignal | undefined)[]): {
  signal: AbortSignal;
  abort(reason?: unknown): void;
  dispose(): void;
} {
  const controller = new AbortController();
  const cleanups: (() => void)[] = [];
  for (const s of signals) {
    if (!s) continue;
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const onAbort = (): void => controller.abort(s.reason);
    s.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => s.removeEventListener('abort', onAbort));
  }
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      for (const c of cleanups) c();
      cleanups.length = 0;
    },
  };
}

/** Go's WithFirstCreate: the oldest key under a prefix (sort by create revision ascending, limit 1). */
export function firstCreate(prefix: Bytes): RangeRequest {
  return { ...prefixRange(prefix), sortTarget: 'CREATE', sortOrder: 'ASCEND', limit: 1 };
}

/** Options of every recipe call that can wait. */
export interface WaitOptions {
  /** Give up waiting when aborted; whatever the wait created is removed and the abort reason is thrown. */
  signal?: AbortSignal;
  /** Give up after this many ms of the backend's clock, with a {@link WaitTimeoutError}. */
  timeoutMs?: number;
}

/**
 * The caller's signal plus an optional timeout on `clock` that aborts it with a {@link WaitTimeoutError}
 * naming `what`. `dispose()` cancels the timer and removes the listeners.
 */
export function waitSignal(
  clock: Clock,
  options: WaitOptions,
  what: string,
): { signal: AbortSignal | undefined; dispose(): void; timedOut(): boolean } {
  const { timeoutMs } = options;
  if (timeoutMs === undefined) return { signal: options.signal, dispose: () => {}, timedOut: () => false };
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new InvalidArgumentError(
      `${what}: timeoutMs must be a finite number ≥ 0, received ${String(timeoutMs)}`,
    );
  }
  const linked = linkSignals(options.signal);
  let fired = false;
  const timer = clock.setTimeout(() => {
    fired = true;
    linked.abort(new WaitTimeoutError(what, timeoutMs));
  }, timeoutMs);
  return {
    signal: linked.signal,
    dispose: () => {
      timer.cancel();
      linked.dispose();
    },
    timedOut: () => fired,
  };
}

/**
 * A key suffix unique to one recipe object: `<leaseHex>_<12 random hex digits>`. The lease part tells
 * whose key it is; the random part lets one session hold several (Go uses the time in ns instead).
 */
export function uniqueSuffix(lease: bigint): string {
  return `${leaseHex(lease)}_${randomBytes(6).toString('hex')}`;
}

/** The range response at position `i` of a txn's responses (undefined if that op was not a range). */
export function rangeAt(response: TxnResponse, i: number): RangeResponse | undefined {
  const op = response.responses[i];
  return op && 'responseRange' in op ? op.responseRange : undefined;
}
