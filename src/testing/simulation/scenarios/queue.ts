/**
 * Queue scenario: `producers` actors enqueue numbered items (with a random priority of 0–2 on a
 * {@link PriorityQueue}) in bursts of 1–5 every 1–4 s until the faults end; `consumers` actors dequeue,
 * handle each item 0.1–0.5 s, and ack it with an effect key `done/<id>` written in the ack's txn. During the faulty
 * part, a consumer sometimes crashes with an item in hand: it drops its session without acking (its lease
 * expires one TTL later) and starts again with a new one; faults end other sessions as well.
 * Invariants, after every step:
 * - no item is acked twice (by the acks that report true), and no effect key is written twice.
 * At the end (after the quiet period), over the store's whole history:
 * - none lost: every item ever enqueued has its effect key, and the queue holds no item and no claim;
 * - exactly once: each effect key was written once, for an item that was enqueued;
 * - order: of two items of one priority, the one enqueued first (the whole enqueue done before the
 *   other's began) was claimed first.
 */

import { prefixRange, toText } from '../../../common/bytes.js';
import { ClaimLostError } from '../../../recipes/errors.js';
import { PriorityQueue } from '../../../recipes/priority-queue.js';
import { Queue } from '../../../recipes/queue.js';
import type { QueueItem } from '../../../recipes/queue-item.js';
import type { Session } from '../../../recipes/session.js';
import type { ActorContext, Simulation } from '../simulate.js';
import { isFaultError, liveSession, putsUnder, retrying } from './app.js';

/** Options of {@link queueScenario}. */
export interface QueueScenarioOptions {
  /** A FIFO {@link Queue} (default) or a {@link PriorityQueue}. */
  kind?: 'queue' | 'priority';
  /** Number of producers (default 2). */
  producers?: number;
  /** Number of consumers (default 3). */
  consumers?: number;
  /** Consumers' session TTL in seconds (default 3). */
  ttl?: number;
  /** Chance that a consumer crashes with an item in hand, during the faulty part (default 0.1). */
  crash?: number;
}

const PREFIX = 'sim/queue';
const ITEMS = `${PREFIX}/items/`;
const CLAIMS = `${PREFIX}/claims/`;
const DONE = 'sim/queue-done/';

