/** A write view for one revision: puts and deletes at R + 1, committed only when something changed. */

import { toBytes } from '../../common/bytes.js';
import {
  EmptyKeyError,
  KeyNotFoundError,
  LeaseProvidedError,
  RequestTooLargeError,
  ValueProvidedError,
} from '../../interface/errors.js';
import type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  KeyValue,
  PutRequest,
  PutResponse,
} from '../../interface/kv.js';
import { header, interval, keyBytes, keyString, kvsIn } from './keys.js';
import type { ModelEvent, ModelState } from './types.js';

/** The syntactic Put checks, in etcd's order. */
export function validatePut(request: PutRequest): void {
  if (keyString(request.key) === '') throw new EmptyKeyError();
  if (request.ignoreValue && toBytes(request.value ?? '').length > 0) throw new ValueProvidedError();
  if (request.ignoreLease && (request.lease ?? 0n) !== 0n) throw new LeaseProvidedError();
}

/** The syntactic DeleteRange check. */
export function validateDelete(request: DeleteRangeRequest): void {
  if (keyString(request.key) === '') throw new EmptyKeyError();
}

/** Rough serialized size of a write's payload; the model rejects it above max-request-bytes. */
export function checkSize(state: ModelState, bytes: number): void {
  if (bytes > state.options.maxRequestBytes) throw new RequestTooLargeError();
}

/** Uncommitted writes at revision `rev` on top of a base state. */
export class WriteView {
  readonly rev: number;
  readonly kvs: Map<string, KeyValue>;
  readonly events: ModelEvent[] = [];
  readonly #base: ModelState;

  constructor(base: ModelState) {
    this.#base = base;
    this.rev = base.revision + 1;
    this.kvs = new Map(base.kvs);
  }

  /** Apply a put (already validated); ignore_value/ignore_lease on an absent key → key not found. */
  put(request: PutRequest): PutResponse {
    const k = keyString(request.key);
    const existing = this.kvs.get(k);
    if ((request.ignoreValue || request.ignoreLease) && !existing) throw new KeyNotFoundError();
    const kv: KeyValue = {
      key: keyBytes(k),
      value: request.ignoreValue && existing ? existing.value : toBytes(request.value ?? ''),
      createRevision: existing ? existing.createRevision : this.rev,
      modRevision: this.rev,
      version: existing ? existing.version + 1 : 1,
      lease: request.ignoreLease && existing ? existing.lease : (request.lease ?? 0n),
    };
    this.kvs.set(k, kv);
    this.events.push({ revision: this.rev, type: 'PUT', kv, prevKv: this.#base.kvs.get(k) });
    const response: PutResponse = { header: header(this.rev) };
    if (request.prevKv && existing) response.prevKv = existing;
    return response;
  }

  /** Delete every live key in the range, in key order. */
  deleteRange(request: DeleteRangeRequest): DeleteRangeResponse {
    const doomed = kvsIn(this.kvs, interval(request.key, request.rangeEnd));
    for (const kv of doomed) this.deleteKey(keyString(kv.key));
    return {
      header: header(doomed.length > 0 ? this.rev : this.#base.revision),
      deleted: doomed.length,
      prevKvs: request.prevKv ? doomed : [],
    };
  }

  /** Tombstone one live key. */
  deleteKey(k: string): void {
    this.kvs.delete(k);
    const kv: KeyValue = {
      key: keyBytes(k),
      value: new Uint8Array(),
      createRevision: 0,
      modRevision: this.rev,
      version: 0,
      lease: 0n,
    };
    this.events.push({ revision: this.rev, type: 'DELETE', kv, prevKv: this.#base.kvs.get(k) });
  }

  /** The new state: R + 1 if anything changed, else the base state. */
  commit(): ModelState {
    if (this.events.length === 0) return this.#base;
    return { ...this.#base, revision: this.rev, kvs: this.kvs, log: [...this.#base.log, ...this.events] };
  }
}
