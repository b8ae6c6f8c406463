/**
 * Kv: the small key-value facade most etcd wrappers offer, on any {@link KvBackend}: a namespace prefix,
 * string/bytes/JSON get and put, prefix reads and deletes, put with a TTL, compare-and-swap,
 * put-if-absent, atomic multi-put and an STM transaction helper. Keys are strings relative to the
 * namespace.
 */

import { prefixRange, toText } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type { Bytes, Compare, KeyValue, RequestOp } from '../interface/kv.js';
import { NotFoundError } from './errors.js';
import { type Isolation, runStm, type Stm } from './stm.js';

/** A key with its value and metadata, key relative to the namespace. */
export interface KvEntry {
  key: string;
  value: Uint8Array;
  /** The value as UTF-8 text. */
  text: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: bigint;
}

/** Options for a put. */
export interface KvPutOptions {
  /** Grant a lease with this TTL (s) and attach the key to it: the key disappears after the TTL. */
  ttl?: number;
  /** Attach an existing lease instead. */
  lease?: bigint;
  signal?: AbortSignal;
}

/** The result of a put. */
export interface KvPutResult {
  /** The revision of the write. */
  revision: number;
  /** The lease the key is attached to (0n when none). */
  lease: bigint;
}

/** What compareAndSwap expects to find: a value (undefined = absent), or a mod revision. */
export type KvExpectation = Bytes | undefined | { modRevision: number };

/** The STM handle of {@link Kv.transaction}, with keys relative to the namespace. */
export type KvTxn = Stm;

/** A namespaced key-value facade. */
export class Kv {
  /** The backend underneath. */
  readonly backend: KvBackend;
  /** The namespace prefix prepended to every key ("" for none). */
  readonly namespace: string;

  /** A facade on `backend`; every key is prefixed with `options.namespace` (default none). */
  constructor(backend: KvBackend, options: { namespace?: string } = {}) {
    this.backend = backend;
    this.namespace = options.namespace ?? '';
  }

  /** A facade for a sub-namespace: `namespace + sub`. */
  withNamespace(sub: string): Kv {
    return new Kv(this.backend, { namespace: this.namespace + sub });
  }

