/**
 * RWMutex scenario: `clients` actors take one {@link RWMutex} every 1–4 s, as a writer with probability
 * `writeShare` and otherwise as a reader, and hold it 0.1–0.5 s. Exclusion is shown on a shared counter:
 * - a writer reads the counter, works, then writes counter + 1 in a txn guarded by its ownership;
 * - a reader reads the counter in a guarded txn when it gets the lock and again before it lets go: the
 *   counter's mod revision must not have moved in between.
 * Invariants, after every step:
 * - never a writer beside a reader or another writer: among actors whose lock call resolved, not yet
 *   released, on a live lease;
 * - no reader saw the counter move while it held the read side;
 * - no acknowledged increment is lost, and the counter never exceeds the increments acknowledged, of
 *   unknown outcome, or in flight (two writers at once would lose one);
 * - writers' fencing tokens grow with the revision of their increments.
 * At the end: both sides were taken, and readers shared the lock at least once.
 */

import { toText } from '../../../common/bytes.js';
import { UnknownOutcomeError } from '../../../interface/errors.js';
import type { TxnResponse } from '../../../interface/kv.js';
import { LockCleanupError } from '../../../recipes/errors.js';
import { rangeAt } from '../../../recipes/internal.js';
import { RWMutex } from '../../../recipes/rwmutex.js';
import type { Session } from '../../../recipes/session.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError, liveSession, retrying } from './app.js';
import { FencedCounter } from './fenced-counter.js';

/** Options of {@link rwMutexScenario}. */
export interface RWMutexScenarioOptions {
  /** Number of contending clients (default 5). */
  clients?: number;
  /** Share of acquisitions that take the write side, in [0, 1] (default 0.4). */
  writeShare?: number;
  /** Session TTL in seconds (default 5). */
  ttl?: number;
}

const LOCK = 'sim/rwlock';
const COUNTER = 'sim/rw-counter';

/** The counter's value and mod revision in a guarded read's response (0, 0 before its first write). */
function counterIn(r: TxnResponse): { value: number; mod: number } {
  const kv = rangeAt(r, 0)?.kvs[0];
  return kv === undefined ? { value: 0, mod: 0 } : { value: Number(toText(kv.value)), mod: kv.modRevision };
}

