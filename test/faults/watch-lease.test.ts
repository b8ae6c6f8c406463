/** Watch and lease faults on the memory store. */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { CompactedError, DeadlineExceededError } from '../../src/interface/errors.js';
import type { WatchResponse } from '../../src/interface/watch.js';
import { type LeaseLostError, Session } from '../../src/recipes/index.js';
import { faultStore, pass, settle } from './helpers.js';

describe('watch faults', () => {
  it('resetWatches: every watcher of the client resumes after its last event, IDs kept', async () => {
    const { clock, store } = faultStore();
    const w = store.connect({ name: 'writer' });
    const a = store.connect({ name: 'a' });
    const stream = a.watchStream();
    const responses: WatchResponse[] = [];
    const reading = (async () => {
      for await (const r of stream) {
        responses.push(r);
        if (responses.filter((x) => x.events.length > 0).length === 6) return;
      }
    })();
    stream.create({ key: 'x' });
    stream.create({ key: 'y', watchId: 7 });
    await pass(clock, 0);
    await w.put({ key: 'x', value: '1' });
    await w.put({ key: 'y', value: '1' });
    await pass(clock, 0);
    store.faults.resetWatches('a');
    await w.put({ key: 'x', value: '2' });
    store.faults.resetWatches('a');
    store.faults.resetWatches('a');
    await w.put({ key: 'y', value: '2' });
    await w.put({ key: 'x', value: '3' });
    await w.put({ key: 'y', value: '3' });
    await settle(clock, reading);
    const by = (id: number) =>
      responses.filter((r) => r.watchId === id).flatMap((r) => r.events.map((e) => toText(e.kv.value)));
    expect(by(0)).toEqual(['1', '2', '3']);
    expect(by(7)).toEqual(['1', '2', '3']);
    expect(responses.filter((r) => r.created).map((r) => r.watchId)).toEqual([0, 7]); // no second "created"
    stream.close();
  });

  it('a reset watcher whose last event is older than the compaction ends with CompactedError', async () => {
    const { clock, store } = faultStore();
    const w = store.connect({ name: 'writer' });
    const a = store.connect({ name: 'a' });
    const watcher = a.watch({ key: 'x' });
    await watcher.created; // created at revision 1: resumes from 2
    const reading = (async () => {
      for await (const _ of watcher) {
        // nothing
      }
    })();
    await w.put({ key: 'other', value: '1' });
    await w.put({ key: 'other', value: '2' });
    await w.compact({ revision: 3 });
    await pass(clock, 0);
    store.faults.resetWatches('a'); // etcd's backend re-creates it from revision 2 < 3
    const r = await settle(clock, reading);
    expect(!r.ok && r.error).toBeInstanceOf(CompactedError);
  });

  it('cancelWatches: the watcher ends with CompactedError carrying the current revision', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    await a.put({ key: 'k', value: 'v' });
    const watcher = a.watch({ key: 'k' });
    await watcher.created;
    const reading = (async () => {
      for await (const _ of watcher) {
        // nothing
      }
    })();
    store.faults.cancelWatches('a');
    const r = await settle(clock, reading);
    expect(!r.ok && r.error).toBeInstanceOf(CompactedError);
    expect(!r.ok && (r.error as CompactedError).compactRevision).toBe(2);
    expect(store.compactRevision).toBe(-1); // the store kept its history
  });
});

describe('lease faults', () => {
  it('expireLease: the lease ends now, its keys are deleted, its session sees "expired"', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    const session = await Session.create(a, { ttl: 30 });
    await a.put({ key: 'k', value: 'v', lease: session.lease });
    store.faults.expireLease(session.lease);
    expect((await a.range({ key: 'k' })).count).toBe(0);
    const ended = await settle(clock, session.finished);
    expect(ended.ok && (ended.value as LeaseLostError).reason).toBe('expired');
    expect(ended.at).toBeLessThanOrEqual(10_000); // at the next renewal (TTL/3)
  });

  it('holdKeepAlives: renewals reach the store but their answers do not; the session gives up at its TTL', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', requestTimeoutMs: 1_000 });
    const session = await Session.create(a, { ttl: 3 });
    store.faults.holdKeepAlives('a');
    const direct = await settle(clock, a.leaseKeepAlive({ id: session.lease }));
    expect(!direct.ok && direct.error).toBeInstanceOf(DeadlineExceededError);
    const ended = await settle(clock, session.finished);
    expect(ended.ok && (ended.value as LeaseLostError).reason).toBe('unreachable');
    // The store kept renewing: the lease is alive although its client gave it up.
    expect((await store.connect().leaseTimeToLive({ id: session.lease })).ttl).toBeGreaterThan(0);
    store.faults.releaseKeepAlives('a');
    await session.close();
  });
});
