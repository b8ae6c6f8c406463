/**
 * `store.faults`: the faults of one memory store, each one call, each with exactly the behaviour the
 * etcd backend shows on a real etcd under the same fault (the paired tests in test/faults show it).
 * Client faults act on the simulated link of each targeted client (see link.ts); server faults act on
 * every link and on the store's leases.
 */

import { toBytes } from '../../common/bytes.js';
import { describe, intArg } from '../../common/validate.js';
import type { Clock } from '../../interface/clock.js';
import { ClosedError, InvalidArgumentError, LeaseNotFoundError } from '../../interface/errors.js';
import type { Bytes } from '../../interface/kv.js';
import { SplitMix64 } from '../prng.js';
import { type InjectableError, injectableErrorArg } from './injected-error.js';
import { ClientLink, type InFlightPolicy, type LinkClient, type LinkEnv } from './link.js';
import { type OpSelector, opSelectorArg } from './ops.js';
import { ServerState } from './server-state.js';
import { type FaultTarget, resolveTarget } from './target.js';

/** What the faults need from their store. */
export interface FaultStoreHooks {
  readonly clock: Clock;
  /** Seed of the seeded choices (in-flight outcomes, random latency). */
  readonly seed: bigint;
  readonly closed: boolean;
  /** The store's current revision. */
  readonly revision: number;
  /** Expire a lease now; false if unknown. */
  expireLease(id: bigint): boolean;
  /** Stop or restart lease expiry. */
  freezeLeases(frozen: boolean): void;
  /** Every lease back to its full TTL from now. */
  renewLeases(): void;
}

/** A client as the faults see it. */
export interface FaultClientInfo {
  readonly name: string;
  readonly partitioned: boolean;
  readonly paused: boolean;
  readonly holdingKeepAlives: boolean;
  /** Requests sent and not yet answered. */
  readonly inFlight: number;
}

/** Options of {@link StoreFaults.failNext}. */
export interface FailNextOptions {
  /** etcd's answer: "leader changed", "request timed out", "no leader", "too many requests". */
  error: InjectableError | `etcdserver: ${string}`;
  /** Which requests: a kind ('put', 'range', 'leaseKeepAlive', ...), 'read', 'write' or 'any' (default). */
  op?: OpSelector;
  /** How many requests (attempts: a retried read counts each attempt); default 1. */
  count?: number;
  /** For a write answered with an unknown outcome ("leader changed", "timed out"): applied or not. */
  applied?: InFlightPolicy;
}

/** Options of {@link StoreFaults.loseReplies}. */
export interface LoseRepliesOptions {
  /** How many writes; default 1, or every matching write until cleared when `prefix` is given. */
  count?: number;
  /** Only writes to keys with this prefix (a txn matches if any of its puts or deletes does). */
  prefix?: Bytes;
}

/** A latency: fixed, or uniform in [minMs, maxMs] from the store's seed. */
export type Latency = number | { minMs: number; maxMs: number };

/** The fault controller of one store; see the module comment. */
export class StoreFaults {
  readonly #store: FaultStoreHooks;
  readonly #server = new ServerState();
  readonly #rng: SplitMix64;
  readonly #links: ClientLink[] = [];
  readonly #closedNames = new Set<string>();
  readonly #env: { -readonly [K in keyof LinkEnv]: LinkEnv[K] };

