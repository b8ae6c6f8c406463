import { expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import {
  ClaimLostError,
  Queue,
  type QueueItem,
  Session,
  SessionExpiredError,
  WaitTimeoutError,
} from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { withFaults } from './faults.js';
import { crash, settledAfter } from './helpers.js';

forBackends('queue', (target) => {
  it('FIFO: items come out in enqueue order; ack removes item and claim', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    const sent = [];
    for (const v of ['a', 'b', 'c']) sent.push(await q.enqueue(v));
    expect(sent[0]!.key).toMatch(new RegExp(`^${env.prefix}q/items/[0-9a-f]{16}$`));
    expect(await q.size()).toBe(3);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const item = await q.dequeue(s);
      expect(item.id).toBe(sent[i]!.id);
      expect(item.enqueueRevision).toBe(sent[i]!.revision);
      expect(item.priority).toBeUndefined();
      const claim = (await env.backend.range({ key: `${env.prefix}q/claims/${item.id}` })).kvs[0]!;
      expect(claim.lease).toBe(s.lease);
      expect(item.claimRevision).toBe(claim.createRevision);
      got.push(item.text);
      expect(await item.ack()).toBe(true);
      expect(item.claimed).toBe(false);
    }
    expect(got).toEqual(['a', 'b', 'c']);
    expect(await q.tryDequeue(s)).toBeUndefined();
    expect(await env.keys()).toEqual([]);
  });

  it('a blocking dequeue waits for an enqueue; abort and timeout leave no claim', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    const waiting = q.dequeue(s);
    expect(await settledAfter(env, waiting, 300)).toBe(false);
    await new Queue(env.client(), `${env.prefix}q`).enqueue('hello');
    const item = await env.until(waiting, 10_000);
    expect(item.text).toBe('hello');
    await item.ack();
    const controller = new AbortController();
    const aborted = q.dequeue(s, { signal: controller.signal });
    expect(await settledAfter(env, aborted, 200)).toBe(false);
    controller.abort();
    await expect(env.until(aborted)).rejects.toThrow();
    const err = await env.until(
      q.dequeue(s, { timeoutMs: 500 }).catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toBe('queue: dequeue: timed out after 500 ms');
    expect(await env.keys()).toEqual([]);
  });

  it('a released item is delivered again before newer items, with the same id and a newer claim', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    await q.enqueue('first');
    await q.enqueue('second');
    const one = await q.dequeue(s);
    const two = await q.dequeue(s);
    expect([one.text, two.text]).toEqual(['first', 'second']);
    await one.release();
    await q.enqueue('third');
    const again = await q.dequeue(s);
    expect(again.text).toBe('first');
    expect(again.id).toBe(one.id);
    expect(again.claimRevision).toBeGreaterThan(two.claimRevision);
    // The first claim is over: its ack cannot remove the item another delivery holds.
    await expect(one.ack()).rejects.toBeInstanceOf(ClaimLostError);
    await again.ack();
    await two.ack();
    const three = await q.dequeue(s);
    expect(three.text).toBe('third');
    await three.ack();
    expect(await env.keys()).toEqual([]);
  });

  it('a consumer that crashes before ack: its item comes back to a waiting consumer; the zombie ack fails', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const crashed = await Session.create(faults.backend, { ttl: 1 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    await q.enqueue('job-1');
    const taken = await new Queue(faults.backend, `${env.prefix}q`).dequeue(crashed);
    expect(taken.text).toBe('job-1');
    const waiting = q.dequeue(s);
    expect(await settledAfter(env, waiting, 300)).toBe(false);
    const lost = new Promise((r) => taken.lost.addEventListener('abort', () => r(taken.lost.reason)));
    crash(crashed, faults);
    const again = await env.until(waiting, 20_000);
    await env.until(lost);
    expect(again.id).toBe(taken.id);
    expect(again.claimRevision).toBeGreaterThan(taken.claimRevision);
    // The crashed consumer comes back to life: its guarded write and its ack must not land.
    faults.hanging.clear();
    const zombie = await taken.guardedTxn([{ requestPut: { key: `${env.prefix}effect`, value: 'zombie' } }]);
    expect(zombie.succeeded).toBe(false);
    await expect(taken.ack()).rejects.toBeInstanceOf(ClaimLostError);
    expect(await again.ack()).toBe(true);
    expect(await env.keys()).toEqual([]);
  });

  it('a consumer whose lease is gone (not yet noticed) gets SessionExpiredError; the item stays available', async () => {
    await using env = await target.open();
    const gone = await Session.create(env.backend, { ttl: 10 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    await q.enqueue('x');
    await env.client().leaseRevoke({ id: gone.lease }); // its keepalive has not run since
    expect(gone.alive).toBe(true);
    const err = await q.dequeue(gone).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionExpiredError);
    const item = await q.dequeue(s);
    expect(item.text).toBe('x');
    await item.ack();
    expect(await env.keys()).toEqual([]);
    await gone.close();
  });

  it('ack with ops commits the effect with the removal, once; a repeated ack resolves false', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    await q.enqueue('42');
    const item = await q.dequeue(s);
    const effect = `${env.prefix}done/${item.id}`;
    expect(await item.ack({ ops: [{ requestPut: { key: effect, value: item.text } }] })).toBe(true);
    expect(await item.ack({ ops: [{ requestPut: { key: effect, value: 'again' } }] })).toBe(false);
    const kv = (await env.backend.range({ key: effect })).kvs[0]!;
    expect([toText(kv.value), kv.version]).toEqual(['42', 1]);
    await env.backend.deleteRange({ key: effect });
    expect(await env.keys()).toEqual([]);
  });

  it('await using gives the item back when the handler throws', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    await q.enqueue('flaky');
    const handle = async () => {
      await using item: QueueItem = await q.dequeue(s);
      if (item.text === 'flaky') throw new Error('handler failed');
      await item.ack();
    };
    await expect(handle()).rejects.toThrow('handler failed');
    const again = await q.tryDequeue(s);
    expect(again?.text).toBe('flaky');
    await again!.ack();
    expect(await env.keys()).toEqual([]);
  });

  it('tryDequeue skips claimed items and resolves undefined when all are claimed', async () => {
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 10 });
    await using b = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    for (let i = 0; i < 20; i++) await q.enqueue(String(i));
    const items: QueueItem[] = [];
    for (let i = 0; i < 20; i++) items.push((await q.tryDequeue(i % 2 ? a : b))!);
    expect(items.map((x) => x.text)).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(await q.tryDequeue(a)).toBeUndefined();
    await items[17]!.release();
    expect((await q.tryDequeue(a))?.text).toBe('17');
    await a.close(); // every claim of a's goes: its items are back
    const back: string[] = [];
    for (let item = await q.tryDequeue(b); item; item = await q.tryDequeue(b)) {
      back.push(item.text);
      await item.ack();
    }
    expect(back).toEqual(['1', '3', '5', '7', '9', '11', '13', '15', '17', '19']);
    for (const [i, item] of items.entries()) if (i % 2 === 0) await item.ack();
    expect(await env.keys()).toEqual([]);
  });
});
