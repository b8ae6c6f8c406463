/**
 * The simulated link between one client and the store, where a client's faults live. Without a fault
 * it hands each request straight to the store. With one, a request takes the path a request of the etcd
 * backend takes, on the client's clock and with the etcd backend's timing and error classes:
 *
 * - link down (partition, server down): the request waits for the link, then fails with
 *   UnavailableError after dialTimeoutMs (or at its deadline); it was not sent.
 * - sent: it flies (latency), is applied by the server (queued while the server is frozen), and the
 *   reply flies back. If the connection drops first, a write fails at once with UnknownOutcomeError
 *   (applied or not, as the fault chose) and a read is resent after the etcd backend's backoff. If the
 *   deadline passes first, a write fails with UnknownOutcomeError and a read with DeadlineExceededError.
 * - injected etcd errors are mapped by the etcd backend's mapping; reads retry UNAVAILABLE answers.
 * - a lost reply: the write applied, the caller gets UnknownOutcomeError.
 * - a paused client (SIGSTOP) sends nothing and hears nothing until it resumes; its timers wait too.
 *
 * Lease renewals follow the etcd backend's keepalive stream: a broken stream is retried every 50 ms
 * until the deadline (UnavailableError), an unanswered renewal ends in DeadlineExceededError.
 * Watch streams stall while the link is down or the client paused, and resume after: a dropped
 * connection re-creates each watcher from the revision after its last delivered event.
 */

import type { RawGrpcError } from '../../etcd-backend/errors.js';
import { backoff, KEEPALIVE_RETRY_MS } from '../../etcd-backend/retry.js';
import type { Clock, ClockTimer } from '../../interface/clock.js';
import {
  AbortError,
  ClosedError,
  DeadlineExceededError,
  UnavailableError,
  UnknownOutcomeError,
} from '../../interface/errors.js';
import type { MemoryWatchStream } from '../watch-stream.js';
import type { ClientClock } from './client-clock.js';
import { Flight, type FlightHost, type FlightOutcome } from './flight.js';
import { injectedError, isRetriedRead } from './injected-error.js';
import { type FaultOp, isWrite, type OpSelector } from './ops.js';
import { type ErrorRule, RequestRules } from './request-rules.js';
import type { ServerState } from './server-state.js';
import type { LinkTiming } from './timing.js';
import { Waits } from './waits.js';

/** What happens to a request in flight when its connection drops: applied, lost, or a seeded choice. */
export type InFlightPolicy = 'applied' | 'lost' | 'random';

/** What a link needs from the controller of its store's faults. */
export interface LinkEnv {
  /** The store's clock: the network and the server run on it. */
  readonly storeClock: Clock;
  readonly server: ServerState;
  /** Decide by `policy` (seeded for 'random'). */
  choose(policy: InFlightPolicy): boolean;
  /** A seeded number in [0, 1). */
  random(): number;
  /** Record a line of the simulation's trace, when tracing. */
  readonly trace: ((line: string) => void) | undefined;
}

/** What a link needs from its client. */
export interface LinkClient {
  readonly name: string;
  readonly clock: ClientClock;
  readonly timing: LinkTiming;
  /**
   * A server's client for a remote one: etcd's answers are relayed as etcd sends them and the remote
   * client does its own retrying (a read is not resent here, an injected error is not classified).
   */
  readonly relay: boolean;
  /** The client's open watch streams. */
  streams(): Iterable<MemoryWatchStream>;
}

/** The outcome of waiting for a flight. */
type Wait<T> = FlightOutcome<T> | { kind: 'deadline' };

