/**
 * Which member leads, as the pool's endpoints report it (Maintenance.Status: header.member_id and leader),
 * kept current cheaply: learned when a channel connects, re-learned when a call fails with Unavailable,
 * and polled every 100 ms on the survivors after the leader's channel drops, until one of them reports a
 * new leader. While that lasts the tracker is "electing": writes wait for it instead of being sent to a
 * follower that would forward them to the dead leader and hold them for etcd's whole request timeout.
 */

import { AbortError, ClosedError } from '../interface/errors.js';
import type { Endpoint } from './pool.js';

/** One member's answer to Maintenance.Status: its raft ID and its leader's ("0": no leader). */
export interface LeaderAnswer {
  memberId: string;
  leader: string;
}

/** Ask one endpoint for its Status, bounded by `deadline` (ms since the epoch). */
export type StatusProbe = (endpoint: Endpoint, deadline: number) => Promise<LeaderAnswer>;

const READY = 2; // grpc connectivityState.READY
const SHUTDOWN = 4;
/** Poll interval while electing, and the longest interval while merely (re)learning. */
const ELECTING_POLL_MS = 100;
const LEARNING_POLL_MAX_MS = 1_000;
/** Bound of one Status probe: it is answered locally by the member, so this is generous. */
const PROBE_MS = 1_000;

/** Tracks the leader for an endpoint pool; see the module comment. */
export class LeaderTracker {
  readonly #endpoints: readonly Endpoint[];
  readonly #probe: StatusProbe;
  readonly #onLeaderLost: () => void;
  readonly #closeSignal: AbortSignal;
  /** Raft member ID of each endpoint, once it answered Status. */
  readonly #ids = new Map<Endpoint, string>();
  #leaderId: string | undefined;
  /** The leader whose channel dropped; set while electing. */
  #lostId: string | undefined;
  #electing = false;
  /** Resolved (and replaced) whenever electing ends. */
  #elected = deferred();
  #running = false;
  #wanted = false;

  constructor(
    endpoints: readonly Endpoint[],
    probe: StatusProbe,
    onLeaderLost: () => void,
    closeSignal: AbortSignal,
  ) {
    this.#endpoints = endpoints;
    this.#probe = probe;
    this.#onLeaderLost = onLeaderLost;
    this.#closeSignal = closeSignal;
  }

  /**
   * Start watching every endpoint's channel; each one that connects is asked who leads. With a single
   * endpoint there is no choice to make and its calls fail with its channel anyway: nothing is tracked.
   */
  start(): void {
    if (this.#endpoints.length < 2) return;
    for (const e of this.#endpoints) this.#watch(e, e.channel.getConnectivityState(true));
  }

  /** True from the loss of the leader's channel until a survivor reports a new leader. */
  get electing(): boolean {
    return this.#electing;
  }

  /** The leader's endpoint, when the leader is known and is one of the pool's endpoints. */
  get leaderEndpoint(): Endpoint | undefined {
    if (this.#leaderId === undefined) return undefined;
    for (const [e, id] of this.#ids) if (id === this.#leaderId) return e;
    return undefined;
  }

  /** Something failed in a way that may mean the leader changed: ask again (in the background). */
  suspect(): void {
    this.#kick();
  }

  /**
   * Wait until no election is pending, or `deadline` passes (then it returns with `electing` still true).
   * Rejects with AbortError / ClosedError.
   */
  async waitElected(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    if (!this.#electing) return;
    const elected = this.#elected.promise;
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#closeSignal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => finish(this.#closeSignal.aborted ? new ClosedError() : new AbortError());
      const timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
      timer.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#closeSignal.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted || this.#closeSignal.aborted) onAbort();
      void elected.then(() => finish());
    });
  }

  /** Follow one channel's state changes for as long as the pool lives. */
  #watch(endpoint: Endpoint, state: number): void {
    if (state === SHUTDOWN || this.#closeSignal.aborted) return;
    if (state === READY) this.#kick();
    endpoint.channel.watchConnectivityState(state, Number.POSITIVE_INFINITY, () => {
      const next = endpoint.channel.getConnectivityState(false);
      if (state === READY && next !== READY) this.#channelDown(endpoint);
      this.#watch(endpoint, next);
    });
  }

  #channelDown(endpoint: Endpoint): void {
    if (this.#closeSignal.aborted) return;
    // Reconnect at once: a live member is back in milliseconds, a dead one refuses at once.
    endpoint.channel.getConnectivityState(true);
    const id = this.#ids.get(endpoint);
    if (id === undefined || id !== this.#leaderId || this.#electing) return;
    this.#electing = true;
    this.#lostId = id;
    this.#leaderId = undefined;
    this.#onLeaderLost();
    this.#kick();
  }

  /** Run the probe loop (once at a time; a kick during a round asks for one more). */
  #kick(): void {
    this.#wanted = true;
    if (this.#running || this.#closeSignal.aborted || this.#endpoints.length < 2) return;
    this.#running = true;
    void this.#loop().finally(() => {
      this.#running = false;
    });
  }

  async #loop(): Promise<void> {
    let pause = ELECTING_POLL_MS;
    while (this.#wanted && !this.#closeSignal.aborted) {
      this.#wanted = false;
      const settled = await this.#round();
      if (settled && !this.#electing) continue;
      this.#wanted = true;
      pause = this.#electing ? ELECTING_POLL_MS : Math.min(pause * 2, LEARNING_POLL_MAX_MS);
      await new Promise((resolve) => setTimeout(resolve, pause).unref?.());
    }
  }

  /** Ask every connected endpoint once; true once a leader is known. */
  async #round(): Promise<boolean> {
    const deadline = Date.now() + PROBE_MS;
    const asked = this.#endpoints.filter((e) => e.channel.getConnectivityState(true) === READY);
    const selfReported: string[] = [];
    const reported: string[] = [];
    await Promise.allSettled(
      asked.map(async (e) => {
        const answer = await this.#probe(e, deadline);
        this.#ids.set(e, answer.memberId);
        if (answer.leader !== '0') reported.push(answer.leader);
        // A member that names itself leader is one (only a member that won an election does).
        if (answer.memberId === answer.leader) {
          selfReported.push(answer.leader);
          this.#accept(answer.leader);
        }
        // While electing, a survivor that names a leader other than the lost one has seen an election
        // (the new leader may be outside this pool's endpoints).
        else if (this.#electing && answer.leader !== '0' && answer.leader !== this.#lostId)
          this.#accept(answer.leader);
      }),
    );
    if (this.#electing) return false;
    // When no endpoint leads (the leader is outside the pool), take the leader the members name.
    const leader = selfReported[0] ?? reported[0];
    if (leader !== undefined) this.#leaderId = leader;
    return leader !== undefined;
  }

  #accept(leader: string): void {
    this.#leaderId = leader;
    if (!this.#electing) return;
    this.#electing = false;
    this.#lostId = undefined;
    this.#elected.resolve();
    this.#elected = deferred();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
