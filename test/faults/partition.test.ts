/**
 * Partition and heal on the memory store: what a client sees matches the etcd backend with its
 * endpoint unreachable (test/faults/paired-partition.test.ts runs the same story on a real etcd).
 */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { CompactedError, UnavailableError, UnknownOutcomeError } from '../../src/interface/errors.js';
import { LeaseLostError, Session } from '../../src/recipes/index.js';
import { faultStore, pass, settle } from './helpers.js';

describe('partition', () => {
  it('unsent reads and writes wait, then fail with UnavailableError after dialTimeoutMs', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', dialTimeoutMs: 500, requestTimeoutMs: 2_000 });
    store.faults.partition('a');
    const read = await settle(clock, a.range({ key: 'k' }));
    expect(read.ok).toBe(false);
    expect(!read.ok && read.error).toBeInstanceOf(UnavailableError);
    expect(read.at).toBe(500);
    const write = await settle(clock, a.put({ key: 'k', value: 'v' }));
    expect(!write.ok && write.error).toBeInstanceOf(UnavailableError);
    expect(write.at).toBe(1_000);
    expect(store.revision).toBe(1); // not applied
    // The dial timeout is capped by the request deadline.
    const b = store.connect({ name: 'b', dialTimeoutMs: 5_000, requestTimeoutMs: 300 });
    store.faults.partition('b');
    const capped = await settle(clock, b.status());
    expect(!capped.ok && capped.error).toBeInstanceOf(UnavailableError);
    expect(capped.at - 1_000).toBe(300);
  });

  it('a request waiting for the link goes out when the partition heals within the dial timeout', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.partition('a');
    const put = a.put({ key: 'k', value: 'v' });
    await pass(clock, 1_000);
    store.faults.heal('a');
    const done = await settle(clock, put);
    expect(done.ok).toBe(true);
    expect(done.at).toBe(1_000);
    expect(store.revision).toBe(2);
  });

  for (const inFlight of ['applied', 'lost'] as const) {
    it(`a write in flight at the cut fails with UnknownOutcomeError (${inFlight})`, async () => {
      const { clock, store } = faultStore();
      const a = store.connect({ name: 'a', dialTimeoutMs: 500 });
      store.faults.latency('a', 100);
      const put = a.put({ key: 'k', value: 'v' });
      await pass(clock, 20); // sent, not yet at the store (50 ms each way)
      store.faults.partition('a', { inFlight });
      const r = await settle(clock, put);
      expect(!r.ok && r.error).toBeInstanceOf(UnknownOutcomeError);
      expect(r.at).toBe(20); // at once, as a dropped connection fails the call
      expect(store.revision).toBe(inFlight === 'applied' ? 2 : 1);
    });
  }

  it('a read in flight at the cut is resent, and fails with UnavailableError if the link stays down', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', dialTimeoutMs: 500 });
    store.faults.latency('a', 100);
    const read = a.range({ key: 'k' });
    await pass(clock, 20);
    store.faults.partition('a');
    const r = await settle(clock, read);
    expect(!r.ok && r.error).toBeInstanceOf(UnavailableError);
    expect(r.at).toBe(20 + 25 + 500); // backoff, then the dial timeout
  });

  it('a read in flight at the cut succeeds when the link heals in time', async () => {
    const { clock, store } = faultStore();
    const w = store.connect({ name: 'w' });
    await w.put({ key: 'k', value: 'v' });
    const a = store.connect({ name: 'a' });
    store.faults.latency('a', 100);
    const read = a.range({ key: 'k' });
    await pass(clock, 20);
    store.faults.partition('a');
    await pass(clock, 200);
    store.faults.heal('a');
    const r = await settle(clock, read);
    expect(r.ok && toText(r.value.kvs[0]!.value)).toBe('v');
  });

  it('watchers stall, then resume after the last delivered event: nothing lost or repeated', async () => {
    const { clock, store } = faultStore();
    const w = store.connect({ name: 'writer' });
    const a = store.connect({ name: 'a' });
    const watcher = a.watch({ key: 'w/', rangeEnd: 'w0' });
    await watcher.created;
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of watcher) {
        for (const e of r.events) seen.push(`${toText(e.kv.key)}@${e.kv.modRevision}`);
        if (seen.length === 30) return;
      }
    })();
    for (let i = 0; i < 10; i++) await w.put({ key: `w/${i}`, value: 'x' });
    await pass(clock, 10);
    expect(seen).toHaveLength(10);
    store.faults.partition('a');
    for (let i = 10; i < 20; i++) await w.put({ key: `w/${i}`, value: 'x' });
    await pass(clock, 5_000);
    expect(seen).toHaveLength(10); // stalled
    store.faults.heal('a');
    for (let i = 20; i < 30; i++) await w.put({ key: `w/${i}`, value: 'x' });
    await settle(clock, reading);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => `w/${i}@${i + 2}`));
  });

  it('a watcher whose history was compacted during the partition ends with CompactedError', async () => {
    const { clock, store } = faultStore();
    const w = store.connect({ name: 'writer' });
    const a = store.connect({ name: 'a' });
    const watcher = a.watch({ key: 'c' });
    await watcher.created;
    const reading = (async () => {
      for await (const _ of watcher) {
        // nothing expected
      }
    })();
    store.faults.partition('a');
    await w.put({ key: 'other', value: '1' });
    await w.put({ key: 'c', value: '1' });
    await w.compact({ revision: 3 });
    store.faults.heal('a');
    const r = await settle(clock, reading);
    expect(!r.ok && r.error).toBeInstanceOf(CompactedError);
    expect(!r.ok && (r.error as CompactedError).compactRevision).toBe(3);
  });

  it('a watch opened during the partition fails with UnavailableError after the dial timeout', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', dialTimeoutMs: 500 });
    store.faults.partition('a');
    const r = await settle(clock, a.watch({ key: 'k' }).created);
    expect(!r.ok && r.error).toBeInstanceOf(UnavailableError);
    expect(r.at).toBe(500);
  });

  it('keepalives fail; the session ends "unreachable" at its TTL; the store expires the lease', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', dialTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const session = await Session.create(a, { ttl: 3 });
    await a.put({ key: 'held', value: 'x', lease: session.lease });
    await pass(clock, 2_500);
    store.faults.partition('a');
    const cutAt = clock.now();
    const lastRenewal = session.keepAlive.deadline - 3_000;
    const ended = await settle(clock, session.finished);
    expect(ended.ok && ended.value).toBeInstanceOf(LeaseLostError);
    expect(ended.ok && (ended.value as LeaseLostError).reason).toBe('unreachable');
    expect(ended.at).toBe(lastRenewal + 3_000);
    expect(ended.at).toBeGreaterThan(cutAt);
    // The store's clock expired the lease (no renewal reached it) and deleted its key.
    await pass(clock, 1_000);
    store.faults.heal('a');
    expect((await a.leaseTimeToLive({ id: session.lease })).ttl).toBe(-1);
    expect((await a.range({ key: 'held' })).count).toBe(0);
    await session.close();
  });

  it('targets only the named clients; others go on', async () => {
    const { store } = faultStore();
    const a = store.connect({ name: 'a' });
    const b = store.connect({ name: 'b' });
    store.faults.partition(['a']);
    expect(store.faults.clients().map((c) => [c.name, c.partitioned])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    await b.put({ key: 'k', value: 'v' });
    store.faults.heal();
    expect((await a.range({ key: 'k' })).count).toBe(1);
  });
});

describe('partition and maintenance requests', () => {
  it('maintenance calls go through the link: held, then UnavailableError; injected errors reach them', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', dialTimeoutMs: 500, requestTimeoutMs: 2_000 });
    store.faults.partition('a');
    for (const call of [
      (): Promise<unknown> => a.hash(),
      () => a.hashKv({ revision: 0 }),
      () => a.alarm({ action: 'GET', memberId: 0n, alarm: 'NONE' }),
      () => a.defragment(),
    ]) {
      const r = await settle(clock, call());
      expect(!r.ok && r.error).toBeInstanceOf(UnavailableError);
    }
    await expect(settle(clock, a.snapshot().next())).resolves.toMatchObject({ ok: false });
    store.faults.heal('a');
    expect((await a.hash()).hash).toBe((await store.connect().hash()).hash);
    store.faults.failNext('a', { op: 'defragment', error: 'etcdserver: request timed out' });
    const failed = await settle(clock, a.defragment());
    expect(!failed.ok && failed.error).toBeInstanceOf(UnknownOutcomeError); // a write, as the etcd backend sees it
  });
});
