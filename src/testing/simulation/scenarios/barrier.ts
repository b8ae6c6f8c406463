/**
 * Barrier scenario: a holder raises a {@link Barrier} on its session for 1–3 s, then lowers it — or,
 * during the faulty part, sometimes crashes instead (drops its session: the key goes when its lease
 * expires) — and raises it again 0.5–2 s later, until the faults end. `waiters` actors each read the
 * barrier; when it is up (a raise they have not been released from yet) they wait() on it. Invariants,
 * after every step:
 * - never early: when a wait resolves, the raise it waited on is gone from the store;
 * - never missed: a wait resolves within 3 s of its raise going, counted from when the waiter's client
 *   and the server were last free of lasting faults (partitioned, paused, down, frozen).
 * So each wait is released once, by the end of the raise it waited on. At the end (after the quiet
 * period): the barrier is down and no waiter is still waiting.
 */

import { Barrier } from '../../../recipes/barrier.js';
import type { Session } from '../../../recipes/session.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError, liveSession, retrying } from './app.js';

/** Options of {@link barrierScenario}. */
export interface BarrierScenarioOptions {
  /** Number of waiters (default 4). */
  waiters?: number;
  /** The holder's session TTL in seconds (default 3). */
  ttl?: number;
  /** Chance that the holder crashes instead of lowering the barrier, during the faulty part (default 0.25). */
  crash?: number;
}

const KEY = 'sim/barrier';
/** How long a waiter may take to see its raise go, once nothing stands in the way. */
const SLACK_MS = 3_000;

/** Set up the barrier scenario on `sim`. */
export function barrierScenario(options: BarrierScenarioOptions = {}): (sim: Simulation) => void {
  const waiters = options.waiters ?? 4;
  const ttl = options.ttl ?? 3;
  const crashP = options.crash ?? 0.25;
  return (sim) => {
    /** Waits in progress: the raise each waiter waits on (its key's create revision). */
    const waiting = new Map<string, number>();
    let releases = 0;
    const early: string[] = [];
    let raises = 0;
    let crashes = 0;

    sim.actor('holder', async (ctx) => {
      let session: Session | undefined;
      const barrier = new Barrier(ctx.backend, KEY);
      while (!ctx.signal.aborted && ctx.backend.clock.now() < sim.faultsEndAt) {
        try {
          session = await liveSession(ctx, session, ttl);
          await barrier.hold(session, { signal: ctx.signal });
          raises++;
          await ctx.sleep(1_000 + Math.floor(ctx.random() * 2_000));
          if (ctx.backend.clock.now() < sim.faultsEndAt && ctx.random() < crashP) {
            ctx.log('crashes holding the barrier');
            crashes++;
            session.orphan(); // the key goes when the lease expires
            session = undefined;
          } else {
            await retrying(
              ctx,
              () => barrier.release(),
              () => true,
            );
          }
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error; // KeyExistsError: a crashed raise not gone yet
          ctx.log(`${(error as Error).name}`);
        }
        await ctx.sleep(500 + Math.floor(ctx.random() * 1_500)).catch(() => {});
      }
      // The quiet period: lower it for good.
      if (!ctx.signal.aborted)
        await retrying(
          ctx,
          () => barrier.release(),
          () => true,
        ).catch(() => {});
      await session?.close().catch(() => {});
    });

    const waiter = async (ctx: ActorContext): Promise<void> => {
      const barrier = new Barrier(ctx.backend, KEY);
      let last = 0; // the raise we were last released from
      while (!ctx.signal.aborted) {
        try {
          const got = await ctx.backend.range({ key: KEY });
          const raise = got.kvs[0]?.createRevision;
          if (raise === undefined || raise === last) {
            await ctx.sleep(200 + Math.floor(ctx.random() * 300));
            continue;
          }
          waiting.set(ctx.name, raise);
          try {
            await barrier.wait({ signal: ctx.signal });
          } finally {
            waiting.delete(ctx.name);
          }
          // Released: the raise must be gone now.
          if (sim.store.range({ key: KEY }).kvs[0]?.createRevision === raise)
            early.push(`${ctx.name} was released while the raise at revision ${raise} still stands`);
          releases++;
          last = raise;
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error;
          ctx.log(`${(error as Error).name}`);
          await ctx.sleep(200 + Math.floor(ctx.random() * 300)).catch(() => {});
        }
      }
    };
    for (let i = 1; i <= waiters; i++) sim.actor(`w${i}`, waiter);

    sim.invariant('never released early', () => {
      if (early.length > 0) throw new Error(early.join('; '));
    });

    // When each raise was first seen gone, and when each client (or the server) was last held up.
    const goneAt = new Map<number, number>();
    const heldUpAt = new Map<string, number>();
    let serverHeldUpAt = Number.NEGATIVE_INFINITY;
    sim.invariant('never missed', () => {
      const now = sim.clock.now();
      const faults = sim.store.faults;
      if (faults.serverDown || faults.serverFrozen) serverHeldUpAt = now;
      for (const c of faults.clients()) if (c.partitioned || c.paused) heldUpAt.set(c.name, now);
      if (waiting.size === 0) return;
      const current = sim.store.range({ key: KEY }).kvs[0]?.createRevision;
      for (const [name, raise] of waiting) {
        if (raise === current) continue;
        const gone = goneAt.get(raise) ?? now;
        goneAt.set(raise, gone);
        const from = Math.max(gone, serverHeldUpAt, heldUpAt.get(name) ?? Number.NEGATIVE_INFINITY);
        if (now > from + SLACK_MS) {
          throw new Error(
            `${name} still waits on the raise at revision ${raise}, gone since ${gone} ms (counted from ${from} ms)`,
          );
        }
      }
    });

    sim.atEnd('the barrier is down, and no waiter is left waiting', () => {
      const up = sim.store.range({ key: KEY }).kvs[0];
      if (up !== undefined)
        throw new Error(`the barrier is still up (raised at revision ${up.createRevision})`);
      if (waiting.size > 0) throw new Error(`still waiting: ${[...waiting.keys()].join(', ')}`);
      if (raises === 0 || releases === 0) throw new Error('the barrier never held anyone up');
      sim.log(`barrier: ${raises} raises, ${crashes} crashes, ${releases} releases`);
    });
  };
}
