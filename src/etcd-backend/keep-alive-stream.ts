/**
 * One shared Lease.LeaseKeepAlive stream: each renewal is one message, and replies are matched to
 * callers by lease ID (in order, per ID). The stream opens on first use and reopens after a failure.
 */

import type { IDuplexStream, LeaseClient } from 'etcd3';
import {
  AbortError,
  AuthError,
  ClosedError,
  DeadlineExceededError,
  UnavailableError,
} from '../interface/errors.js';
import type { LeaseKeepAliveResponse } from '../interface/lease.js';
import { decodeHeader, type Wire } from './decode.js';
import { isInvalidToken, mapGrpcError, type RawGrpcError } from './errors.js';
import { cancelCall } from './grpc.js';
import { toSafeNumber } from './numbers.js';
import type { EndpointPool } from './pool.js';
import { KEEPALIVE_RETRY_MS } from './retry.js';

interface Waiter {
  resolve(r: LeaseKeepAliveResponse): void;
  reject(e: unknown): void;
}

/** The shared keepalive stream of one backend. */
export class KeepAliveStream {
  readonly #pool: EndpointPool;
  readonly #leases: LeaseClient;
  #stream: Promise<IDuplexStream<Wire, Wire>> | undefined;
  readonly #waiters = new Map<string, Waiter[]>();
  #closed = false;

  constructor(pool: EndpointPool, leases: LeaseClient) {
    this.#pool = pool;
    this.#leases = leases;
  }

  /** Send one renewal for `id` and wait for its reply (ttl 0 when the lease is gone). */
  async renew(id: bigint, signal?: AbortSignal): Promise<LeaseKeepAliveResponse> {
    const deadline = Date.now() + this.#pool.requestTimeoutMs;
    for (;;) {
      if (this.#closed) throw new ClosedError();
      if (signal?.aborted) throw new AbortError();
      // No endpoint reachable within the dial timeout: fail now (UnavailableError).
      const stream = await this.#open();
      try {
        return await this.#once(stream, id, deadline, signal);
      } catch (error) {
        // A renewal is idempotent: after a broken stream, renew again on a new one while time remains.
        if (!(error instanceof UnavailableError) || Date.now() + KEEPALIVE_RETRY_MS >= deadline) throw error;
        await new Promise((r) => setTimeout(r, KEEPALIVE_RETRY_MS).unref());
      }
    }
  }

  /** End the stream; pending renewals fail with ClosedError. */
  close(): void {
    this.#closed = true;
    this.#fail(new ClosedError());
  }

  #once(
    stream: IDuplexStream<Wire, Wire>,
    id: bigint,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<LeaseKeepAliveResponse> {
    const key = id.toString();
    return new Promise<LeaseKeepAliveResponse>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const list = this.#waiters.get(key);
        const i = list?.indexOf(waiter) ?? -1;
        if (list && i >= 0) list.splice(i, 1);
        if (list?.length === 0) this.#waiters.delete(key);
      };
      const waiter: Waiter = {
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const onAbort = () => waiter.reject(new AbortError());
      const timer = setTimeout(
        () => waiter.reject(new DeadlineExceededError('lease keepalive: no reply before the deadline')),
        Math.max(0, deadline - Date.now()),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      const list = this.#waiters.get(key) ?? [];
      list.push(waiter);
      this.#waiters.set(key, list);
      stream.write({ ID: key });
    });
  }

  #open(): Promise<IDuplexStream<Wire, Wire>> {
    if (this.#stream) return this.#stream;
    const opening = this.#leases.leaseKeepAlive().then((stream) => {
      const s = stream as IDuplexStream<Wire, Wire>;
      s.on('data', (reply: Wire) => this.#onReply(reply));
      s.on('error', (error: Error) => this.#onBroken(opening, error as RawGrpcError));
      s.on('end', () => this.#onBroken(opening, { code: 14, details: 'keepalive stream ended' }));
      if (this.#closed) cancelCall(s);
      return s;
    });
    opening.catch(() => {
      if (this.#stream === opening) this.#stream = undefined;
    });
    this.#stream = opening;
    return opening;
  }

  #onReply(reply: Wire): void {
    const key = BigInt.asIntN(64, BigInt(reply.ID ?? '0')).toString();
    const waiter = this.#waiters.get(key)?.[0];
    waiter?.resolve({
      header: decodeHeader(reply.header),
      id: BigInt(key),
      ttl: toSafeNumber('keepAlive.TTL', reply.TTL),
    });
  }

  #onBroken(which: Promise<unknown>, error: RawGrpcError): void {
    if (this.#stream !== which) return;
    this.#stream = undefined;
    // An expired auth token: the next stream is opened with a new one (the renewal is then retried).
    if (isInvalidToken(error)) this.#pool.invalidateToken();
    const mapped = isInvalidToken(error)
      ? new UnavailableError('keepalive stream refused an expired auth token')
      : mapGrpcError(error, { write: false });
    // A refusal for lack of rights is an answer, not a broken stream: it is not retried.
    this.#fail(
      mapped instanceof UnavailableError || mapped instanceof AuthError
        ? mapped
        : new UnavailableError(mapped.message, { cause: mapped }),
    );
  }

  #fail(error: unknown): void {
    const stream = this.#stream;
    this.#stream = undefined;
    for (const list of [...this.#waiters.values()]) for (const w of [...list]) w.reject(error);
    this.#waiters.clear();
    void stream?.then(
      (s) => cancelCall(s),
      () => {},
    );
  }
}
