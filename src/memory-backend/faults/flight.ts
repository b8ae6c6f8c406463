/**
 * One request on its way: out over the link (half the latency), at the server (queued while the server
 * is frozen), applied, and back (the other half). It runs on the store's clock — the network and the
 * server go on whatever the client does — and ends in one outcome handed to whoever still listens:
 * the reply, or "cut" when the connection dropped first. A request the client gave up on (deadline,
 * abort) still arrives and applies, as a request already sent does.
 */

import type { Clock, ClockTimer } from '../../interface/clock.js';

/** How a request ended, as its client sees it. */
export type FlightOutcome<T> =
  | { kind: 'reply'; ok: true; value: T }
  | { kind: 'reply'; ok: false; error: unknown }
  | { kind: 'cut' };

/** Where a flight runs. */
export interface FlightHost {
  /** The store's clock. */
  readonly clock: Clock;
  /** The request reached the server: apply it now, or queue it while the server is frozen. */
  arrive(flight: Flight<unknown>): void;
  /** Hand an outcome to the client: now, or once its process runs again; `keepAlive` replies may be held. */
  deliver(flight: Flight<unknown>, hand: () => void): void;
}

type State = 'outbound' | 'server' | 'inbound' | 'done';

/** A request in flight; see the module comment. */
export class Flight<T> {
  readonly #host: FlightHost;
  readonly #apply: () => T;
  readonly #inboundMs: number;
  /** A lease renewal (its reply may be held back by a fault). */
  readonly keepAlive: boolean;
  #state: State = 'outbound';
  #applied = false;
  #abandoned = false;
  #timer: ClockTimer | undefined;
  #outcome: FlightOutcome<T> | undefined;
  #listener: ((outcome: FlightOutcome<T>) => void) | undefined;

  constructor(host: FlightHost, apply: () => T, outboundMs: number, inboundMs: number, keepAlive: boolean) {
    this.#host = host;
    this.#apply = apply;
    this.#inboundMs = inboundMs;
    this.keepAlive = keepAlive;
    if (outboundMs <= 0) host.arrive(this as Flight<unknown>);
    else this.#timer = host.clock.setTimeout(() => host.arrive(this as Flight<unknown>), outboundMs);
  }

  /** True once the store applied the request. */
  get applied(): boolean {
    return this.#applied;
  }

  /** True once its caller stopped waiting (deadline, abort): the request may still be applied. */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** Its caller stopped waiting; the request goes on (a cancel may or may not reach the server in time). */
  abandon(): void {
    this.#abandoned = true;
  }

  /** True until an outcome was handed out. */
  get pending(): boolean {
    return this.#state !== 'done';
  }

  /** The outcome, once handed out (synchronously, for a flight with no latency and a serving store). */
  get outcome(): FlightOutcome<T> | undefined {
    return this.#outcome;
  }

  /** Call `listener` with the outcome (at once if there is one already). */
  listen(listener: (outcome: FlightOutcome<T>) => void): void {
    if (this.#outcome !== undefined) listener(this.#outcome);
    else this.#listener = listener;
  }

  /** The server takes the request in (it was queued, or is arriving): apply it and send the reply back. */
  process(): void {
    if (this.#state !== 'outbound' && this.#state !== 'server') return;
    this.#state = 'inbound';
    this.#applied = true;
    let outcome: FlightOutcome<T>;
    try {
      outcome = { kind: 'reply', ok: true, value: this.#apply() };
    } catch (error) {
      outcome = { kind: 'reply', ok: false, error };
    }
    if (this.#inboundMs <= 0) this.#end(outcome);
    else this.#timer = this.#host.clock.setTimeout(() => this.#end(outcome), this.#inboundMs);
  }

  /** The server dropped the request unapplied (its caller had cancelled it); nobody listens any more. */
  drop(): void {
    if (this.#state === 'server') this.#end({ kind: 'cut' });
  }

  /** Wait at the server (frozen). */
  queue(): void {
    if (this.#state === 'outbound') this.#state = 'server';
  }

  /**
   * The connection dropped: a request not yet applied is applied now if `applyUnsent` (it got through
   * before the cut), else never; either way the client hears "cut".
   */
  cut(applyUnsent: boolean): void {
    if (this.#state === 'done') return;
    this.#timer?.cancel();
    if (!this.#applied && applyUnsent) {
      this.#applied = true;
      try {
        this.#apply();
      } catch {
        // The client never learns the answer: the outcome stays unknown.
      }
    }
    this.#end({ kind: 'cut' });
  }

  #end(outcome: FlightOutcome<T>): void {
    if (this.#state === 'done') return;
    this.#state = 'done';
    this.#host.deliver(this as Flight<unknown>, () => {
      this.#outcome = outcome;
      const listener = this.#listener;
      this.#listener = undefined;
      listener?.(outcome);
    });
  }
}
