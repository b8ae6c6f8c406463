/**
 * STM: software transactional memory over etcd, as in client/v3/concurrency/stm.go (docs/semantics.md §10).
 * `apply` reads and writes through the STM; commit is one txn whose compares detect conflicting writes
 * since the reads; on conflict `apply` runs again.
 */

import { toBytes, toText } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import type { Bytes, Compare, RangeResponse, RequestOp, TxnResponse } from '../interface/kv.js';
import { TxnConflictError } from './errors.js';
import { throwIfAborted } from './internal.js';

/** Isolation levels, as in etcd's Go client. */
export type Isolation = 'serializable-snapshot' | 'serializable' | 'repeatable-reads' | 'read-committed';

/** What `apply` gets: reads and buffered writes. Keys are full keys (no namespace is added). */
export interface Stm {
  /** The value of `key` as UTF-8 text, or undefined when absent (own writes are visible). */
  get(key: string): Promise<string | undefined>;
  /** The value of `key` as bytes, or undefined when absent. */
  getBytes(key: string): Promise<Uint8Array | undefined>;
  /** The mod revision of `key` as read (0 when absent). */
  rev(key: string): Promise<number>;
  /** Buffer a put; it is applied at commit. */
  put(key: string, value: Bytes, options?: { lease?: bigint }): void;
  /** Buffer a delete; it is applied at commit. */
  del(key: string): void;
}

/** Options for {@link runStm}. */
export interface StmOptions {
  /** Default "serializable-snapshot", etcd's default. */
  isolation?: Isolation;
  /** Give up after this many conflicting attempts with {@link TxnConflictError} (default 100). */
  maxAttempts?: number;
  /** Abort between attempts and on reads. */
  signal?: AbortSignal;
  /** Keys to read up front in the first attempt (Go: WithPrefetch). */
  prefetch?: string[];
}

type Write = { kind: 'put'; value: Uint8Array; lease: bigint } | { kind: 'del' };

/**
 * Run `apply` in a transaction and commit it, retrying on conflict. Resolves with `apply`'s result and
 * the commit's response.
 */
export async function runStm<T>(
  backend: KvBackend,
  apply: (stm: Stm) => Promise<T> | T,
  options: StmOptions = {},
): Promise<{ result: T; response: TxnResponse }> {
  const isolation = options.isolation ?? 'serializable-snapshot';
  const maxAttempts = options.maxAttempts ?? 100;
  const signal = options.signal;
  let prefetch = new Map<string, RangeResponse>();
  if (options.prefetch?.length) {
    for (const key of options.prefetch) prefetch.set(key, await backend.range({ key }, { signal }));
  }
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    throwIfAborted(signal);
    const rset = new Map<string, RangeResponse>();
    const wset = new Map<string, Write>();
    let baseRev = 0;
    const pinned = isolation === 'serializable-snapshot' || isolation === 'serializable';
    const read = async (key: string): Promise<RangeResponse> => {
      const cached = rset.get(key);
      if (cached && isolation !== 'read-committed') return cached;
      let response = prefetch.get(key);
      if (response) prefetch.delete(key);
      else
        response = await backend.range(
          { key, revision: pinned ? baseRev : 0, serializable: pinned && baseRev > 0 },
          { signal },
        );
      // The first read fixes the snapshot revision for the serializable levels.
      if (pinned && baseRev === 0) baseRev = response.header.revision;
      rset.set(key, response);
      return response;
    };
    const stm: Stm = {
      async getBytes(key) {
        const w = wset.get(key);
        if (w) return w.kind === 'put' ? w.value : undefined;
        return (await read(key)).kvs[0]?.value;
      },
      async get(key) {
        const v = await this.getBytes(key);
        return v === undefined ? undefined : toText(v);
      },
      async rev(key) {
        return (await read(key)).kvs[0]?.modRevision ?? 0;
      },
      put(key, value, opts) {
        wset.set(key, { kind: 'put', value: toBytes(value), lease: opts?.lease ?? 0n });
      },
      del(key) {
        wset.set(key, { kind: 'del' });
      },
    };
    const result = await apply(stm);

    const compare: Compare[] = [];
    if (isolation !== 'read-committed') {
      for (const [key, r] of rset) {
        compare.push({ key, target: 'MOD', result: 'EQUAL', modRevision: r.kvs[0]?.modRevision ?? 0 });
      }
    }
    if (isolation === 'serializable-snapshot' && baseRev > 0) {
      // Nobody may have written our write keys after the snapshot either.
      for (const key of wset.keys())
        compare.push({ key, target: 'MOD', result: 'LESS', modRevision: baseRev + 1 });
    }
    const success: RequestOp[] = [...wset].map(([key, w]) =>
      w.kind === 'put'
        ? { requestPut: { key, value: w.value, ...(w.lease ? { lease: w.lease } : {}) } }
        : { requestDeleteRange: { key } },
    );
    const readKeys = [...rset.keys()];
    const prefetchOnFailure = isolation === 'serializable-snapshot' || isolation === 'serializable';
    const failure: RequestOp[] = prefetchOnFailure ? readKeys.map((key) => ({ requestRange: { key } })) : [];
    const response = await backend.txn({ compare, success, failure }, { signal });
    if (response.succeeded) return { result, response };
    // Conflict: the Else branch re-read the read set; use it for the next attempt (Go's prefetch).
    prefetch = new Map();
    if (prefetchOnFailure) {
      readKeys.forEach((key, i) => {
        const r = response.responses[i];
        if (r && 'responseRange' in r) prefetch.set(key, { ...r.responseRange, header: response.header });
      });
    }
  }
  throw new TxnConflictError(maxAttempts);
}
