/**
 * DoubleBarrier scenario: `participants` actors (more than `count`, so rounds follow each other with
 * different members) enter a {@link DoubleBarrier} for `count`, work 0.1–0.5 s, and leave; during the
 * faulty part a participant sometimes crashes inside (drops its session: its key goes when its lease
 * expires). A round is the set of keys that entered before its `ready` key was created. Invariants,
 * after every step:
 * - never entered early: when enter() resolves, its round's `ready` key exists, and `count` keys existed
 *   when it was created;
 * - never left early: when leave() resolves, no key of its round is left in the store;
 * - never stuck leaving: a leave() resolves within 3 s of the last key of its round going, counted from
 *   when the leaver's client and the server were last free of lasting faults.
 * At the end: rounds filled and were left.
 */

import { prefixRange } from '../../../common/bytes.js';
import { DoubleBarrier } from '../../../recipes/double-barrier.js';
import type { Session } from '../../../recipes/session.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError, liveSession } from './app.js';

/** Options of {@link doubleBarrierScenario}. */
export interface DoubleBarrierScenarioOptions {
  /** Number of participants (default 4). */
  participants?: number;
  /** The barrier's count (default 3). */
  count?: number;
  /** Session TTL in seconds (default 3). */
  ttl?: number;
  /** Chance that a participant crashes inside the barrier, during the faulty part (default 0.1). */
  crash?: number;
}

const KEY = 'sim/double-barrier';
const WAITERS = `${KEY}/waiters/`;
const READY = `${KEY}/ready`;
/** How long a leaver may take to see the last of its round go, once nothing stands in the way. */
const SLACK_MS = 3_000;

/** Set up the double barrier scenario on `sim`. */
export function doubleBarrierScenario(options: DoubleBarrierScenarioOptions = {}): (sim: Simulation) => void {
  const participants = options.participants ?? 4;
  const count = options.count ?? 3;
  const ttl = options.ttl ?? 3;
  const crashP = options.crash ?? 0.1;
  return (sim) => {
    /** Leaves in progress: the leaver's round (its ready key's create revision). */
    const leaving = new Map<string, number>();
    const early: string[] = [];
    let entries = 0;
    let leaves = 0;
    let crashes = 0;

    /** Keys of the round whose ready key was created at `round`, now (all created before it). */
    const roundKeys = (round: number): number =>
      // Filtered here: a range's count ignores its create-revision filters, as etcd's does.
      sim.store
        .range({ ...prefixRange(WAITERS), keysOnly: true })
        .kvs.filter((kv) => kv.createRevision < round).length;
    /** True if the round whose ready key was created at `round` was full then: `count` waiter keys existed. */
    const filled = (round: number): boolean =>
      sim.store.range({ ...prefixRange(WAITERS), countOnly: true, revision: round }).count >= count;

    const actor = async (ctx: ActorContext): Promise<void> => {
      let session: Session | undefined;
      while (!ctx.signal.aborted) {
        try {
          session = await liveSession(ctx, session, ttl);
          const barrier = new DoubleBarrier(session, KEY, count);
          await barrier.enter({ signal: ctx.signal, timeoutMs: 15_000 });
          entries++;
          const mine = sim.store.range({ key: barrier.key }).kvs[0];
          const ready = sim.store.range({ key: READY }).kvs[0];
          if (mine === undefined) {
            // Its lease ended as it entered: it is in no round (its session says so soon).
            ctx.log('entered, its key gone');
          } else if (ready === undefined || ready.createRevision < mine.createRevision) {
            early.push(
              `${ctx.name} entered (its key created at ${mine.createRevision}) with no ready key of its round`,
            );
          } else if (!filled(ready.createRevision)) {
            early.push(
              `${ctx.name} entered a round (ready at ${ready.createRevision}) that never had ${count} in at once`,
            );
          }
          await ctx.sleep(100 + Math.floor(ctx.random() * 400)); // work inside
          if (ctx.backend.clock.now() < sim.faultsEndAt && ctx.random() < crashP) {
            ctx.log('crashes inside the barrier');
            crashes++;
            session.orphan(); // its key goes when the lease expires
            session = undefined;
            continue;
          }
          const round = ready?.createRevision;
          if (mine !== undefined && round !== undefined) leaving.set(ctx.name, round);
          try {
            await barrier.leave({ signal: ctx.signal });
          } finally {
            leaving.delete(ctx.name);
          }
          leaves++;
          if (mine !== undefined && round !== undefined && roundKeys(round) > 0)
            early.push(`${ctx.name} left while ${roundKeys(round)} of its round (ready at ${round}) remain`);
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error; // TooManyClientsError among them: a round is on
          ctx.log(`${(error as Error).name}`);
        }
        await ctx.sleep(500 + Math.floor(ctx.random() * 1_500)).catch(() => {});
      }
      await session?.close().catch(() => {});
    };
    for (let i = 1; i <= participants; i++) sim.actor(`d${i}`, actor);

    sim.invariant('never entered or left early', () => {
      if (early.length > 0) throw new Error(early.join('; '));
    });

    // When each round was first seen empty, and when each client (or the server) was last held up.
    const emptyAt = new Map<number, number>();
    const heldUpAt = new Map<string, number>();
    let serverHeldUpAt = Number.NEGATIVE_INFINITY;
    sim.invariant('never stuck leaving', () => {
      const now = sim.clock.now();
      const faults = sim.store.faults;
      if (faults.serverDown || faults.serverFrozen) serverHeldUpAt = now;
      for (const c of faults.clients()) if (c.partitioned || c.paused) heldUpAt.set(c.name, now);
      for (const [name, round] of leaving) {
        if (roundKeys(round) > 0) continue;
        const empty = emptyAt.get(round) ?? now;
        emptyAt.set(round, empty);
        const from = Math.max(empty, serverHeldUpAt, heldUpAt.get(name) ?? Number.NEGATIVE_INFINITY);
        if (now > from + SLACK_MS) {
          const others = sim.store.range({ ...prefixRange(WAITERS), keysOnly: true }).kvs.length;
          throw new Error(
            `${name} still leaves the round of ${round}, empty since ${empty} ms (counted from ${from} ms; ${others} keys of later rounds in)`,
          );
        }
      }
    });

    sim.atEnd('rounds filled and were left', () => {
      if (entries === 0 || leaves === 0)
        throw new Error(`${entries} entries and ${leaves} leaves in the whole run`);
      sim.log(`double barrier: ${entries} entries, ${leaves} leaves, ${crashes} crashes`);
    });
  };
}
