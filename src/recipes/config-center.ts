/**
 * ConfigCenter: a live, typed view of every key under a prefix. It loads the prefix with one read and
 * watches from that read's revision + 1, so no update made between the load and the watch is lost.
 * A watch that falls behind compaction triggers a full reload (reporting the differences), then resumes.
 */

import { AsyncQueue } from '../common/async-queue.js';
import { prefixRange, toText } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { ClosedError, CompactedError, InvalidArgumentError } from '../interface/errors.js';
import type { KeyValue } from '../interface/kv.js';
import { linkSignals, sleep, throwIfAborted } from './internal.js';

/** One accepted change of a config value. */
export interface ConfigChange<T> {
  type: 'put' | 'delete';
  /** Key relative to the prefix. */
  key: string;
  /** The new value (undefined on delete). */
  value: T | undefined;
  /** The last good value before this change, if any. */
  previous: T | undefined;
  /** Revision of the change (of the reload, for changes found by a reload). */
  revision: number;
  /** True when the change was found by a full reload after compaction rather than by a watch event. */
  reload: boolean;
}

/** A value that failed to parse or validate; the last good value of that key is kept. */
export interface ConfigError {
  type: 'error';
  key: string;
  /** The raw value as stored. */
  raw: Uint8Array;
  error: unknown;
  revision: number;
}

/** What {@link ConfigCenter.changes} yields. */
export type ConfigEvent<T> = ConfigChange<T> | ConfigError;

/** Options for {@link ConfigCenter.open}. */
export interface ConfigCenterOptions<T> {
  /** Key prefix, e.g. "config/app/". Keys are reported relative to it. */
  prefix: string;
  /** Turn a raw value into T; throw to reject it (default: the UTF-8 text, as T). */
  parse?: (raw: Uint8Array, key: string) => T;
  /** Check a parsed value; return false or throw to reject it. */
  validate?: (value: T, key: string) => unknown;
  /** Delay between watch retries after a backend error, in ms of the backend clock (default 500). */
  retryMs?: number;
  /** Abort the initial load; aborting later closes the center. */
  signal?: AbortSignal;
}

/** A live view of a config prefix. Close it with close() or `await using`. */
export class ConfigCenter<T = string> implements AsyncDisposable {
  readonly #backend: KvBackend;
  readonly #prefix: string;
  readonly #parse: (raw: Uint8Array, key: string) => T;
  readonly #validate: ((value: T, key: string) => unknown) | undefined;
  readonly #retryMs: number;
  readonly #values = new Map<string, T>();
  /** mod revision of the stored value per key (good or bad), to recognise unchanged keys on reload. */
  readonly #mods = new Map<string, number>();
  readonly #subscribers = new Set<AsyncQueue<ConfigEvent<T>>>();
  readonly #changeCallbacks = new Set<(change: ConfigChange<T>) => void>();
  readonly #errorCallbacks = new Set<(error: ConfigError) => void>();
  readonly #stop: ReturnType<typeof linkSignals>;
  #revision = 0;
  #reloads = 0;
  #loop: Promise<void> = Promise.resolve();

  private constructor(backend: KvBackend, options: ConfigCenterOptions<T>) {
    this.#backend = backend;
    this.#prefix = options.prefix;
    this.#parse = options.parse ?? ((raw) => toText(raw) as T);
    this.#validate = options.validate;
    this.#retryMs = options.retryMs ?? 500;
    this.#stop = linkSignals(options.signal);
    // Closing, or aborting the caller's signal, ends every iterator.
    this.#stop.signal.addEventListener(
      'abort',
      () => {
        for (const q of this.#subscribers) q.end();
        this.#subscribers.clear();
      },
      { once: true },
    );
  }

  /** Load `options.prefix` and start watching it. */
  static async open<T = string>(
    backend: KvBackend,
    options: ConfigCenterOptions<T>,
  ): Promise<ConfigCenter<T>> {
    if (typeof options?.prefix !== 'string' || options.prefix === '') {
      throw new InvalidArgumentError(
        `ConfigCenter: prefix must be a non-empty string, received ${typeof options?.prefix}`,
      );
    }
    throwIfAborted(options.signal);
    const center = new ConfigCenter<T>(backend, options);
    try {
      await center.#load(false);
    } catch (error) {
      await center.close();
      throw error;
    }
    center.#loop = center.#watchLoop();
    return center;
  }

  /** The current good value of `key` (relative to the prefix). */
  get(key: string): T | undefined {
    return this.#values.get(key);
  }

  /** True when `key` has a good value. */
  has(key: string): boolean {
    return this.#values.has(key);
  }

