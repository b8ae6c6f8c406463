/**
 * ServiceRegistry: instances register under `<prefix>/<service>/<instanceId>` (JSON value) on a session
 * lease, so they vanish when their process dies. A registration whose lease is lost (expired, revoked,
 * or unreachable past its TTL) registers again on a new session. Discovery reads a consistent snapshot;
 * watch() yields the full instance set after every revision that changed it.
 */

import { AsyncQueue } from '../common/async-queue.js';
import { prefixRange, toText } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { ClosedError, CompactedError, InvalidArgumentError } from '../interface/errors.js';
import type { KeyValue } from '../interface/kv.js';
import { linkSignals, sleep, throwIfAborted } from './internal.js';
import { isLeaseLoss, Session } from './session.js';

/** One registered instance as discovered. */
export interface ServiceInstance<D = unknown> {
  service: string;
  id: string;
  /** The registered JSON value, parsed (the raw text when it is not valid JSON). */
  data: D;
  key: string;
  lease: bigint;
  createRevision: number;
  modRevision: number;
}

/** The instances of one service at one revision. */
export interface ServiceSnapshot<D = unknown> {
  service: string;
  revision: number;
  instances: Map<string, ServiceInstance<D>>;
}

/** Options for {@link ServiceRegistry}. */
export interface ServiceRegistryOptions {
  /** Key prefix (default "services"); keys are `<prefix>/<service>/<instanceId>`. */
  prefix?: string;
  /** Lease TTL of registrations in seconds (default 10). */
  ttl?: number;
  /** Delay between attempts to re-register, or to re-watch after an error, in ms (default 1000). */
  retryMs?: number;
}

/** A service registry on a key prefix. close() deregisters every registration it made. */
export class ServiceRegistry implements AsyncDisposable {
  readonly #backend: KvBackend;
  readonly #prefix: string;
  readonly #ttl: number;
  readonly #retryMs: number;
  readonly #registrations = new Set<Registration>();

  /** A registry on `backend` under `options.prefix` (default "services"). */
  constructor(backend: KvBackend, options: ServiceRegistryOptions = {}) {
    this.#backend = backend;
    this.#prefix = options.prefix ?? 'services';
    this.#ttl = options.ttl ?? 10;
    this.#retryMs = options.retryMs ?? 1000;
  }

  /** The key an instance is registered under. */
  keyOf(service: string, instanceId: string): string {
    return `${this.#servicePrefix(service)}${checkName('instanceId', instanceId)}`;
  }

  /**
   * Register `instanceId` of `service` with `data` (stored as JSON) on a new session. The registration
   * keeps itself alive and re-registers after losing its lease, until deregistered.
   */
  async register<D>(
    service: string,
    instanceId: string,
    data: D,
    options: { signal?: AbortSignal } = {},
  ): Promise<Registration> {
    const key = this.keyOf(service, instanceId);
    const value = JSON.stringify(data ?? null);
    throwIfAborted(options.signal);
    const registration = new Registration(this.#backend, key, value, this.#ttl, this.#retryMs, () =>
      this.#registrations.delete(registration),
    );
    await registration.start(options.signal);
    this.#registrations.add(registration);
    return registration;
  }