/** Set up the RWMutex scenario on `sim`. */
export function rwMutexScenario(options: RWMutexScenarioOptions = {}): (sim: Simulation) => void {
  const clients = options.clients ?? 5;
  const writeShare = options.writeShare ?? 0.4;
  const ttl = options.ttl ?? 5;
  return (sim) => {
    const holding = new Map<string, RWMutex>();
    const moved: string[] = [];
    const counter = new FencedCounter(COUNTER);
    /** Successful increments: revision and fencing token. */
    const increments: { revision: number; token: number }[] = [];
    let reads = 0;
    let mostReaders = 0;

    const actor = async (ctx: ActorContext): Promise<void> => {
      let session: Session | undefined;
      while (!ctx.signal.aborted) {
        try {
          session = await liveSession(ctx, session, ttl);
          const lock = new RWMutex(session, LOCK);
          const writer = ctx.random() < writeShare;
          if (writer) await lock.lock({ signal: ctx.signal, timeoutMs: 10_000 });
          else await lock.rLock({ signal: ctx.signal, timeoutMs: 10_000 });
          holding.set(ctx.name, lock);
          try {
            if (writer) await increment(ctx, lock);
            else await read(ctx, lock);
          } finally {
            holding.delete(ctx.name);
            await unlock(ctx, lock, writer);
          }
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error;
          ctx.log(`${(error as Error).name}`);
          // A key that could not be deleted would keep its place in line while the session lives.
          if (error instanceof LockCleanupError) void session?.close().catch(() => {});
        }
        await ctx.sleep(1_000 + Math.floor(ctx.random() * 3_000)).catch(() => {}); // other work
      }
      await session?.close().catch(() => {});
    };

    const increment = async (ctx: ActorContext, lock: RWMutex): Promise<void> => {
      const value = counter.valueIn(await ctx.backend.range({ key: COUNTER }));
      await ctx.sleep(100 + Math.floor(ctx.random() * 400)); // work under the write lock
      const token = lock.fencingToken;
      counter.pending++;
      try {
        const r = await lock.guardedTxn([{ requestPut: { key: COUNTER, value: String(value + 1) } }]);
        if (!r.succeeded) return;
        counter.acked++;
        increments.push({ revision: r.header.revision, token });
      } catch (error) {
        if (error instanceof UnknownOutcomeError) counter.unknown++;
        else throw error;
      } finally {
        counter.pending--;
      }
    };

    const read = async (ctx: ActorContext, lock: RWMutex): Promise<void> => {
      const first = await lock.guardedTxn([{ requestRange: { key: COUNTER } }]);
      if (!first.succeeded) return; // the lock is already lost
      const readers = [...holding.values()].filter((l) => l.mode === 'read').length;
      mostReaders = Math.max(mostReaders, readers);
      await ctx.sleep(100 + Math.floor(ctx.random() * 400)); // work under the read lock
      const last = await lock.guardedTxn([{ requestRange: { key: COUNTER } }]);
      if (!last.succeeded) return; // lost meanwhile: no claim about what happened
      reads++;
      const [a, b] = [counterIn(first), counterIn(last)];
      if (a.mod !== b.mod) {
        moved.push(
          `${ctx.name} held the read lock from revision ${first.header.revision} to ${last.header.revision}, ` +
            `and the counter went from ${a.value} to ${b.value} (written at ${b.mod})`,
        );
      }
    };

    /** Release; if that keeps failing, end the session instead (its lease takes the key). */
    const unlock = async (ctx: ActorContext, lock: RWMutex, writer: boolean): Promise<void> => {
      let tries = 0;
      const done = await retrying(
        ctx,
        () => (writer ? lock.unlock() : lock.rUnlock()),
        () => lock.held && ++tries < 10,
      );
      if (!done.ok && lock.held) await lock.session.close().catch(() => {});
    };

    for (let i = 1; i <= clients; i++) sim.actor(`rw${i}`, actor);

    sim.invariant('never a writer beside a reader or another writer', () => {
      if (holding.size < 2) return;
      const holders = [...holding].filter(
        ([, l]) => l.held && sim.store.leaseTimeToLive({ id: l.session.lease }).ttl > 0,
      );
      const writers = holders.filter(([, l]) => l.mode === 'write').map(([name]) => name);
      if (writers.length > 0 && holders.length > 1) {
        const others = holders.map(([name, l]) => `${name} (${l.mode})`);
        throw new Error(`${others.join(', ')} hold the lock at once`);
      }
    });
    sim.invariant('no reader saw a write', () => {
      if (moved.length > 0) throw new Error(moved.join('; '));
    });
    sim.invariant('no lost increment', () => counter.check(sim.store));
    let ordered = 0;
    sim.invariant('writers’ fencing tokens grow', () => {
      if (increments.length === ordered) return;
      ordered = increments.length;
      const sorted = [...increments].sort((a, b) => a.revision - b.revision);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i]!.token <= sorted[i - 1]!.token) {
          throw new Error(
            `token ${sorted[i]!.token} wrote at revision ${sorted[i]!.revision}, after token ${sorted[i - 1]!.token}`,
          );
        }
      }
    });
    sim.atEnd('both sides were taken, and readers shared', () => {
      if (counter.acked === 0) throw new Error('no increment was acknowledged in the whole run');
      if (reads === 0) throw new Error('no reader finished a read in the whole run');
      if (mostReaders < 2) throw new Error('readers never held the lock together');
      sim.log(`rwmutex: ${counter.acked} increments, ${reads} reads, at most ${mostReaders} readers at once`);
    });
  };
}