  /** The value of `key` as text; {@link NotFoundError} when absent. */
  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const entry = await this.getEntry(key, options);
    if (!entry) throw new NotFoundError(key);
    return entry.text;
  }

  /** The value of `key` as text, or undefined when absent. */
  async getOrUndefined(key: string, options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    return (await this.getEntry(key, options))?.text;
  }

  /** The value of `key` as bytes, or undefined when absent. */
  async getBytes(key: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array | undefined> {
    return (await this.getEntry(key, options))?.value;
  }

  /** The value of `key` parsed as JSON; {@link NotFoundError} when absent. */
  async getJson<T = unknown>(key: string, options: { signal?: AbortSignal } = {}): Promise<T> {
    return JSON.parse(await this.get(key, options)) as T;
  }

  /** The key with its metadata, or undefined when absent. */
  async getEntry(key: string, options: { signal?: AbortSignal } = {}): Promise<KvEntry | undefined> {
    const response = await this.backend.range({ key: this.#full(key) }, options);
    const kv = response.kvs[0];
    return kv ? this.#entry(kv) : undefined;
  }

  /** Every key under `prefix` (relative to the namespace) with its text value, in key order. */
  async getPrefix(prefix: string, options: { signal?: AbortSignal } = {}): Promise<Map<string, string>> {
    return new Map((await this.getPrefixEntries(prefix, options)).map((e) => [e.key, e.text]));
  }

  /** Every entry under `prefix`, in key order, read at one revision. */
  async getPrefixEntries(prefix: string, options: { signal?: AbortSignal } = {}): Promise<KvEntry[]> {
    const response = await this.backend.range(this.#prefixRange(prefix), options);
    return response.kvs.map((kv) => this.#entry(kv));
  }

  /** Number of keys under `prefix`. */
  async count(prefix = '', options: { signal?: AbortSignal } = {}): Promise<number> {
    return (await this.backend.range({ ...this.#prefixRange(prefix), countOnly: true }, options)).count;
  }

  /** Write `value`; with `ttl`, on a newly granted lease. */
  async put(key: string, value: Bytes, options: KvPutOptions = {}): Promise<KvPutResult> {
    const lease = await this.#leaseFor(options);
    const response = await this.backend.put(
      { key: this.#full(key), value, ...(lease ? { lease } : {}) },
      { signal: options.signal },
    );
    return { revision: response.header.revision, lease };
  }

  /** Write `value` as JSON. */
  putJson(key: string, value: unknown, options: KvPutOptions = {}): Promise<KvPutResult> {
    return this.put(key, JSON.stringify(value), options);
  }

  /** Delete `key`; true if it existed. */
  async delete(key: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return (await this.backend.deleteRange({ key: this.#full(key) }, options)).deleted > 0;
  }

  /** Delete every key under `prefix` at one revision; returns how many. */
  async deletePrefix(prefix: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    return (await this.backend.deleteRange(this.#prefixRange(prefix), options)).deleted;
  }

  /**
   * Write `value` only if `key` holds `expected` (a value; undefined = the key is absent; or
   * `{ modRevision }`). True if written.
   */
  async compareAndSwap(
    key: string,
    expected: KvExpectation,
    value: Bytes,
    options: KvPutOptions = {},
  ): Promise<boolean> {
    const full = this.#full(key);
    let compare: Compare;
    if (expected === undefined) compare = { key: full, target: 'CREATE', result: 'EQUAL', createRevision: 0 };
    else if (typeof expected === 'string' || expected instanceof Uint8Array) {
      compare = { key: full, target: 'VALUE', result: 'EQUAL', value: expected };
    } else if (
      typeof expected === 'object' &&
      expected !== null &&
      typeof expected.modRevision === 'number'
    ) {
      compare = { key: full, target: 'MOD', result: 'EQUAL', modRevision: expected.modRevision };
    } else {
      throw new InvalidArgumentError(`compareAndSwap: expected must be bytes, undefined or { modRevision }`);
    }
    const lease = await this.#leaseFor(options);
    const response = await this.backend.txn(
      { compare: [compare], success: [{ requestPut: { key: full, value, ...(lease ? { lease } : {}) } }] },
      { signal: options.signal },
    );
    if (!response.succeeded && lease && options.ttl !== undefined) await this.#revokeQuietly(lease);
    return response.succeeded;
  }

  /** Write `value` only if `key` does not exist. True if written. */
  putIfAbsent(key: string, value: Bytes, options: KvPutOptions = {}): Promise<boolean> {
    return this.compareAndSwap(key, undefined, value, options);
  }

  /** Delete `key` only if it holds `expected`. True if deleted. */
  async compareAndDelete(
    key: string,
    expected: Bytes,
    options: { signal?: AbortSignal } = {},
  ): Promise<boolean> {
    const full = this.#full(key);
    const response = await this.backend.txn(
      {
        compare: [{ key: full, target: 'VALUE', result: 'EQUAL', value: expected }],
        success: [{ requestDeleteRange: { key: full } }],
      },
      options,
    );
    return response.succeeded;
  }

  /** Write every entry atomically, at one revision. */
  async putAll(
    entries: Iterable<readonly [string, Bytes]> | Record<string, Bytes>,
    options: KvPutOptions = {},
  ): Promise<KvPutResult> {
    const list: (readonly [string, Bytes])[] =
      Symbol.iterator in Object(entries)
        ? [...(entries as Iterable<readonly [string, Bytes]>)]
        : Object.entries(entries);
    const lease = await this.#leaseFor(options);
    const success: RequestOp[] = list.map(([k, v]) => ({
      requestPut: { key: this.#full(k), value: v, ...(lease ? { lease } : {}) },
    }));
    const response = await this.backend.txn({ success }, { signal: options.signal });
    return { revision: response.header.revision, lease };
  }

  /**
   * Run `apply` as a transaction (etcd's STM, serializable-snapshot isolation by default): reads see one
   * snapshot, writes are buffered and committed atomically, and `apply` re-runs on conflict. Keys are
   * relative to the namespace.
   */
  async transaction<T>(
    apply: (txn: KvTxn) => Promise<T> | T,
    options: { isolation?: Isolation; maxAttempts?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const ns = (key: string): string => this.#full(key);
    const { result } = await runStm(
      this.backend,
      (stm) =>
        apply({
          get: (k) => stm.get(ns(k)),
          getBytes: (k) => stm.getBytes(ns(k)),
          rev: (k) => stm.rev(ns(k)),
          put: (k, v, o) => stm.put(ns(k), v, o),
          del: (k) => stm.del(ns(k)),
        }),
      options,
    );
    return result;
  }

  #full(key: string): string {
    if (typeof key !== 'string')
      throw new InvalidArgumentError(`Kv: key must be a string, received ${typeof key}`);
    return this.namespace + key;
  }

  #prefixRange(prefix: string) {
    if (typeof prefix !== 'string') {
      throw new InvalidArgumentError(`Kv: prefix must be a string, received ${typeof prefix}`);
    }
    return prefixRange(this.namespace + prefix);
  }

  #entry(kv: KeyValue): KvEntry {
    return {
      key: toText(kv.key).slice(this.namespace.length),
      value: kv.value,
      text: toText(kv.value),
      createRevision: kv.createRevision,
      modRevision: kv.modRevision,
      version: kv.version,
      lease: kv.lease,
    };
  }

  async #leaseFor(options: KvPutOptions): Promise<bigint> {
    if (options.ttl !== undefined) {
      if (typeof options.ttl !== 'number' || !Number.isInteger(options.ttl) || options.ttl <= 0) {
        throw new InvalidArgumentError(
          `Kv: ttl must be a positive integer (seconds), received ${String(options.ttl)}`,
        );
      }
      return (await this.backend.leaseGrant({ ttl: options.ttl }, { signal: options.signal })).id;
    }
    return options.lease ?? 0n;
  }

  async #revokeQuietly(lease: bigint): Promise<void> {
    await this.backend.leaseRevoke({ id: lease }).catch(() => {});
  }
}
