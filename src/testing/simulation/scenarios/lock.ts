/**
 * Lock scenario: `clients` actors take turns at one {@link Mutex} — each takes it every 2–6 s and holds
 * it 0.1–0.5 s — and increment a counter with a write guarded by the lock's ownership (fencing)
 * compare. Invariants, after every step:
 * - never two holders: at most one actor whose lock() resolved, not yet released, on a live lease;
 * - no acknowledged increment is lost, and the counter never exceeds the increments acknowledged, of
 *   unknown outcome, or in flight;
 * - the fencing tokens of successful guarded writes never go down.
 */

import { UnknownOutcomeError } from '../../../interface/errors.js';
import { Mutex } from '../../../recipes/mutex.js';
import { Session } from '../../../recipes/session.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError } from './app.js';
import { FencedCounter } from './fenced-counter.js';

/** Options of {@link lockScenario}. */
export interface LockScenarioOptions {
  /** Number of contending clients (default 5). */
  clients?: number;
  /** Session TTL in seconds (default 5). */
  ttl?: number;
}

const COUNTER = 'sim/counter';
const LOCK = 'sim/lock';

/** Set up the lock scenario on `sim`. */
export function lockScenario(options: LockScenarioOptions = {}): (sim: Simulation) => void {
  const clients = options.clients ?? 5;
  const ttl = options.ttl ?? 5;
  return (sim) => {
    const holding = new Map<string, Mutex>();
    const counter = new FencedCounter(COUNTER);
    let lastToken = 0;

    const actor = async (ctx: ActorContext): Promise<void> => {
      let session: Session | undefined;
      while (!ctx.signal.aborted) {
        try {
          if (session === undefined || !session.alive) {
            void session?.close().catch(() => {});
            session = undefined;
            session = await Session.create(ctx.backend, { ttl, signal: ctx.signal });
          }
          const mutex = new Mutex(session, LOCK);
          await mutex.lock({ signal: ctx.signal, timeoutMs: 10_000 });
          holding.set(ctx.name, mutex);
          try {
            await increment(ctx, mutex);
            await ctx.sleep(100 + Math.floor(ctx.random() * 400)); // work under the lock
          } finally {
            holding.delete(ctx.name);
            await mutex.unlock().catch(() => {});
          }
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error;
          ctx.log(`${(error as Error).name}`);
        }
        await ctx.sleep(2_000 + Math.floor(ctx.random() * 4_000)).catch(() => {}); // other work
      }
      await session?.close().catch(() => {});
    };

    const increment = async (ctx: ActorContext, mutex: Mutex): Promise<void> => {
      const value = counter.valueIn(await ctx.backend.range({ key: COUNTER }));
      const token = mutex.fencingToken;
      counter.pending++;
      try {
        const r = await mutex.guardedTxn([{ requestPut: { key: COUNTER, value: String(value + 1) } }]);
        if (!r.succeeded) return;
        counter.acked++;
        if (token < lastToken) throw new Error(`fencing token went down: ${token} after ${lastToken}`);
        lastToken = token;
      } catch (error) {
        if (error instanceof UnknownOutcomeError) counter.unknown++;
        else throw error;
      } finally {
        counter.pending--;
      }
    };

    for (let i = 1; i <= clients; i++) sim.actor(`c${i}`, actor);

    sim.invariant('never two holders', () => {
      // A holder: its lock() resolved, it has not released, and its lease is alive. (A client can
      // believe it holds after its lease is gone — paused, or the lease expired under it — which is
      // what the fencing guard is for.)
      if (holding.size < 2) return;
      const holders = [...holding]
        .filter(([, m]) => m.held && sim.store.leaseTimeToLive({ id: m.session.lease }).ttl > 0)
        .map(([name]) => name);
      if (holders.length > 1) throw new Error(`${holders.join(' and ')} hold the lock at once`);
    });
    sim.invariant('no lost increment', () => counter.check(sim.store));
    sim.atEnd('the lock went round', () => {
      if (counter.acked === 0) throw new Error('no increment was acknowledged in the whole run');
    });
  };
}
