/**
 * Crash-safe queues under random consumer crashes (fast-check; replay with PROPERTY_SEED / PROPERTY_PATH).
 *
 * One producer enqueues numbered items (with random priorities for a PriorityQueue), before or while
 * several consumers run. A consumer handles each item it gets, then at random crashes (its session is
 * orphaned with the item unacked; it restarts with a new session), releases the item, or acks it with an
 * effect `done/<id>` written in the ack's txn. Properties:
 * - none is lost: every item is acked, and handled at least once;
 * - exactly-once effects: each item's `done/<id>` exists once, written by one ack (version 1);
 * - order: items are first claimed in enqueue order (per priority for a PriorityQueue);
 * - a crashed consumer's late ack never succeeds.
 *
 * Memory: the crashed consumer's lease expires on the manual clock. etcd: it is revoked after a random
 * delay below the TTL (the lessor deletes the claim at one revision, as on expiry), so runs stay short;
 * tests/recipes/queue.test.ts covers real expiry on etcd.
 */

import * as fc from 'fast-check';
import { expect, it } from 'vitest';
import { prefixRange, toText } from '../../src/common/bytes.js';
import {
  ClaimLostError,
  PriorityQueue,
  Queue,
  type QueueItem,
  Session,
  SessionExpiredError,
} from '../../src/recipes/index.js';
import { sleep } from '../../src/recipes/internal.js';
import { type Env, forBackends, prng } from '../recipes/env.js';
import { fcParams, timeout } from './harness/budget.js';

interface Plan {
  kind: 'queue' | 'priority';
  /** One priority per item (ignored by Queue). */
  priorities: number[];
  consumers: number;
  crashP: number;
  releaseP: number;
  /** Enqueue everything before the consumers start, or while they run. */
  interleave: boolean;
  seed: number;
}

const plans = (maxItems: number) =>
  fc.record({
    kind: fc.constantFrom<Plan['kind']>('queue', 'priority'),
    priorities: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: maxItems }),
    consumers: fc.integer({ min: 1, max: 4 }),
    crashP: fc.constantFrom(0, 0.15, 0.35),
    releaseP: fc.constantFrom(0, 0.1),
    interleave: fc.boolean(),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });

async function run(env: Env, plan: Plan): Promise<{ crashes: number; deliveries: number }> {
  const { backend } = env;
  const clock = backend.clock;
  const rng = prng(plan.seed);
  const ttl = 2;
  const n = plan.priorities.length;
  const pfx = `${env.prefix}q`;
  const done = `${env.prefix}done/`;
  const queue = plan.kind === 'queue' ? new Queue(backend, pfx) : new PriorityQueue(backend, pfx);
  const enqueue = (i: number) =>
    queue instanceof Queue ? queue.enqueue(String(i)) : queue.enqueue(String(i), plan.priorities[i]!);
  const handled = new Set<number>();
  const acks = new Map<number, number>();
  const firstClaim = new Map<number, number>();
  const zombies: QueueItem[] = [];
  const orphans: Session[] = [];
  const background: Promise<void>[] = [];
  const stop = new AbortController();
  let acked = 0;
  let deliveries = 0;

  const crash = (session: Session): void => {
    session.orphan();
    orphans.push(session);
    // etcd: end the lease a little later instead of waiting a whole TTL (see the file comment).
    if (env.kind === 'etcd') {
      const delay = Math.floor(rng() * ttl * 500);
      background.push(
        sleep(clock, delay).then(() => backend.leaseRevoke({ id: session.lease }).then(() => {})),
      );
    }
  };

  const consumer = async (c: number): Promise<void> => {
    let session = await Session.create(backend, { ttl });
    try {
      while (!stop.signal.aborted) {
        let item: QueueItem;
        try {
          item = await queue.dequeue(session, { signal: stop.signal });
        } catch (error) {
          if (stop.signal.aborted) break;
          if (!(error instanceof SessionExpiredError)) throw error;
          session = await Session.create(backend, { ttl });
          continue;
        }
        const i = Number(item.text);
        deliveries++;
        if (!firstClaim.has(i)) firstClaim.set(i, item.claimRevision);
        handled.add(i);
        await sleep(clock, Math.floor(rng() * 100));
        const roll = rng();
        if (roll < plan.crashP) {
          // Crash after handling, before the ack: the item must come back.
          zombies.push(item);
          crash(session);
          session = await Session.create(backend, { ttl });
          continue;
        }
        if (roll < plan.crashP + plan.releaseP) {
          await item.release();
          continue;
        }
        const ok = await item.ack({ ops: [{ requestPut: { key: `${done}${item.id}`, value: String(c) } }] });
        if (ok) {
          acks.set(i, (acks.get(i) ?? 0) + 1);
          if (++acked === n) stop.abort();
        }
      }
    } finally {
      await session.close();
    }
  };

  const produce = async (): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await enqueue(i);
      if (plan.interleave) await sleep(clock, Math.floor(rng() * 50));
    }
  };

  if (!plan.interleave) await produce();
  await env.until(
    Promise.all([
      plan.interleave ? produce() : Promise.resolve(),
      ...Array.from({ length: plan.consumers }, (_, c) => consumer(c)),
    ]),
  );
  await env.until(Promise.all(background));

  // None lost, each acked once, each handled at least once.
  expect([...acks.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect([...acks.values()].every((k) => k === 1)).toBe(true);
  expect(handled.size).toBe(n);
  // Exactly-once effects: one done/<id> per item, written once.
  const effects = await backend.range(prefixRange(done));
  expect(effects.kvs.length).toBe(n);
  expect(effects.kvs.every((kv) => kv.version === 1)).toBe(true);
  // First claims follow enqueue order, within each priority.
  const byClaim = [...firstClaim.entries()].sort((a, b) => a[1] - b[1]).map(([i]) => i);
  for (const p of new Set(plan.kind === 'queue' ? [0] : plan.priorities)) {
    const order = byClaim.filter((i) => plan.kind === 'queue' || plan.priorities[i] === p);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  }
  // A crashed consumer that wakes up cannot ack: its item was acked by a later delivery.
  for (const z of zombies) {
    const late = await z
      .ack({ ops: [{ requestPut: { key: `${done}${z.id}`, value: 'zombie' } }] })
      .catch((e) => e);
    if (late !== false && !(late instanceof ClaimLostError))
      throw new Error(`zombie ack answered ${String(late)}`);
  }
  const after = await backend.range(prefixRange(done));
  expect(after.kvs.map((kv) => [toText(kv.key), kv.version])).toEqual(
    effects.kvs.map((kv) => [toText(kv.key), 1]),
  );
  expect(await queue.size()).toBe(0);
  await backend.deleteRange(prefixRange(env.prefix));
  return { crashes: zombies.length, deliveries };
}

forBackends('queues under consumer crashes', (target) => {
  it(
    'every item handled at least once, acked (and its effect written) exactly once, in order per priority',
    async () => {
      const memory = target.kind === 'memory';
      const tally = { runs: 0, items: 0, deliveries: 0, crashes: 0 };
      await fc.assert(
        fc.asyncProperty(plans(memory ? 25 : 12), async (plan) => {
          await using env = await target.open();
          const stats = await run(env, plan);
          tally.runs++;
          tally.items += plan.priorities.length;
          tally.deliveries += stats.deliveries;
          tally.crashes += stats.crashes;
        }),
        fcParams(memory ? 60 : 6),
      );
      console.log(`[queue crashes ${target.kind}] ${JSON.stringify(tally)}`);
    },
    timeout(60_000),
  );
});