/** One client's link; see the module comment. */
export class ClientLink implements FlightHost {
  readonly #client: LinkClient;
  readonly #env: LinkEnv;
  readonly #flights = new Set<Flight<unknown>>();
  /** Waiting for the link's state or for time, on the client's clock. */
  readonly #waits: Waits;
  /** Streams opened while the link was down: they fail unless it comes up within the dial timeout. */
  readonly #dialing = new Map<MemoryWatchStream, ClockTimer>();
  #partitioned = false;
  #dropPolicy: InFlightPolicy = 'random';
  #paused = false;
  #holdKeepAlives = false;
  readonly #rules = new RequestRules();
  #heldReplies: (() => void)[] = [];
  #heldKeepAlives: (() => void)[] = [];
  #quiet = true;
  #closed = false;

  constructor(client: LinkClient, env: LinkEnv) {
    this.#client = client;
    this.#env = env;
    this.#waits = new Waits(client.clock);
    this.refresh();
  }

  /** The client's name, as faults target it. */
  get name(): string {
    return this.#client.name;
  }

  /** The store's clock (FlightHost). */
  get clock(): Clock {
    return this.#env.storeClock;
  }

  /** True while requests can reach the store: not partitioned, server not down. */
  get up(): boolean {
    return !this.#partitioned && !this.#env.server.down;
  }

  /** True when no fault can touch a request and nothing is traced: requests go straight to the store. */
  get quiet(): boolean {
    return this.#quiet && this.#env.trace === undefined;
  }

  /** True while partitioned from the store. */
  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** True while the client's process is paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** True while keepalive answers to this client are held back. */
  get holdingKeepAlives(): boolean {
    return this.#holdKeepAlives;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.#flights.size;
  }

  /** True once the client closed. */
  get closed(): boolean {
    return this.#closed;
  }

  // --- requests ---

