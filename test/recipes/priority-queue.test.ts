import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import { PriorityQueue, Session } from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { withFaults } from './faults.js';
import { crash, settledAfter } from './helpers.js';

forBackends('priority queue', (target) => {
  it('lowest priority number first, FIFO within a priority; keys pfx/items/<prio>/<seq>', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new PriorityQueue(env.backend, `${env.prefix}pq`);
    const plan: [string, number][] = [
      ['low-1', 7],
      ['high-1', 0],
      ['mid-1', 3],
      ['high-2', 0],
      ['low-2', 7],
      ['mid-2', 3],
      ['max', 65_535],
    ];
    for (const [v, p] of plan) {
      const e = await q.enqueue(v, p);
      expect(e.key).toMatch(new RegExp(`^${env.prefix}pq/items/${String(p).padStart(5, '0')}/\\d{16}$`));
    }
    expect(await q.size()).toBe(plan.length);
    const out: [string, number | undefined][] = [];
    for (let item = await q.tryDequeue(s); item; item = await q.tryDequeue(s)) {
      out.push([item.text, item.priority]);
      await item.ack();
    }
    expect(out).toEqual([
      ['high-1', 0],
      ['high-2', 0],
      ['mid-1', 3],
      ['mid-2', 3],
      ['low-1', 7],
      ['low-2', 7],
      ['max', 65_535],
    ]);
    await env.backend.deleteRange({ key: `${env.prefix}pq/seq` });
    expect(await env.keys()).toEqual([]);
  });

  it('rejects priorities outside 0..65535 and non-integers, saying what it received', async () => {
    await using env = await target.open();
    const q = new PriorityQueue(env.backend, `${env.prefix}pq`);
    for (const bad of [-1, 65_536, 1.5, Number.NaN]) {
      const err = await q.enqueue('x', bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toBe(
        `PriorityQueue: priority must be an integer in 0..65535, received ${String(bad)}`,
      );
    }
    expect(await env.keys()).toEqual([]);
  });

  it('a blocking dequeue takes a new urgent item; a crashed consumer item comes back in its place', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const crashed = await Session.create(faults.backend, { ttl: 1 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new PriorityQueue(env.backend, `${env.prefix}pq`);
    const waiting = q.dequeue(s);
    expect(await settledAfter(env, waiting, 300)).toBe(false);
    await q.enqueue('urgent', 1);
    const first = await env.until(waiting, 10_000);
    expect(first.text).toBe('urgent');
    await first.ack();
    await q.enqueue('a', 5);
    await q.enqueue('b', 5);
    const taken = await new PriorityQueue(faults.backend, `${env.prefix}pq`).dequeue(crashed);
    expect(taken.text).toBe('a');
    crash(crashed, faults);
    // Until the crashed consumer's lease expires, 'b' is next; afterwards 'a' is back ahead of 'c'.
    const b = await q.dequeue(s);
    expect(b.text).toBe('b');
    await q.enqueue('c', 5);
    await env.waitFor(async () => {
      const item = await q.tryDequeue(s);
      try {
        expect(item?.text).toBe('a');
      } catch (error) {
        await item?.release();
        throw error;
      }
      await item!.ack();
    }, 20_000);
    faults.hanging.clear();
    await expect(taken.ack()).resolves.toBe(false); // already acked by the second delivery
    await b.ack();
    const c = await q.dequeue(s);
    expect(c.text).toBe('c');
    await c.ack();
    await expect(c.ack()).resolves.toBe(false);
    await env.backend.deleteRange({ key: `${env.prefix}pq/seq` });
    expect(await env.keys()).toEqual([]);
  });
});
