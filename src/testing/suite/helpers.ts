/** Small conveniences shared by the conformance cases: revisions, error matching, watch recording. */

import { toText } from '../../common/bytes.js';
import type { KvBackend } from '../../interface/backend.js';
import type { EtcdError } from '../../interface/errors.js';
import type { KeyValue } from '../../interface/kv.js';
import { expect } from './expect.js';

/** The backend's current revision (Status header). */
export async function currentRevision(backend: KvBackend): Promise<number> {
  return (await backend.status()).header.revision;
}

/** Keys of `kvs` as text, in the order given. */
export function keysOf(kvs: readonly KeyValue[]): string[] {
  return kvs.map((kv) => toText(kv.key));
}

/** Values of `kvs` as text, in the order given. */
export function valuesOf(kvs: readonly KeyValue[]): string[] {
  return kvs.map((kv) => toText(kv.value));
}

/**
 * Await `promise`, expect it to reject with an instance of `cls`, and (when given) the exact etcd message,
 * code and gRPC code. Returns the error for further checks.
 */
export async function expectRejects<E extends EtcdError>(
  promise: Promise<unknown>,
  cls: abstract new (...args: never[]) => E,
  expected: { message?: string | RegExp; code?: string; grpcCode?: number } = {},
): Promise<E> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${cls.name}`).toBeInstanceOf(cls);
  const error = caught as E;
  if (typeof expected.message === 'string') expect(error.message).toBe(expected.message);
  else if (expected.message) expect(error.message).toMatch(expected.message);
  if (expected.code !== undefined) expect(error.code).toBe(expected.code);
  if (expected.grpcCode !== undefined) expect(error.grpcCode).toBe(expected.grpcCode);
  return error;
}

/**
 * Records an async iterable (a WatchStream or a Watcher) in the background, so a case can wait for the
 * next item with a timeout without losing items, and can see how the iteration ended.
 */
export class Recorder<T> {
  /** Every item received so far. */
  readonly items: T[] = [];
  /** True once the iteration ended (normally or with an error). */
  done = false;
  /** The error the iteration threw, if any. */
  error: unknown;
  #cursor = 0;
  #wake: (() => void) | undefined;
  readonly #finished: Promise<void>;

  constructor(source: AsyncIterable<T>) {
    this.#finished = (async () => {
      try {
        for await (const item of source) {
          this.items.push(item);
          this.#notify();
        }
      } catch (error) {
        this.error = error;
      } finally {
        this.done = true;
        this.#notify();
      }
    })();
  }

  /** Items received and not yet taken with {@link next}. */
  get pending(): number {
    return this.items.length - this.#cursor;
  }

  /** The next item not yet taken; fails after `timeoutMs` or when the iteration ends first. */
  async next(timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.#cursor >= this.items.length) {
      if (this.done) {
        throw new Error(
          `iteration ended (${this.error ? String(this.error) : 'no error'}) while waiting for an item`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no item within ${timeoutMs} ms (received ${this.items.length})`);
      await this.#sleepUntilNotified(left);
    }
    return this.items[this.#cursor++] as T;
  }

  /** Take the next `n` items. */
  async take(n: number, timeoutMs = 5_000): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(timeoutMs));
    return out;
  }

  /** Wait until the iteration ends; fails after `timeoutMs`. Returns the error it threw, if any. */
  async ended(timeoutMs = 5_000): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`iteration did not end within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.#finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.error;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #sleepUntilNotified(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