  /**
   * One unary request; `apply` runs it on the store. Without faults this is `apply()` itself; with them,
   * the request is a write or a read as the etcd backend classifies it.
   */
  call<T>(op: FaultOp, request: unknown, signal: AbortSignal | undefined, apply: () => T): T | Promise<T> {
    if (this.#quiet) return this.#env.trace === undefined ? apply() : this.#traced(op, apply);
    return this.#unary(op, isWrite(op, request), request, signal, apply);
  }

  /** One lease renewal, as the etcd backend's keepalive stream sends it. */
  keepAlive<T>(signal: AbortSignal | undefined, apply: () => T): T | Promise<T> {
    if (this.#quiet) return this.#env.trace === undefined ? apply() : this.#traced('leaseKeepAlive', apply);
    return this.#renew(signal, apply);
  }

  /** The direct path, traced (same timing: tracing must not change a run). */
  #traced<T>(op: FaultOp, apply: () => T): T {
    try {
      const value = apply();
      this.#trace(op, 'ok');
      return value;
    } catch (error) {
      this.#trace(op, (error as Error).name);
      throw error;
    }
  }

  async #unary<T>(
    op: FaultOp,
    write: boolean,
    request: unknown,
    signal: AbortSignal | undefined,
    apply: () => T,
  ): Promise<T> {
    await this.#whileStopped(signal);
    const deadline = this.#client.clock.now() + this.#client.timing.requestTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      await this.#whileStopped(signal);
      if (!this.up) await this.#dial(op, deadline, signal);
      const rule = this.#takeError(op, write);
      if (rule !== undefined) {
        const error = injectedError(rule.raw, write);
        if (this.#client.relay) {
          // Answer as etcd does; the remote client classifies (and retries) by its own rules.
          if (error instanceof UnknownOutcomeError && this.#env.choose(rule.applied)) applyQuietly(apply);
          this.#trace(op, rule.raw.details);
          throw injectedError(rule.raw, false);
        }
        if (!write && isRetriedRead(rule.raw) && this.#fits(backoff(attempt), deadline)) {
          this.#trace(op, `${rule.raw.details}, retried`);
          await this.#waits.sleep(backoff(attempt), signal);
          continue;
        }
        if (error instanceof UnknownOutcomeError && this.#env.choose(rule.applied)) applyQuietly(apply);
        this.#trace(op, error.name);
        throw error;
      }
      const lost = write && this.#takeLostReply(op, request);
      const outcome = await this.#send(apply, false, deadline, signal);
      if (outcome.kind === 'reply') {
        if (lost) {
          this.#trace(op, 'reply lost');
          throw new UnknownOutcomeError('the reply to the write was lost; it was applied (simulated fault)');
        }
        this.#trace(op, outcome.ok ? 'ok' : (outcome.error as Error).name);
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      if (outcome.kind === 'deadline') {
        this.#trace(op, 'deadline');
        if (write)
          throw new UnknownOutcomeError('write deadline exceeded before a reply; it may have been applied');
        throw new DeadlineExceededError('deadline exceeded: no reply before the request deadline');
      }
      // The connection dropped under the request.
      if (write) {
        this.#trace(op, 'cut, unknown outcome');
        throw new UnknownOutcomeError(
          'connection failed after the write was sent; it may have been applied: Connection dropped',
        );
      }
      this.#trace(op, 'cut, retried');
      if (this.#client.relay || !this.#fits(backoff(attempt), deadline)) {
        throw new UnavailableError('etcd unavailable: Connection dropped');
      }
      await this.#waits.sleep(backoff(attempt), signal);
    }
  }

  async #renew<T>(signal: AbortSignal | undefined, apply: () => T): Promise<T> {
    const op: FaultOp = 'leaseKeepAlive';
    await this.#whileStopped(signal);
    const deadline = this.#client.clock.now() + this.#client.timing.requestTimeoutMs;
    for (;;) {
      await this.#whileStopped(signal);
      if (!this.up) await this.#dial(op, deadline, signal);
      const rule = this.#takeError(op, false);
      const outcome = rule === undefined ? await this.#send(apply, true, deadline, signal) : undefined;
      if (outcome?.kind === 'reply') {
        this.#trace(op, outcome.ok ? 'ok' : (outcome.error as Error).name);
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      if (outcome?.kind === 'deadline') {
        this.#trace(op, 'deadline');
        throw new DeadlineExceededError('lease keepalive: no reply before the deadline');
      }
      // The stream broke (an error answer ends it, as a dropped connection does): renew on a new one.
      const why = rule === undefined ? 'keepalive stream broke: Connection dropped' : rule.raw.details;
      this.#trace(op, `${why}, retried`);
      if (this.#client.relay && rule !== undefined) throw injectedError(rule.raw, false);
      if (this.#client.relay || !this.#fits(KEEPALIVE_RETRY_MS, deadline)) {
        throw new UnavailableError(`etcd unavailable: ${why}`);
      }
      await this.#waits.sleep(KEEPALIVE_RETRY_MS, signal);
    }
  }

  /** Send `apply` as a flight and wait for its outcome, the deadline or the caller's abort. */
  #send<T>(
    apply: () => T,
    keepAlive: boolean,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<Wait<T>> | Wait<T> {
    const [outMs, inMs] = this.#rules.delays(this.#env.storeClock.now(), this.#env.random);
    const flight = new Flight<T>(this, apply, outMs, inMs, keepAlive);
    if (flight.outcome !== undefined) return flight.outcome;
    this.#flights.add(flight as Flight<unknown>);
    return new Promise<Wait<T>>((resolve, reject) => {
      const clock = this.#client.clock;
      const finish = (): void => {
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        untrack();
      };
      const fail = (error: unknown): void => {
        finish();
        reject(error);
      };
      const onAbort = (): void => {
        flight.abandon();
        fail(new AbortError());
      };
      const timer = clock.setTimeout(() => {
        finish();
        flight.abandon();
        resolve({ kind: 'deadline' });
      }, deadline - clock.now());
      const untrack = this.#waits.track(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
      flight.listen((outcome) => {
        this.#flights.delete(flight as Flight<unknown>);
        finish();
        resolve(outcome);
      });
    });
  }

  /** Wait for the link to come up, at most the dial timeout (and not past `deadline`). */
  async #dial(op: FaultOp, deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const clock = this.#client.clock;
    const until = Math.min(deadline, clock.now() + this.#client.timing.dialTimeoutMs);
    while (!this.up) {
      this.#checkOpen();
      const changed = await this.#waits.change(until - clock.now(), signal);
      this.#checkOpen();
      if (!changed && !this.up) {
        this.#trace(op, 'unreachable');
        throw new UnavailableError(
          `no etcd endpoint reachable within ${this.#client.timing.dialTimeoutMs} ms (${this.#downReason()})`,
        );
      }
    }
  }

  /** A paused client sends nothing: wait until it runs again. */
  async #whileStopped(signal: AbortSignal | undefined): Promise<void> {
    while (this.#paused) {
      this.#checkOpen();
      await this.#waits.change(undefined, signal);
    }
    this.#checkOpen();
  }

  #fits(ms: number, deadline: number): boolean {
    return this.#client.clock.now() + ms < deadline;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError();
  }

  #downReason(): string {
    if (this.#env.server.down) return 'the memory store is down (simulated restart)';
    return `client "${this.name}" is partitioned from the memory store`;
  }

  #takeError(op: FaultOp, write: boolean): ErrorRule | undefined {
    const rule = this.#rules.takeError(op, write);
    if (rule !== undefined) this.refresh();
    return rule;
  }