  constructor(store: FaultStoreHooks) {
    this.#store = store;
    this.#rng = new SplitMix64(store.seed ^ 0x5eed_fa17n);
    const rng = this.#rng;
    this.#env = {
      storeClock: store.clock,
      server: this.#server,
      choose: (policy) => (policy === 'random' ? (rng.next() & 1n) === 1n : policy === 'applied'),
      random: () => Number(rng.next() >> 11n) / 2 ** 53,
      trace: undefined,
    };
  }

  /** Receive one line per fault and per request a fault touched (the simulation's trace); undefined: off. */
  set trace(sink: ((line: string) => void) | undefined) {
    this.#env.trace = sink;
  }

  /**
   * Give a client its link (called when it connects).
   * @internal
   */
  adopt(client: LinkClient): ClientLink {
    const link = new ClientLink(client, this.#env);
    this.#links.push(link);
    return link;
  }

  /**
   * A client closed.
   * @internal
   */
  forget(link: ClientLink): void {
    const i = this.#links.indexOf(link);
    if (i >= 0) this.#links.splice(i, 1);
    if (!this.#links.some((l) => l.name === link.name)) this.#closedNames.add(link.name);
    link.close();
  }

  /** The connected clients and their fault state. */
  clients(): FaultClientInfo[] {
    return this.#links.map((l) => ({
      name: l.name,
      partitioned: l.partitioned,
      paused: l.paused,
      holdingKeepAlives: l.holdingKeepAlives,
      inFlight: l.inFlight,
    }));
  }

  /** True while the server is down (between restart() and its start). */
  get serverDown(): boolean {
    return this.#server.down;
  }

  /** True while the server is frozen (between freeze() and thaw()). */
  get serverFrozen(): boolean {
    return this.#server.frozen;
  }

  // --- the link ---

  /**
   * Cut the targets off the store, as a connection cut with reconnects refused. Unsent requests wait,
   * then fail with UnavailableError after dialTimeoutMs; writes in flight fail with UnknownOutcomeError
   * (applied or not per `inFlight`, default a seeded choice) and reads in flight are retried; watchers
   * stall; keepalives fail until the session gives the lease up, and the store expires it on its clock.
   */
  partition(target?: FaultTarget, options: { inFlight?: InFlightPolicy } = {}): void {
    const links = this.#resolve(target);
    const policy = policyArg(options?.inFlight);
    this.#log(`partition ${names(links)}`);
    for (const l of links) if (!l.partitioned) l.setPartitioned(true, policy);
  }

  /** End a partition: waiting requests go out, watchers resume after their last delivered event. */
  heal(target?: FaultTarget): void {
    const links = this.#resolve(target);
    this.#log(`heal ${names(links)}`);
    for (const l of links) if (l.partitioned) l.setPartitioned(false);
  }

  /** The next write (or `count`, or those on `prefix`) applies, and its caller gets UnknownOutcomeError. */
  loseReplies(target?: FaultTarget, options: LoseRepliesOptions = {}): void {
    const links = this.#resolve(target);
    const prefix = options?.prefix === undefined ? undefined : toBytes(bytesOption(options.prefix));
    const count = countArg(options?.count, prefix === undefined ? 1 : Number.POSITIVE_INFINITY);
    this.#log(
      `lose-replies ${names(links)} count=${count}${prefix ? ` prefix=${String(options.prefix)}` : ''}`,
    );
    for (const l of links) l.loseReplies(count, prefix);
  }

  /**
   * The next `count` requests of a kind get an etcd error answer, classified as the etcd backend
   * classifies it: a read retries UNAVAILABLE answers until its deadline, a write that "timed out" or saw
   * "leader changed" fails with UnknownOutcomeError, "no leader" and "too many requests" are not applied.
   */
  failNext(target: FaultTarget, options: FailNextOptions): void {
    const links = this.#resolve(target);
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError(`failNext options must be an object, received ${describe(options)}`);
    }
    const raw = injectableErrorArg(options.error);
    const op = opSelectorArg('op', options.op ?? 'any');
    const count = countArg(options.count, 1);
    const applied = policyArg(options.applied);
    this.#log(`fail-next ${names(links)} op=${op} count=${count} "${raw.details}"`);
    for (const l of links) l.failNext(op, raw, count, applied);
  }

  /** A delay per request on the store's clock, half each way (0 removes it). Watch events are not delayed. */
  latency(target: FaultTarget, latency: Latency): void {
    const links = this.#resolve(target);
    const range = latencyArg(latency);
    this.#log(`latency ${names(links)} ${range.minMs}..${range.maxMs}ms`);
    for (const l of links) l.setLatency(range);
  }

  // --- watches and leases ---

  /** Drop the targets' watch streams and reconnect them: every watcher resumes after its last event. */
  resetWatches(target?: FaultTarget): void {
    const links = this.#resolve(target);
    this.#log(`reset-watches ${names(links)}`);
    for (const l of links) l.resetWatches();
  }

  /**
   * Cancel every watcher of the targets as etcd cancels one that fell behind compaction (the watcher
   * ends with CompactedError), reporting the current revision as compacted; the store keeps its history.
   */
  cancelWatches(target?: FaultTarget): void {
    const links = this.#resolve(target);
    const revision = this.#store.revision;
    this.#log(`cancel-watches ${names(links)} compacted=${revision}`);
    for (const l of links) l.cancelWatchesCompacted(revision);
  }

  /** Expire a lease now, deleting its keys, as if its TTL had run out. Unknown: LeaseNotFoundError. */
  expireLease(id: bigint): void {
    this.#checkOpen();
    if (typeof id !== 'bigint') {
      throw new InvalidArgumentError(`expireLease: id must be a bigint, received ${describe(id)}`);
    }
    if (!this.#store.expireLease(id)) throw new LeaseNotFoundError();
    this.#log(`expire-lease ${id.toString(16)}`);
  }

  /** Hold back the answers to the targets' lease renewals (the store still renews) until released. */
  holdKeepAlives(target?: FaultTarget): void {
    const links = this.#resolve(target);
    this.#log(`hold-keepalives ${names(links)}`);
    for (const l of links) l.holdKeepAlives(true);
  }

  /** Deliver held keepalive answers and stop holding them. */
  releaseKeepAlives(target?: FaultTarget): void {
    const links = this.#resolve(target);
    this.#log(`release-keepalives ${names(links)}`);
    for (const l of links) l.holdKeepAlives(false);
  }

  // --- processes ---

  /**
   * Stop the targets' processes (SIGSTOP): their clock's timers, requests, replies and watch deliveries
   * wait while the store's clock runs on. On resume, overdue timers fire first — a lock holder wakes
   * up to find its session's deadline passed.
   */
  pause(target?: FaultTarget): void {
    const links = this.#resolve(target);
    this.#log(`pause ${names(links)}`);
    for (const l of links) l.pause();
  }

  /** Continue paused processes. */
  resume(target?: FaultTarget): void {
    const links = this.#resolve(target);
    this.#log(`resume ${names(links)}`);
    for (const l of links) l.resume();
  }

  /**
   * Kill the server and start it again after `downMs` of the store's clock (0: at once). Every
   * connection drops (writes in flight: UnknownOutcomeError, applied per `inFlight`); while down,
   * requests fail with UnavailableError after dialTimeoutMs and no lease expires; on start every lease
   * is renewed to its full TTL with its ID kept, as etcd does on restart, and watchers resume.
   */
  restart(options: { downMs?: number; inFlight?: InFlightPolicy } = {}): void {
    this.#checkOpen();
    const downMs = intArg('downMs', options?.downMs);
    if (downMs < 0) throw new InvalidArgumentError(`downMs must be at least 0, received ${downMs}`);
    const policy = policyArg(options?.inFlight);
    if (this.#server.down) throw new InvalidArgumentError('restart: the server is already down');
    this.#log(`restart down=${downMs}ms`);
    this.#setServer(() => {
      this.#server.down = true;
      this.#server.frozen = false;
      this.#store.freezeLeases(true);
    }, policy);
    this.#server.drain(() => false); // what waited at a frozen server died with it (its flights were cut)
    const start = (): void => {
      if (this.#store.closed) return;
      this.#log('server started');
      this.#store.renewLeases();
      this.#setServer(() => {
        this.#server.down = false;
      }, policy);
      this.#store.freezeLeases(false);
    };
    if (downMs === 0) start();
    else this.#store.clock.setTimeout(start, downMs);
  }

  /**
   * Stop the server's process (SIGSTOP of etcd): connections stay open, requests wait unanswered
   * (writes end in UnknownOutcomeError at their deadline, reads in DeadlineExceededError; on thaw a
   * request whose caller gave up is applied or not, a seeded choice — on etcd it races with the cancel),
   * and no lease expires until {@link thaw}, which expires every lease past its TTL.
   */
  freeze(): void {
    this.#checkOpen();
    if (this.#server.down) throw new InvalidArgumentError('freeze: the server is down');
    this.#log('freeze server');
    this.#store.freezeLeases(true);
    this.#setServer(() => {
      this.#server.frozen = true;
    }, 'random');
  }

  /**
   * Continue a frozen server: expire what is due, then apply the requests that waited, in order; those
   * whose caller gave up meanwhile are applied per `abandoned` (default a seeded choice).
   */
  thaw(options: { abandoned?: InFlightPolicy } = {}): void {
    this.#checkOpen();
    const policy = policyArg(options?.abandoned);
    if (!this.#server.frozen) return;
    this.#log('thaw server');
    this.#setServer(() => {
      this.#server.frozen = false;
    }, 'random');
    this.#store.freezeLeases(false);
    this.#server.drain(() => this.#env.choose(policy));
  }

  /** Remove every fault of the targets: heal, resume, release keepalives, drop errors, lost replies, latency. */
  clear(target?: FaultTarget): void {
    const links = this.#resolve(target);
    this.#log(`clear ${names(links)}`);
    for (const l of links) {
      l.clearRules();
      if (l.partitioned) l.setPartitioned(false);
      l.resume();
    }
  }

  /** Change the server state and tell every link whether it went down or came up. */
  #setServer(change: () => void, policy: InFlightPolicy): void {
    const wasUp = this.#links.map((l) => l.up);
    change();
    this.#links.forEach((l, i) => {
      l.linkChanged(wasUp[i]!, policy);
    });
  }

  #resolve(target: unknown): ClientLink[] {
    this.#checkOpen();
    return resolveTarget(target, this.#links, this.#closedNames);
  }

  #checkOpen(): void {
    if (this.#store.closed) throw new ClosedError('memory store is closed');
  }

  #log(line: string): void {
    this.#env.trace?.(`${this.#store.clock.now()} fault ${line}`);
  }
}

