/**
 * Semaphore scenario: `clients` actors contend for a {@link Semaphore} of `permits` permits — each takes
 * one every 1–4 s and holds it 0.1–0.5 s. A holder shows it holds on the store itself: in one txn
 * guarded by its permit (isOwner), it puts an "active" key on its own lease and counts the active keys;
 * it deletes that key (guarded) before it releases. Invariants, after every step:
 * - never more than `permits` holders: actors whose acquire() resolved, not yet released, on a live lease;
 * - never more than `permits` holder keys in the store;
 * - no guarded write saw more than `permits` active keys (an active key lives inside its holder's permit:
 *   created under the permit's guard, deleted before it, and on the same lease);
 * - the fencing tokens of successful guarded writes grow with their revision.
 * At the end: permits were granted, and one guarded write saw every permit in use at once.
 */

import { prefixRange } from '../../../common/bytes.js';
import { UnknownOutcomeError } from '../../../interface/errors.js';
import { LockCleanupError } from '../../../recipes/errors.js';
import { rangeAt } from '../../../recipes/internal.js';
import { Semaphore } from '../../../recipes/semaphore.js';
import type { Session } from '../../../recipes/session.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError, liveSession, retrying } from './app.js';

/** Options of {@link semaphoreScenario}. */
export interface SemaphoreScenarioOptions {
  /** Number of contending clients (default 5). */
  clients?: number;
  /** Number of permits (default 2). */
  permits?: number;
  /** Session TTL in seconds (default 5). */
  ttl?: number;
}

const SEMAPHORE = 'sim/semaphore';
const ACTIVE = 'sim/semaphore-active/';

/** Set up the semaphore scenario on `sim`. */
export function semaphoreScenario(options: SemaphoreScenarioOptions = {}): (sim: Simulation) => void {
  const clients = options.clients ?? 5;
  const permits = options.permits ?? 2;
  const ttl = options.ttl ?? 5;
  return (sim) => {
    const holding = new Map<string, Semaphore>();
    /** Guarded writes that counted more active holders than permits. */
    const overcounts: string[] = [];
    const reusedTokens: string[] = [];
    /** The fencing token of every grant. */
    const tokens = new Set<number>();
    let grants = 0;
    let mostActive = 0;

    const actor = async (ctx: ActorContext): Promise<void> => {
      let session: Session | undefined;
      while (!ctx.signal.aborted) {
        try {
          session = await liveSession(ctx, session, ttl);
          const semaphore = new Semaphore(session, SEMAPHORE, permits);
          await semaphore.acquire({ signal: ctx.signal, timeoutMs: 10_000 });
          grants++;
          const token = semaphore.fencingToken;
          if (token <= 0 || tokens.has(token))
            reusedTokens.push(`${ctx.name} was granted token ${token} again`);
          tokens.add(token);
          holding.set(ctx.name, semaphore);
          const mine = `${ACTIVE}${token}`;
          try {
            await work(ctx, semaphore, mine);
          } finally {
            holding.delete(ctx.name);
            await giveBack(ctx, semaphore, mine);
          }
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error;
          ctx.log(`${(error as Error).name}`);
          // A waiter key that could not be deleted would keep its place in line while the session
          // lives, and block everyone behind it: end the session (as an app should).
          if (error instanceof LockCleanupError) void session?.close().catch(() => {});
        }
        await ctx.sleep(1_000 + Math.floor(ctx.random() * 3_000)).catch(() => {}); // other work
      }
      await session?.close().catch(() => {});
    };

    /** Mark this holder active (guarded) and count the active ones, then work a while. */
    const work = async (ctx: ActorContext, semaphore: Semaphore, mine: string): Promise<void> => {
      try {
        const r = await semaphore.guardedTxn([
          { requestPut: { key: mine, value: ctx.name, lease: semaphore.session.lease } },
          { requestRange: { ...prefixRange(ACTIVE), countOnly: true } },
        ]);
        if (r.succeeded) {
          const active = rangeAt(r, 1)!.count;
          mostActive = Math.max(mostActive, active);
          if (active > permits) {
            overcounts.push(`${ctx.name} counted ${active} active holders at revision ${r.header.revision}`);
          }
        }
      } catch (error) {
        if (!(error instanceof UnknownOutcomeError)) throw error; // the key may exist: giveBack deletes it
      }
      await ctx.sleep(100 + Math.floor(ctx.random() * 400)); // work under the permit
    };

    /**
     * Unmark (guarded), then release. An active key must never outlive its permit: if unmarking fails
     * (the session ended, or the store stays out of reach), do not release but end the session, whose
     * lease takes both keys at once. A release that keeps failing ends the session too.
     */
    const giveBack = async (ctx: ActorContext, semaphore: Semaphore, mine: string): Promise<void> => {
      let tries = 0;
      const unmarked = await retrying(
        ctx,
        () => semaphore.guardedTxn([{ requestDeleteRange: { key: mine } }]),
        () => semaphore.held && ++tries < 10,
      );
      tries = 0;
      const released =
        unmarked.ok &&
        (
          await retrying(
            ctx,
            () => semaphore.release(),
            () => semaphore.held && ++tries < 10,
          )
        ).ok;
      if (!released) await semaphore.session.close().catch(() => {});
    };

    for (let i = 1; i <= clients; i++) sim.actor(`s${i}`, actor);

    sim.invariant(`never more than ${permits} holders`, () => {
      // A holder: its acquire() resolved, it has not released, and its lease is alive. (A client can
      // believe it holds after its lease is gone, which is what the guarded writes are for.)
      if (holding.size <= permits) return;
      const holders = [...holding]
        .filter(([, s]) => s.held && sim.store.leaseTimeToLive({ id: s.session.lease }).ttl > 0)
        .map(([name]) => name);
      if (holders.length > permits) throw new Error(`${holders.join(', ')} hold a permit at once`);
    });
    let checkedAt = 0;
    sim.invariant(`never more than ${permits} permits in the store`, () => {
      if (sim.store.revision === checkedAt) return;
      checkedAt = sim.store.revision;
      const held = sim.store.range({ ...prefixRange(`${SEMAPHORE}/holders/`), countOnly: true }).count;
      if (held > permits) throw new Error(`${held} holder keys at revision ${checkedAt}`);
    });
    sim.invariant(`no guarded write saw more than ${permits} active holders`, () => {
      if (overcounts.length > 0) throw new Error(overcounts.join('; '));
    });
    sim.invariant('every grant has a new fencing token', () => {
      if (reusedTokens.length > 0) throw new Error(reusedTokens.join('; '));
    });
    sim.atEnd('the permits went round, and were used to the full', () => {
      if (grants === 0) throw new Error('no permit was granted in the whole run');
      if (mostActive < Math.min(permits, clients))
        throw new Error(`at most ${mostActive} of ${permits} permits were ever in use at once`);
      sim.log(`semaphore: ${grants} grants, at most ${mostActive} active at once`);
    });
  };
}