  #takeLostReply(op: FaultOp, request: unknown): boolean {
    const lost = this.#rules.takeLostReply(op, request);
    if (lost) this.refresh();
    return lost;
  }

  #trace(op: string, what: string): void {
    this.#env.trace?.(`${this.#env.storeClock.now()} ${this.name} ${op}: ${what}`);
  }

  // --- FlightHost ---

  /** A flight reached the server. */
  arrive(flight: Flight<unknown>): void {
    this.#env.server.arrive(flight);
  }

  /** Hand an outcome to the client, unless its process is stopped or its keepalive answers are held. */
  deliver(flight: Flight<unknown>, hand: () => void): void {
    if (flight.keepAlive && this.#holdKeepAlives) this.#heldKeepAlives.push(hand);
    else if (this.#paused) this.#heldReplies.push(hand);
    else hand();
  }

  // --- watch streams ---

  /** True when watch streams deliver: the link is up, the client runs and the server is not frozen. */
  #streamsRunning(): boolean {
    return this.up && !this.#paused && !this.#env.server.frozen;
  }

  /** A watch stream the client opened: it stalls while the link is down, the client or server stopped. */
  adopt(stream: MemoryWatchStream): void {
    if (this.#quiet) return;
    if (!this.up) {
      stream.suspend(true);
      // etcd's backend fails a watch stream that never connected once the dial timeout passes.
      const timer = this.#client.clock.setTimeout(() => {
        this.#dialing.delete(stream);
        if (!this.up) {
          stream.fail(
            new UnavailableError(
              `no etcd endpoint reachable within ${this.#client.timing.dialTimeoutMs} ms (${this.#downReason()})`,
            ),
          );
        }
      }, this.#client.timing.dialTimeoutMs);
      this.#dialing.set(stream, timer);
    } else if (!this.#streamsRunning()) {
      stream.suspend(false);
    }
  }

  /** Drop and re-establish every watch stream (each watcher resumes after its last delivered event). */
  resetWatches(): void {
    for (const stream of this.#client.streams()) {
      stream.suspend(true);
      if (this.#streamsRunning()) stream.resume();
    }
    this.#trace('watch', 'streams reset');
  }

  /** Cancel every watcher as etcd cancels one that fell behind compaction, at `revision`. */
  cancelWatchesCompacted(revision: number): void {
    for (const stream of this.#client.streams()) stream.cancelCompacted(revision);
    this.#trace('watch', `watchers canceled as compacted at ${revision}`);
  }

  // --- fault state ---

  /** Partition the client from the store (or heal it); requests in flight at the cut follow `policy`. */
  setPartitioned(on: boolean, policy: InFlightPolicy = 'random'): void {
    const wasUp = this.up;
    this.#partitioned = on;
    this.#dropPolicy = policy;
    this.#trace('link', on ? 'partitioned' : 'healed');
    this.linkChanged(wasUp, policy);
  }

  /**
   * The link or the server changed (partition, restart, freeze): a drop cuts every request in flight
   * and stalls the watch streams (to be re-created); a frozen server stalls them (connections stay);
   * once the link is up and the server runs they resume.
   */
  linkChanged(wasUp: boolean, policy: InFlightPolicy = this.#dropPolicy): void {
    const up = this.up;
    if (wasUp && !up) {
      for (const flight of [...this.#flights]) flight.cut(this.#env.choose(policy));
      for (const stream of this.#client.streams()) stream.suspend(true);
    } else if (!wasUp && up) {
      for (const timer of this.#dialing.values()) timer.cancel();
      this.#dialing.clear();
    }
    if (this.#env.server.frozen) for (const stream of this.#client.streams()) stream.suspend(false);
    else if (this.#streamsRunning()) for (const stream of this.#client.streams()) stream.resume();
    this.refresh();
    this.#waits.notify();
  }

  /** Stop the client's process (SIGSTOP): its timers, requests, replies and watch deliveries wait. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#client.clock.pause();
    for (const stream of this.#client.streams()) stream.suspend(false);
    this.#trace('process', 'paused');
    this.refresh();
  }

  /** Continue the client's process: overdue timers fire first, then held replies arrive. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#trace('process', 'resumed');
    this.#client.clock.resume();
    const held = this.#heldReplies;
    this.#heldReplies = [];
    for (const hand of held) hand();
    if (this.#streamsRunning()) for (const stream of this.#client.streams()) stream.resume();
    this.refresh();
    this.#waits.notify();
  }

  /** Hold back (or release) the answers to this client's lease renewals; the store still renews. */
  holdKeepAlives(on: boolean): void {
    this.#holdKeepAlives = on;
    if (!on) {
      const held = this.#heldKeepAlives;
      this.#heldKeepAlives = [];
      for (const hand of held) {
        if (this.#paused) this.#heldReplies.push(hand);
        else hand();
      }
    }
    this.refresh();
  }

  /** The next `count` requests matching `selector` get etcd's answer `raw`. */
  failNext(
    selector: OpSelector,
    raw: RawGrpcError & { code: number; details: string },
    count: number,
    applied: InFlightPolicy,
  ): void {
    this.#rules.addError({ selector, raw, remaining: count, applied });
    this.refresh();
  }

  /** The next `count` writes (on `prefix`, if given) apply and lose their reply. */
  loseReplies(count: number, prefix: Uint8Array | undefined): void {
    this.#rules.addLostReplies(count, prefix);
    this.refresh();
  }

  /** A delay per request, uniform in [minMs, maxMs] (seeded); undefined for none. */
  setLatency(latency: { minMs: number; maxMs: number } | undefined): void {
    this.#rules.setLatency(latency);
    this.refresh();
  }

  /** Remove injected errors, lost replies and latency, and release held keepalive answers. */
  clearRules(): void {
    this.#rules.clear();
    this.holdKeepAlives(false);
  }

  /** Recompute whether any fault can touch a request (the fast path is taken when none can). */
  refresh(): void {
    const server = this.#env.server;
    this.#quiet =
      !this.#partitioned &&
      !this.#paused &&
      !this.#holdKeepAlives &&
      !server.down &&
      !server.frozen &&
      this.#rules.empty;
  }

  /** The client closed: calls waiting on the link fail with ClosedError. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#dialing.values()) timer.cancel();
    this.#dialing.clear();
    this.#waits.failAll(new ClosedError());
  }
}

/** Apply a write whose caller will only hear "unknown outcome"; its answer is dropped. */
function applyQuietly(apply: () => unknown): void {
  try {
    apply();
  } catch {
    // Unknown to the caller either way.
  }
}
