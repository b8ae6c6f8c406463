/**
 * The adapter's connection layer: one gRPC channel per endpoint, failover between endpoints, a deadline
 * on every request, and no circuit breaker. It implements etcd3's `ICallable`, so etcd3's raw clients
 * (KVClient, LeaseClient, WatchClient, MaintenanceClient) run on it unchanged.
 *
 * Retry rule: a call that was certainly not sent (no connection) moves to another endpoint; a read that
 * failed in transport is retried until its deadline; a write that was sent and then lost its connection
 * or deadline is never resent (UnknownOutcomeError).
 *
 * Leader rule (see leader.ts; pools of two or more endpoints): writes go to the leader's endpoint when it
 * is known and is one of the endpoints. When the leader's channel drops, every write in flight fails at
 * once with UnknownOutcomeError (a follower would forward it to the dead leader and hold it for etcd's
 * request timeout, and it may have been committed), and new writes wait, within their deadline, until a
 * survivor reports a new leader.
 */

import type { CallOptionsFactory, ICallable } from 'etcd3';
import { describe } from '../common/validate.js';
import {
  AbortError,
  ClosedError,
  GrpcStatus,
  InvalidArgumentError,
  UnavailableError,
  UnknownOutcomeError,
} from '../interface/errors.js';
import { parseEndpoints } from './endpoints.js';
import {
  detailsOf,
  isTransportFailure,
  mapGrpcError,
  needsNewToken,
  type RawGrpcError,
  wasNotSent,
} from './errors.js';
import { cancelCall, createHost, type EtcdHost, type GrpcModule, grpc, type ServiceName } from './grpc.js';
import { type LeaderAnswer, LeaderTracker } from './leader.js';
import { DEFAULTS, type EtcdBackendOptions } from './options.js';
import { backoff } from './retry.js';

/** One etcd member the pool talks to. */
export interface Endpoint {
  readonly url: string;
  readonly channel: GrpcModule.Channel;
  readonly host: EtcdHost;
}

/** What kind of call this is, passed to `exec` through the call options. */
export interface CallInfo {
  write: boolean;
  signal?: AbortSignal | undefined;
  /** Send no token (Authenticate itself). */
  anonymous?: boolean;
}

/** Key under which {@link CallInfo} rides in the grpc CallOptions given to etcd3's raw clients. */
export const CALL_INFO: unique symbol = Symbol('etcd-kv-kit.callInfo');

/** grpc CallOptions carrying {@link CallInfo}. */
export type PoolCallOptions = GrpcModule.CallOptions & { [CALL_INFO]?: CallInfo };

const READY = 2; // grpc connectivityState.READY
const SHUTDOWN = 4;

/** The pool of endpoints; see the module comment. */
export class EndpointPool implements ICallable<Endpoint> {
  readonly callOptionsFactory: CallOptionsFactory | undefined = undefined;
  readonly dialTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly #endpoints: Endpoint[];
  readonly #auth: EtcdBackendOptions['auth'];
  readonly #extraMetadata: readonly [string, string][];
  #preferred = 0;
  #token: Promise<GrpcModule.Metadata> | undefined;
  #closed = false;
  readonly #closeController = new AbortController();
  /** Calls in flight, cancelled on close (a Set, not one abort listener per call on a shared signal). */
  readonly #calls = new Set<GrpcModule.ClientUnaryCall>();
  /** Writes in flight, failed at once when the leader is lost. */
  readonly #writes = new Set<GrpcModule.ClientUnaryCall>();
  /** Writes cancelled because the leader was lost: they end as UnknownOutcomeError. */
  readonly #orphaned = new WeakSet<GrpcModule.ClientUnaryCall>();
  readonly #leader: LeaderTracker;