function names(links: readonly ClientLink[]): string {
  return links.map((l) => l.name).join(',') || '(none)';
}

function policyArg(value: unknown): InFlightPolicy {
  if (value === undefined) return 'random';
  if (value === 'applied' || value === 'lost' || value === 'random') return value;
  throw new InvalidArgumentError(
    `inFlight must be 'applied', 'lost' or 'random', received ${describe(value)}`,
  );
}

function countArg(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  const n = intArg('count', value);
  if (n < 1) throw new InvalidArgumentError(`count must be at least 1, received ${n}`);
  return n;
}

function bytesOption(value: unknown): Bytes {
  if (typeof value === 'string' || value instanceof Uint8Array) return value;
  throw new InvalidArgumentError(`prefix must be a string or Uint8Array, received ${describe(value)}`);
}

function latencyArg(value: unknown): { minMs: number; maxMs: number } {
  const range =
    typeof value === 'number'
      ? { minMs: value, maxMs: value }
      : value !== null && typeof value === 'object'
        ? (value as { minMs: unknown; maxMs: unknown })
        : undefined;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (range === undefined || !ok(range.minMs) || !ok(range.maxMs) || range.minMs > range.maxMs) {
    throw new InvalidArgumentError(
      `latency must be ms ≥ 0 or { minMs, maxMs } with 0 ≤ minMs ≤ maxMs, received ${describe(value)}`,
    );
  }
  return { minMs: range.minMs, maxMs: range.maxMs };
}