  /** A copy of every good value. */
  snapshot(): Map<string, T> {
    return new Map(this.#values);
  }

  /** The revision the view reflects. */
  get revision(): number {
    return this.#revision;
  }

  /** How many full reloads (after compaction) happened. */
  get reloads(): number {
    return this.#reloads;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Call `callback` on every accepted change; returns an unsubscribe function. */
  onChange(callback: (change: ConfigChange<T>) => void): () => void {
    this.#changeCallbacks.add(callback);
    return () => this.#changeCallbacks.delete(callback);
  }

  /** Call `callback` on every rejected value; returns an unsubscribe function. */
  onError(callback: (error: ConfigError) => void): () => void {
    this.#errorCallbacks.add(callback);
    return () => this.#errorCallbacks.delete(callback);
  }

  /**
   * Changes and rejected values from now on, as an async iterator. Ends when the center closes,
   * `signal` aborts, or the loop breaks.
   */
  changes(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<ConfigEvent<T>> {
    const signal = options.signal;
    const onAbort = (): void => queue.end();
    const queue: AsyncQueue<ConfigEvent<T>> = new AsyncQueue<ConfigEvent<T>>(() => {
      this.#subscribers.delete(queue);
      signal?.removeEventListener('abort', onAbort);
    });
    if (this.closed || signal?.aborted) {
      queue.end();
      return queue;
    }
    this.#subscribers.add(queue);
    signal?.addEventListener('abort', onAbort, { once: true });
    return queue;
  }

  /** Stop watching and end every iterator. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#stop.dispose();
    await this.#loop.catch(() => {});
  }

  /** `await using` closes the center. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Read the whole prefix; on a reload, report what differs from the current view. */
  async #load(reload: boolean): Promise<void> {
    const response = await this.#backend.range(prefixRange(this.#prefix), { signal: this.#stop.signal });
    const revision = response.header.revision;
    const seen = new Set<string>();
    for (const kv of response.kvs) {
      const key = this.#relative(kv);
      seen.add(key);
      if (reload && this.#mods.get(key) === kv.modRevision) continue;
      this.#applyPut(key, kv, revision, reload);
    }
    for (const key of [...this.#mods.keys()]) if (!seen.has(key)) this.#applyDelete(key, revision, reload);
    this.#revision = revision;
  }

  async #watchLoop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const watcher = this.#backend.watch(
        { ...prefixRange(this.#prefix), startRevision: this.#revision + 1 },
        { signal },
      );
      try {
        for await (const response of watcher) {
          for (const event of response.events) {
            const key = this.#relative(event.kv);
            if (event.type === 'PUT') this.#applyPut(key, event.kv, event.kv.modRevision, false);
            else this.#applyDelete(key, event.kv.modRevision, false);
          }
          // Events are complete up to the response's revision (a progress notice included).
          this.#revision = Math.max(this.#revision, response.header.revision);
        }
        // Ended without an error and not by us: pause, then resume from where we are.
        await sleep(this.#backend.clock, this.#retryMs, signal).catch(() => {});
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ClosedError) {
          // The backend is gone for good: end the iterators with the error.
          for (const q of this.#subscribers) q.fail(error);
          this.#subscribers.clear();
          return;
        }
        try {
          if (error instanceof CompactedError) {
            // History between our revision and the compaction is gone: read everything again.
            await this.#load(true);
            this.#reloads++;
          } else {
            await sleep(this.#backend.clock, this.#retryMs, signal);
          }
        } catch {
          if (signal.aborted) return;
          await sleep(this.#backend.clock, this.#retryMs, signal).catch(() => {});
        }
      } finally {
        await watcher.cancel();
      }
    }
  }

  #relative(kv: KeyValue): string {
    return toText(kv.key).slice(this.#prefix.length);
  }

  #applyPut(key: string, kv: KeyValue, revision: number, reload: boolean): void {
    this.#mods.set(key, kv.modRevision);
    let value: T;
    try {
      value = this.#parse(kv.value, key);
      if (this.#validate && this.#validate(value, key) === false) throw new Error(`invalid value for ${key}`);
    } catch (error) {
      this.#emitError({ type: 'error', key, raw: kv.value, error, revision });
      return;
    }
    const previous = this.#values.get(key);
    this.#values.set(key, value);
    this.#emitChange({ type: 'put', key, value, previous, revision, reload });
  }

  #applyDelete(key: string, revision: number, reload: boolean): void {
    this.#mods.delete(key);
    const had = this.#values.has(key);
    const previous = this.#values.get(key);
    this.#values.delete(key);
    if (had) this.#emitChange({ type: 'delete', key, value: undefined, previous, revision, reload });
  }

  #emitChange(change: ConfigChange<T>): void {
    for (const q of this.#subscribers) q.push(change);
    for (const cb of this.#changeCallbacks) callSafely(() => cb(change));
  }

  #emitError(error: ConfigError): void {
    for (const q of this.#subscribers) q.push(error);
    for (const cb of this.#errorCallbacks) callSafely(() => cb(error));
  }
}

/** A throwing callback must not break the watch loop. */
function callSafely(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
