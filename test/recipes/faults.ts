/**
 * Fault injection over a real backend (not a mock): a Proxy that forwards every call to the backend, except
 * that a test can make chosen methods fail (as an unreachable server would) or run a hook after them.
 */

import type { KvBackend } from '../../src/interface/backend.js';
import { UnavailableError, UnknownOutcomeError } from '../../src/interface/errors.js';
import type { Watcher } from '../../src/interface/watch.js';

/** Controls of {@link withFaults}. */
export interface Faults {
  readonly backend: KvBackend;
  /** Methods that currently reject with UnavailableError. */
  readonly failing: Set<keyof KvBackend>;
  /** Methods whose calls currently never answer (until the call's signal aborts), like a silent server. */
  readonly hanging: Set<keyof KvBackend>;
  /**
   * Methods whose calls are applied by the backend but whose reply is lost: they reject with
   * UnknownOutcomeError after the backend answered (sent, then the connection failed).
   */
  readonly replyLost: Set<keyof KvBackend>;
  /** Make the next `times` calls of `method` reject with UnavailableError (not sent), then recover. */
  failNext(method: keyof KvBackend, times: number): void;
  /** Run once after the next successful call of `method`, before its result is returned. */
  after(method: keyof KvBackend, hook: (result: unknown) => Promise<void>): void;
}

export function withFaults(inner: KvBackend): Faults {
  const failing = new Set<keyof KvBackend>();
  const hanging = new Set<keyof KvBackend>();
  const replyLost = new Set<keyof KvBackend>();
  const failCounts = new Map<keyof KvBackend, number>();
  const hooks = new Map<keyof KvBackend, (result: unknown) => Promise<void>>();
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const name = prop as keyof KvBackend;
      return (...args: unknown[]) => {
        const remaining = failCounts.get(name) ?? 0;
        if (remaining > 0) failCounts.set(name, remaining - 1);
        if (failing.has(name) || remaining > 0) {
          const error = new UnavailableError(`injected: ${String(name)} unreachable`);
          if (name === 'watch') return failedWatcher(error);
          return Promise.reject(error);
        }
        if (hanging.has(name)) {
          const signal = (args[1] as { signal?: AbortSignal } | undefined)?.signal;
          return new Promise((_, reject) => {
            signal?.addEventListener('abort', () => reject(new UnavailableError('injected: no answer')), {
              once: true,
            });
          });
        }
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (replyLost.has(name) && result instanceof Promise) {
          return result.then(() => {
            throw new UnknownOutcomeError(`injected: ${String(name)} applied, reply lost`);
          });
        }
        const hook = hooks.get(name);
        if (hook && result instanceof Promise) {
          hooks.delete(name);
          return result.then(async (r) => {
            await hook(r);
            return r;
          });
        }
        return result;
      };
    },
  });
  return {
    backend,
    failing,
    hanging,
    replyLost,
    failNext: (method, times) => failCounts.set(method, times),
    after: (method, hook) => hooks.set(method, hook),
  };
}

/** A Watcher that fails as soon as it is iterated, as a watch on an unreachable server would. */
function failedWatcher(error: Error): Watcher {
  const created = Promise.reject(error);
  created.catch(() => {});
  return {
    created,
    requestProgress: () => {},
    cancel: async () => {},
    [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
    [Symbol.asyncDispose]: async () => {},
  };
}
