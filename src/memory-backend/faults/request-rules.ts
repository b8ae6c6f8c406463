/**
 * The request faults of one client: injected etcd answers for the next requests of a kind, lost replies
 * for the next writes (or those on a prefix), and latency. The link asks them, per request, what
 * happens to it.
 */

import type { RawGrpcError } from '../../etcd-backend/errors.js';
import type { InFlightPolicy } from './link.js';
import { type FaultOp, hasPrefix, type OpSelector, opMatches, writtenKeys } from './ops.js';

/** The next `remaining` requests matching `selector` get etcd's answer `raw`. */
export interface ErrorRule {
  readonly selector: OpSelector;
  readonly raw: RawGrpcError & { code: number; details: string };
  remaining: number;
  /** For a write answered "unknown outcome": applied or not. */
  readonly applied: InFlightPolicy;
}

/** The next `remaining` writes (on `prefix`, if set) apply and lose their reply. */
interface LostReplyRule {
  remaining: number;
  readonly prefix: Uint8Array | undefined;
}

/** One client's request faults. */
export class RequestRules {
  #errors: ErrorRule[] = [];
  #lostReplies: LostReplyRule[] = [];
  #latency: { minMs: number; maxMs: number } | undefined;
  /** When the last request reached the server: one client's requests arrive in the order sent. */
  #lastArrival = Number.NEGATIVE_INFINITY;

  /** True when no rule is set. */
  get empty(): boolean {
    return this.#errors.length === 0 && this.#lostReplies.length === 0 && this.#latency === undefined;
  }

  /** The next `count` requests matching `selector` get etcd's answer `raw`. */
  addError(rule: ErrorRule): void {
    this.#errors.push(rule);
  }

  /** The next `count` writes (on `prefix`, if given) apply and lose their reply. */
  addLostReplies(count: number, prefix: Uint8Array | undefined): void {
    this.#lostReplies.push({ remaining: count, prefix });
  }

  /** A delay per request, uniform in [minMs, maxMs]; undefined (or a zero maximum) for none. */
  setLatency(latency: { minMs: number; maxMs: number } | undefined): void {
    this.#latency = latency !== undefined && latency.maxMs > 0 ? latency : undefined;
  }

  /** Remove every rule. */
  clear(): void {
    this.#errors = [];
    this.#lostReplies = [];
    this.#latency = undefined;
  }

  /** The injected answer for this request, if a rule has one left (it counts one down). */
  takeError(op: FaultOp, write: boolean): ErrorRule | undefined {
    if (this.#errors.length === 0) return undefined;
    const rule = this.#errors.find((r) => opMatches(r.selector, op, write));
    if (rule === undefined) return undefined;
    if (--rule.remaining <= 0) this.#errors = this.#errors.filter((r) => r !== rule);
    return rule;
  }

  /** True when this write's reply is to be lost (a rule counts one down). */
  takeLostReply(op: FaultOp, request: unknown): boolean {
    if (this.#lostReplies.length === 0) return false;
    const keys = writtenKeys(op, request);
    const rule = this.#lostReplies.find(
      (r) => r.prefix === undefined || keys.some((k) => hasPrefix(k, r.prefix!)),
    );
    if (rule === undefined) return false;
    if (--rule.remaining <= 0) this.#lostReplies = this.#lostReplies.filter((r) => r !== rule);
    return true;
  }

  /**
   * Outbound and inbound delay of a request sent at `now` (half the latency each way, `random` in
   * [0, 1) choosing within the range), no earlier at the server than the one before it.
   */
  delays(now: number, random: () => number): [number, number] {
    const latency = this.#latency;
    let total = 0;
    if (latency !== undefined)
      total = latency.minMs + Math.floor(random() * (latency.maxMs - latency.minMs + 1));
    const half = Math.floor(total / 2);
    const arrival = Math.max(now + half, this.#lastArrival);
    this.#lastArrival = arrival;
    return [arrival - now, total - half];
  }
}
