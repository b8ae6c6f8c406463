/** Small async helpers shared by the recipes (not exported from the package). */

import { prefixRange } from '../common/bytes.js';
import type { Clock } from '../interface/clock.js';
import { AbortError } from '../interface/errors.js';
import type { RangeRequest } from '../interface/kv.js';

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
export function firstCreate(prefix: string): RangeRequest {
  return { ...prefixRange(prefix), sortTarget: 'CREATE', sortOrder: 'ASCEND', limit: 1 };
}