  /** The instances of `service` now, from one read (a consistent snapshot). */
  async discover<D = unknown>(
    service: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ServiceSnapshot<D>> {
    const prefix = this.#servicePrefix(service);
    const response = await this.#backend.range(prefixRange(prefix), { signal: options.signal });
    const instances = new Map<string, ServiceInstance<D>>();
    for (const kv of response.kvs) {
      const inst = toInstance<D>(service, prefix, kv);
      instances.set(inst.id, inst);
    }
    return { service, revision: response.header.revision, instances };
  }

  /**
   * The instances of `service` now, then again after every revision that changed them, each a
   * consistent snapshot (all events of one revision applied together). Re-reads after compaction.
   * Ends when `signal` aborts or the loop breaks.
   */
  watch<D = unknown>(
    service: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncIterableIterator<ServiceSnapshot<D>> {
    const prefix = this.#servicePrefix(service);
    const stop = linkSignals(options.signal);
    const queue = new AsyncQueue<ServiceSnapshot<D>>(() => stop.abort());
    stop.signal.addEventListener('abort', () => queue.end(), { once: true });
    void this.#watchLoop<D>(service, prefix, queue, stop.signal)
      .then(
        () => queue.end(),
        (error) => (stop.signal.aborted ? queue.end() : queue.fail(error)),
      )
      .finally(() => stop.dispose());
    return queue;
  }

  /** Deregister every registration made through this registry. */
  async close(): Promise<void> {
    await Promise.all([...this.#registrations].map((r) => r.deregister()));
  }

  /** `await using registry = new ServiceRegistry(...)` deregisters everything at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #watchLoop<D>(
    service: string,
    prefix: string,
    queue: AsyncQueue<ServiceSnapshot<D>>,
    signal: AbortSignal,
  ) {
    let snapshot = await this.discover<D>(service, { signal });
    queue.push(copy(snapshot));
    while (!signal.aborted) {
      const watcher = this.#backend.watch(
        { ...prefixRange(prefix), startRevision: snapshot.revision + 1 },
        { signal },
      );
      try {
        for await (const response of watcher) {
          let i = 0;
          const events = response.events;
          while (i < events.length) {
            // One revision at a time: apply all its events, then publish.
            const rev = events[i]!.kv.modRevision;
            for (; i < events.length && events[i]!.kv.modRevision === rev; i++) {
              const event = events[i]!;
              const id = toText(event.kv.key).slice(prefix.length);
              if (event.type === 'PUT') snapshot.instances.set(id, toInstance<D>(service, prefix, event.kv));
              else snapshot.instances.delete(id);
            }
            snapshot.revision = rev;
            queue.push(copy(snapshot));
          }
          snapshot.revision = Math.max(snapshot.revision, response.header.revision);
        }
        await sleep(this.#backend.clock, this.#retryMs, signal).catch(() => {});
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ClosedError) throw error;
        if (error instanceof CompactedError) {
          snapshot = await this.discover<D>(service, { signal });
          queue.push(copy(snapshot));
        } else {
          await sleep(this.#backend.clock, this.#retryMs, signal).catch(() => {});
        }
      } finally {
        await watcher.cancel();
      }
    }
  }

  #servicePrefix(service: string): string {
    return `${this.#prefix}/${checkName('service', service)}/`;
  }
}

/**
 * One registered instance. It re-registers on a new session whenever its lease is lost; deregister()
 * (or `await using`) revokes its lease, removing the key.
 */
export class Registration implements AsyncDisposable {
  /** The instance's key. */
  readonly key: string;
  readonly #backend: KvBackend;
  readonly #value: string;
  readonly #ttl: number;
  readonly #retryMs: number;
  readonly #forget: () => void;
  readonly #stop = new AbortController();
  readonly #listeners = new Set<(session: Session) => void>();
  #session: Session | undefined;
  #generation = 0;
  #recovering: Promise<void> | undefined;

  /** @internal Use {@link ServiceRegistry.register}. */
  constructor(
    backend: KvBackend,
    key: string,
    value: string,
    ttl: number,
    retryMs: number,
    forget: () => void,
  ) {
    this.#backend = backend;
    this.key = key;
    this.#value = value;
    this.#ttl = ttl;
    this.#retryMs = retryMs;
    this.#forget = forget;
  }

  /** The session currently carrying the registration. */
  get session(): Session | undefined {
    return this.#session;
  }

  /** 1 after the first registration, +1 for every re-registration. */
  get generation(): number {
    return this.#generation;
  }

  /** True until deregistered. */
  get active(): boolean {
    return !this.#stop.signal.aborted;
  }

  /** Call `callback` after each re-registration (not the first); returns an unsubscribe function. */
  onReregister(callback: (session: Session) => void): () => void {
    this.#listeners.add(callback);
    return () => this.#listeners.delete(callback);
  }

  /** @internal First registration. */
  async start(signal?: AbortSignal): Promise<void> {
    await this.#registerOnce(signal);
  }

  /** Remove the instance: stop re-registering and revoke the lease (its key goes with it). */
  async deregister(): Promise<void> {
    if (!this.#stop.signal.aborted) this.#stop.abort();
    this.#forget();
    await this.#recovering?.catch(() => {});
    await this.#session?.close();
  }

  /** `await using reg = await registry.register(...)` deregisters at scope end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.deregister();
  }

  async #registerOnce(signal?: AbortSignal): Promise<void> {
    const session = await Session.create(this.#backend, { ttl: this.#ttl, signal });
    try {
      await this.#backend.put({ key: this.key, value: this.#value, lease: session.lease }, { signal });
    } catch (error) {
      await session.close().catch(() => {});
      throw error;
    }
    this.#session = session;
    this.#generation++;
    session.done.addEventListener(
      'abort',
      () => {
        if (this.active && isLeaseLoss(session.done.reason)) this.#recovering = this.#recover(session);
      },
      { once: true },
    );
  }

  /**
   * Re-register on a new session until it works or the registration is withdrawn. The old lease may still
   * be alive (the server was only unreachable, or kept it across a restart), so the key is first moved to
   * the new lease with one put (watchers see a PUT, never a DELETE), and only then is the old lease revoked.
   */
  async #recover(lost: Session): Promise<void> {
    const signal = this.#stop.signal;
    try {
      while (!signal.aborted) {
        try {
          await this.#registerOnce(signal);
          if (signal.aborted) {
            await this.#session?.close().catch(() => {});
            return;
          }
          const session = this.#session!;
          for (const cb of this.#listeners) cb(session);
          return;
        } catch {
          await sleep(this.#backend.clock, this.#retryMs, signal).catch(() => {});
        }
      }
    } finally {
      // Best effort: a lease that is really gone answers "not found", which close() accepts.
      await lost.close().catch(() => {});
    }
  }
}

function toInstance<D>(service: string, prefix: string, kv: KeyValue): ServiceInstance<D> {
  const text = toText(kv.value);
  let data: D;
  try {
    data = JSON.parse(text) as D;
  } catch {
    data = text as D;
  }
  return {
    service,
    id: toText(kv.key).slice(prefix.length),
    data,
    key: toText(kv.key),
    lease: kv.lease,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
  };
}

function copy<D>(s: ServiceSnapshot<D>): ServiceSnapshot<D> {
  return { service: s.service, revision: s.revision, instances: new Map(s.instances) };
}

function checkName(what: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.includes('/')) {
    throw new InvalidArgumentError(
      `ServiceRegistry: ${what} must be a non-empty string without "/", received ${JSON.stringify(value)}`,
    );
  }
  return value;
}