  constructor(options: EtcdBackendOptions) {
    const urls = parseEndpoints(options.endpoints);
    this.dialTimeoutMs = options.dialTimeoutMs ?? DEFAULTS.dialTimeoutMs;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    this.#auth = options.auth;
    this.#extraMetadata = metadataOption(options.metadata);
    const secure = urls.some((u) => u.startsWith('https:')) || options.tls !== undefined;
    const pem = (v: Buffer | string | undefined) => (v === undefined ? null : Buffer.from(v));
    const credentials = secure
      ? grpc.credentials.createSsl(pem(options.tls?.ca), pem(options.tls?.key), pem(options.tls?.cert))
      : grpc.credentials.createInsecure();
    const channelOptions = { ...DEFAULTS.grpcOptions, ...(options.grpcOptions ?? {}) };
    this.#endpoints = urls.map((url) => {
      const address = url.replace(/^https?:\/\//, '');
      const channel = new grpc.Channel(address, credentials, channelOptions);
      // Every service client of this endpoint shares the one channel (one connection, one state).
      const host = createHost(address, credentials, {
        channelOverride: channel,
      } as GrpcModule.ChannelOptions);
      return { url, channel, host };
    });
    this.#leader = new LeaderTracker(
      this.#endpoints,
      (endpoint, deadline) => this.#status(endpoint, deadline),
      () => this.#orphanWrites(),
      this.closeSignal,
    );
    this.#leader.start();
  }

  /** True once close() ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Aborted when the pool closes; long waits listen to it. */
  get closeSignal(): AbortSignal {
    return this.#closeController.signal;
  }

  /** etcd3's ICallable.exec: one unary call, with failover, deadline and the retry rule. */
  async exec<T>(
    service: ServiceName,
    method: string,
    params: unknown,
    options?: PoolCallOptions,
  ): Promise<T> {
    const info = options?.[CALL_INFO] ?? { write: true };
    const deadline = Date.now() + this.requestTimeoutMs;
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      this.#check(info.signal);
      const leaderAware = info.write && (this.#leader.electing || this.#leader.leaderEndpoint !== undefined);
      const endpoint = leaderAware
        ? await this.#writeEndpoint(deadline, info.signal)
        : await this.ready(deadline, info.signal);
      const metadata = info.anonymous
        ? new grpc.Metadata()
        : await this.#metadata(endpoint, deadline, info.signal);
      // The leader was lost while this write waited for its token: hold it (it was not sent).
      if (info.write && this.#leader.electing) continue;
      try {
        return await this.#unary<T>(
          endpoint,
          service,
          method,
          params,
          metadata,
          deadline,
          info.signal,
          info.write,
        );
      } catch (raw) {
        const error = raw as RawGrpcError;
        if (info.signal?.aborted) throw new AbortError(undefined, { cause: raw });
        if (this.#closed) throw new ClosedError();
        if (raw instanceof UnknownOutcomeError) throw raw;
        if (error.code === GrpcStatus.UNAVAILABLE || error.code === GrpcStatus.DEADLINE_EXCEEDED) {
          this.#leader.suspect();
        }
        if (
          needsNewToken(error) &&
          this.#auth &&
          'password' in this.#auth &&
          !info.anonymous &&
          !reauthenticated
        ) {
          // The server refused the request before applying anything (stale token, or none while auth is
          // on): fetch a new token and resend, as etcd's Go client does.
          reauthenticated = true;
          this.#token = undefined;
          continue;
        }
        const notSent = wasNotSent(error);
        if (notSent) this.markFailed(endpoint);
        // Reads are also retried on etcd's own Unavailable answers (no leader, leader changed, request
        // timed out), on another endpoint when there is one, as etcd's Go client does.
        const retry =
          notSent || (!info.write && (isTransportFailure(error) || error.code === GrpcStatus.UNAVAILABLE));
        if (retry && Date.now() + backoff(attempt) < deadline) {
          if (!notSent) this.markFailed(endpoint);
          await sleep(backoff(attempt), info.signal);
          continue;
        }
        throw mapGrpcError(error, { write: info.write && !notSent });
      }
    }
  }

  /** etcd3's ICallable.withConnection, for streams: a connected endpoint, its client and auth metadata. */
  async withConnection<R>(
    service: ServiceName,
    fn: (args: {
      resource: Endpoint;
      client: GrpcModule.Client;
      metadata: GrpcModule.Metadata;
    }) => Promise<R> | R,
  ): Promise<R> {
    this.#check(undefined);
    const deadline = Date.now() + this.dialTimeoutMs;
    const endpoint = await this.ready(deadline, undefined);
    const metadata = await this.#metadata(endpoint, Date.now() + this.requestTimeoutMs, undefined);
    return fn({ resource: endpoint, client: endpoint.host.getServiceClient(service), metadata });
  }

  /** etcd3's ICallable.markFailed: prefer another endpoint next time. */
  markFailed(resource: Endpoint, _error?: Error): void {
    const index = this.#endpoints.indexOf(resource);
    if (index === this.#preferred) this.#preferred = (index + 1) % this.#endpoints.length;
  }

  /** Drop the cached auth token (after the server said it is invalid). */
  invalidateToken(): void {
    this.#token = undefined;
  }

  /**
   * A connected endpoint: the preferred one if its channel is ready, else the first of all endpoints to
   * connect, waiting at most dialTimeoutMs (and not past `deadline`).
   */
  async ready(deadline: number, signal: AbortSignal | undefined): Promise<Endpoint> {
    const preferred = this.#endpoints[this.#preferred]!;
    if (preferred.channel.getConnectivityState(true) === READY) return preferred;
    for (const e of this.#endpoints) {
      if (e.channel.getConnectivityState(true) === READY) {
        this.#preferred = this.#endpoints.indexOf(e);
        return e;
      }
    }
    const dialDeadline = Math.min(deadline, Date.now() + this.dialTimeoutMs);
    const found = await new Promise<Endpoint | undefined>((resolve, reject) => {
      let pending = this.#endpoints.length;
      let settled = false;
      const finish = (value: Endpoint | undefined, error?: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.closeSignal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value);
      };
      const onAbort = () => finish(undefined, this.#closed ? new ClosedError() : new AbortError());
      signal?.addEventListener('abort', onAbort, { once: true });
      this.closeSignal.addEventListener('abort', onAbort, { once: true });
      for (const e of this.#endpoints) {
        waitReady(e.channel, dialDeadline, (ok) => {
          if (ok) finish(e);
          else if (--pending === 0) finish(undefined);
        });
      }
    });
    if (!found) {
      throw new UnavailableError(
        `no etcd endpoint reachable within ${this.dialTimeoutMs} ms (${this.#endpoints.map((e) => e.url).join(', ')})`,
      );
    }
    this.#preferred = this.#endpoints.indexOf(found);
    return found;
  }

  /** Close every channel and client; pending and later calls fail with ClosedError. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeController.abort();
    for (const call of this.#calls) cancelCall(call);
    this.#calls.clear();
    for (const e of this.#endpoints) {
      e.host.close();
      e.channel.close();
    }
  }

  /** Where a write goes: the leader when known, after waiting out a pending election (within `deadline`). */
  async #writeEndpoint(deadline: number, signal: AbortSignal | undefined): Promise<Endpoint> {
    if (this.#leader.electing) {
      await this.#leader.waitElected(deadline, signal);
      if (this.#leader.electing) {
        throw new UnavailableError(
          `etcd has no leader within the ${this.requestTimeoutMs} ms deadline (the write was not sent)`,
        );
      }
    }
    const leader = this.#leader.leaderEndpoint;
    if (leader && leader.channel.getConnectivityState(true) === READY) return leader;
    return this.ready(deadline, signal);
  }

  /** Fail every write in flight: the leader is gone, so each may or may not have been committed. */
  #orphanWrites(): void {
    for (const call of [...this.#writes]) {
      this.#orphaned.add(call);
      cancelCall(call);
    }
  }

  /** Maintenance.Status of one endpoint, for the leader tracker. */
  async #status(endpoint: Endpoint, deadline: number): Promise<LeaderAnswer> {
    const metadata = await this.#metadata(endpoint, deadline, undefined);
    const res = await this.#unary<{ header?: { member_id?: unknown }; leader?: unknown }>(
      endpoint,
      'Maintenance',
      'status',
      {},
      metadata,
      deadline,
      undefined,
      false,
    );
    return { memberId: String(res.header?.member_id ?? '0'), leader: String(res.leader ?? '0') };
  }

  /** Metadata for one call: the caller's extra entries (options.metadata). */
  #baseMetadata(): GrpcModule.Metadata {
    const md = new grpc.Metadata();
    for (const [key, value] of this.#extraMetadata) md.set(key, value);
    return md;
  }

  #check(signal: AbortSignal | undefined): void {
    if (this.#closed) throw new ClosedError();
    if (signal?.aborted) throw new AbortError();
  }

  async #metadata(
    endpoint: Endpoint,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<GrpcModule.Metadata> {
    const auth = this.#auth;
    if (!auth) return this.#baseMetadata();
    if ('token' in auth) {
      const md = this.#baseMetadata();
      md.set('token', auth.token);
      return md;
    }
    if (!this.#token) {
      const token = this.#unary<{ token: string }>(
        endpoint,
        'Auth',
        'authenticate',
        { name: auth.username, password: auth.password },
        this.#baseMetadata(),
        deadline,
        signal,
        false,
      ).then(
        (res) => {
          const md = this.#baseMetadata();
          md.set('token', res.token);
          return md;
        },
        (error: RawGrpcError) => {
          // Auth is off: send no token (etcd's Go client does the same), until a request says otherwise.
          if (detailsOf(error) === 'etcdserver: authentication is not enabled') return new grpc.Metadata();
          this.#token = undefined;
          throw mapGrpcError(error, { write: false, aborted: signal?.aborted ?? false });
        },
      );
      this.#token = token;
    }
    return this.#token;
  }

  #unary<T>(
    endpoint: Endpoint,
    service: ServiceName,
    method: string,
    params: unknown,
    metadata: GrpcModule.Metadata,
    deadline: number,
    signal: AbortSignal | undefined,
    write: boolean,
  ): Promise<T> {
    const client = endpoint.host.getServiceClient(service) as unknown as Record<
      string,
      (
        p: unknown,
        m: GrpcModule.Metadata,
        o: GrpcModule.CallOptions,
        cb: (e: GrpcModule.ServiceError | null, r: T) => void,
      ) => GrpcModule.ClientUnaryCall
    >;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => cancelCall(call);
      const call = client[method]!.call(client, params, metadata, { deadline }, (error, response) => {
        signal?.removeEventListener('abort', onAbort);
        this.#calls.delete(call);
        this.#writes.delete(call);
        if (error && this.#orphaned.has(call)) {
          reject(
            new UnknownOutcomeError(
              'the etcd leader was lost while the write was in flight; it may have been applied',
              { cause: error },
            ),
          );
        } else if (error) reject(error);
        else resolve(response);
      });
      this.#calls.add(call);
      if (write) this.#writes.add(call);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The `metadata` option, checked: string keys (lower-case, as gRPC requires) and string values. */
function metadataOption(metadata: unknown): [string, string][] {
  if (metadata === undefined) return [];
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new InvalidArgumentError(`metadata must be an object of strings, received ${describe(metadata)}`);
  }
  return Object.entries(metadata).map(([key, value]) => {
    if (!/^[0-9a-z_.-]+$/.test(key) || key.endsWith('-bin') || key === 'token') {
      throw new InvalidArgumentError(`metadata key ${describe(key)} is not a lower-case ASCII gRPC key`);
    }
    if (typeof value !== 'string') {
      throw new InvalidArgumentError(`metadata ${key} must be a string, received ${describe(value)}`);
    }
    return [key, value];
  });
}

/** Wait until `channel` is READY (callback true) or `deadline` passes or it shuts down (false). */
function waitReady(channel: GrpcModule.Channel, deadline: number, done: (ok: boolean) => void): void {
  const state = channel.getConnectivityState(true);
  if (state === READY || state === SHUTDOWN || Date.now() >= deadline) {
    done(state === READY);
    return;
  }
  channel.watchConnectivityState(state, deadline, (error) => {
    if (error) done(false);
    else waitReady(channel, deadline, done);
  });
}

/** Sleep without keeping the process alive; rejects with AbortError if `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