/** Set up the queue scenario on `sim`. */
export function queueScenario(options: QueueScenarioOptions = {}): (sim: Simulation) => void {
  const kind = options.kind ?? 'queue';
  const producers = options.producers ?? 2;
  const consumers = options.consumers ?? 3;
  const ttl = options.ttl ?? 3;
  const crashP = options.crash ?? 0.1;
  return (sim) => {
    /** Acks that reported true, by item id. */
    const acks = new Map<string, number>();
    const twice: string[] = [];
    /** Items' names (their values, the same in every replay; a Queue's ids are random), by id. */
    const names = new Map<string, string>();
    let enqueued = 0;
    let deliveries = 0;
    let crashes = 0;

    const producer = async (ctx: ActorContext): Promise<void> => {
      const fifo = new Queue(ctx.backend, PREFIX);
      const byPriority = new PriorityQueue(ctx.backend, PREFIX);
      let n = 0;
      while (!ctx.signal.aborted && ctx.backend.clock.now() < sim.faultsEndAt) {
        // A burst of 1–5 items back to back, so that the queue has a backlog to keep in order.
        for (let burst = 1 + Math.floor(ctx.random() * 5); burst > 0 && !ctx.signal.aborted; burst--) {
          const value = `${ctx.name}-${++n}`;
          const priority = Math.floor(ctx.random() * 3);
          try {
            // Never retried: a retry after an unknown outcome could enqueue the item twice.
            if (kind === 'queue') await fifo.enqueue(value);
            else await byPriority.enqueue(value, priority);
            enqueued++;
          } catch (error) {
            if (ctx.signal.aborted) break;
            if (!isFaultError(error)) throw error;
            ctx.log(`enqueue ${value}: ${(error as Error).name}`);
          }
        }
        await ctx.sleep(1_000 + Math.floor(ctx.random() * 3_000)).catch(() => {});
      }
    };

    const consumer = async (ctx: ActorContext): Promise<void> => {
      const queue =
        kind === 'queue' ? new Queue(ctx.backend, PREFIX) : new PriorityQueue(ctx.backend, PREFIX);
      let session: Session | undefined;
      while (!ctx.signal.aborted) {
        try {
          session = await liveSession(ctx, session, ttl);
          const item = await queue.dequeue(session, { signal: ctx.signal });
          deliveries++;
          names.set(item.id, item.text);
          await ctx.sleep(100 + Math.floor(ctx.random() * 400)); // handle it
          if (ctx.backend.clock.now() < sim.faultsEndAt && ctx.random() < crashP) {
            ctx.log(`crashes holding ${item.text}`);
            crashes++;
            session.orphan(); // no ack, no renewals: the claim goes when the lease expires
            session = undefined;
            continue;
          }
          // Lost meanwhile (the session ended): it is delivered again, so stop here.
          if (!item.lost.aborted) await ack(ctx, item);
        } catch (error) {
          if (ctx.signal.aborted) break;
          if (!isFaultError(error)) throw error;
          ctx.log(`${(error as Error).name}`);
          await ctx.sleep(200 + Math.floor(ctx.random() * 300)).catch(() => {});
        }
      }
      await session?.close().catch(() => {});
    };

    /** Ack with the effect; repeat after an error (ack is safe to repeat) while the claim may hold. */
    const ack = async (ctx: ActorContext, item: QueueItem): Promise<void> => {
      let tries = 0;
      const ops = [{ requestPut: { key: `${DONE}${item.id}`, value: ctx.name } }];
      const r = await retrying(
        ctx,
        // ClaimLostError: back in the queue, it will be delivered again.
        () =>
          item.ack({ ops }).catch((e: unknown) => (e instanceof ClaimLostError ? false : Promise.reject(e))),
        () => ++tries < 10,
      );
      if (!r.ok || !r.value) return; // gave up, the claim was lost, or already acked (an unseen ack of ours, or after a redelivery)
      const n = (acks.get(item.id) ?? 0) + 1;
      acks.set(item.id, n);
      if (n > 1) twice.push(`${item.text} acked ${n} times`);
    };

    for (let i = 1; i <= producers; i++) sim.actor(`p${i}`, producer);
    for (let i = 1; i <= consumers; i++) sim.actor(`q${i}`, consumer);

    sim.invariant('no item acked twice', () => {
      if (twice.length > 0) throw new Error(twice.join('; '));
    });
    let checkedAt = 0;
    sim.invariant('no effect written twice', () => {
      if (sim.store.revision === checkedAt) return;
      checkedAt = sim.store.revision;
      const again = sim.store.range(prefixRange(DONE)).kvs.find((kv) => kv.version > 1);
      if (again !== undefined) {
        const id = toText(again.key).slice(DONE.length);
        throw new Error(`the effect of ${names.get(id) ?? id} was written ${again.version} times`);
      }
    });
    sim.atEnd('every item handled once, none lost, in order per priority', () => {
      const left = sim.store.range({ ...prefixRange(`${PREFIX}/`), keysOnly: true });
      const rest = left.kvs.map((kv) => toText(kv.key)).filter((k) => k !== `${PREFIX}/seq`);
      if (rest.length > 0) throw new Error(`left in the queue at the end: ${rest.join(', ')}`);
      // Every item ever enqueued, and when each was first claimed, from the store's history.
      const history = putsUnder(sim.store, `${PREFIX}/`);
      const firstClaim = new Map<string, number>();
      for (const w of history) {
        const id = w.key.slice(CLAIMS.length);
        if (w.key.startsWith(CLAIMS) && w.kv.version === 1 && !firstClaim.has(id))
          firstClaim.set(id, w.kv.createRevision);
      }
      const items: Item[] = history
        .filter((w) => w.key.startsWith(ITEMS) && w.kv.version === 1)
        .map((w) => {
          const id = w.key.slice(ITEMS.length);
          const created = w.kv.createRevision;
          // A PriorityQueue id is <priority>/<sequence>: the sequence is the revision its enqueue began at.
          const [priority, sequence] = kind === 'queue' ? [0, created] : id.split('/').map(Number);
          return {
            id,
            name: toText(w.kv.value),
            priority: priority!,
            started: sequence!,
            created,
            claimed: firstClaim.get(id) ?? Number.POSITIVE_INFINITY,
          };
        });
      if (items.length < enqueued)
        throw new Error(`${enqueued} enqueues acknowledged, ${items.length} items found`);
      // None lost, each effect once.
      const done = new Map(
        sim.store.range(prefixRange(DONE)).kvs.map((kv) => [toText(kv.key).slice(DONE.length), kv]),
      );
      const missing = items.filter((item) => !done.has(item.id)).map((item) => item.name);
      if (missing.length > 0) throw new Error(`enqueued, never acked with its effect: ${missing.join(', ')}`);
      const ids = new Set(items.map((item) => item.id));
      for (const [id, kv] of done) {
        if (!ids.has(id)) throw new Error(`an effect for ${id}, which was never enqueued`);
        if (kv.version !== 1)
          throw new Error(`the effect of ${names.get(id) ?? id} was written ${kv.version} times`);
      }
      checkOrder(items);
      if (deliveries === 0) throw new Error('no item was delivered in the whole run');
      sim.log(`queue: ${items.length} items, ${deliveries} deliveries, ${crashes} crashes`);
    });
  };
}

/** An item of the store's history. */
interface Item {
  readonly id: string;
  /** Its value: `<producer>-<n>`. */
  readonly name: string;
  readonly priority: number;
  /** The revision its enqueue began at (a PriorityQueue's sequence number; a Queue's creation). */
  readonly started: number;
  /** The revision it was written at. */
  readonly created: number;
  /** The revision of its first claim (infinity: never claimed). */
  readonly claimed: number;
}

/**
 * Of two items of one priority, the one enqueued first must be claimed first. For a Queue, "enqueued
 * first" is "created first" (one txn). A PriorityQueue item takes a sequence number (the revision of a
 * put to `seq`), then is written: it is first when it was written before the other took its number.
 */
function checkOrder(items: readonly Item[]): void {
  for (const a of items) {
    for (const b of items) {
      if (a.priority !== b.priority || a.created >= b.started || a.claimed < b.claimed) continue;
      throw new Error(
        `${b.name} was first claimed at revision ${b.claimed}, before ${a.name} (${
          Number.isFinite(a.claimed) ? `claimed at ${a.claimed}` : 'never claimed'
        }), which was enqueued first (at ${a.created})`,
      );
    }
  }
}
