/** Request faults on the memory store: lost replies, injected etcd errors, latency. */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { mapGrpcError } from '../../src/etcd-backend/errors.js';
import {
  ClusterNoLeaderError,
  DeadlineExceededError,
  LeaderChangedError,
  RequestTimeoutError,
  TooManyRequestsError,
  UnknownOutcomeError,
} from '../../src/interface/errors.js';
import { INJECTABLE_ERRORS } from '../../src/memory-backend/faults/injected-error.js';
import { faultStore, pass, settle } from './helpers.js';

describe('lost reply', () => {
  it('the next write applies and its caller gets UnknownOutcomeError; the one after is answered', async () => {
    const { store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.loseReplies('a');
    await expect(a.put({ key: 'k', value: '1' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect((await a.range({ key: 'k' })).kvs[0]?.version).toBe(1); // applied once, reads unaffected
    await a.put({ key: 'k', value: '2' });
    expect((await a.range({ key: 'k' })).kvs[0]?.version).toBe(2);
  });

  it('count: the next N writes (reads and other clients untouched)', async () => {
    const { store } = faultStore();
    const a = store.connect({ name: 'a' });
    const b = store.connect({ name: 'b' });
    store.faults.loseReplies('a', { count: 3 });
    await expect(a.put({ key: 'x', value: '1' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    await b.put({ key: 'y', value: '1' });
    await expect(a.deleteRange({ key: 'x' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    await expect(a.txn({ success: [{ requestPut: { key: 'z', value: '1' } }] })).rejects.toBeInstanceOf(
      UnknownOutcomeError,
    );
    await a.txn({ success: [{ requestRange: { key: 'z' } }] }); // read-only txn: a read
    await a.put({ key: 'x', value: '2' });
    expect(store.revision).toBe(6);
  });

  it('prefix: every write touching the prefix, until cleared', async () => {
    const { store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.loseReplies('a', { prefix: 'jobs/' });
    await a.put({ key: 'other', value: '1' });
    for (let i = 0; i < 3; i++) {
      await expect(a.put({ key: `jobs/${i}`, value: '1' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    }
    await expect(
      a.txn({
        success: [{ requestPut: { key: 'other', value: '2' } }, { requestDeleteRange: { key: 'jobs/0' } }],
      }),
    ).rejects.toBeInstanceOf(UnknownOutcomeError);
    store.faults.clear('a');
    await a.put({ key: 'jobs/9', value: '1' });
    expect(store.revision).toBe(7);
  });
});

describe('injected etcd errors', () => {
  const cases = [
    ['leader changed', LeaderChangedError],
    ['request timed out', RequestTimeoutError],
    ['no leader', ClusterNoLeaderError],
    ['too many requests', TooManyRequestsError],
  ] as const;

  for (const [name, errorClass] of cases) {
    it(`"${name}" on a write: classified as the etcd backend classifies it`, async () => {
      const { store } = faultStore();
      const a = store.connect({ name: 'a' });
      store.faults.failNext('a', { op: 'put', error: name, applied: 'lost' });
      const error = await a.put({ key: 'k', value: 'v' }).catch((e: unknown) => e);
      const expected = mapGrpcError(INJECTABLE_ERRORS[name], { write: true });
      expect(error).toBeInstanceOf(expected.constructor);
      expect((error as Error).message).toBe(expected.message);
      if (name === 'leader changed' || name === 'request timed out') {
        expect(error).toBeInstanceOf(UnknownOutcomeError);
        expect((error as Error).cause).toBeInstanceOf(errorClass);
      } else {
        expect(error).toBeInstanceOf(errorClass);
      }
      expect(store.revision).toBe(1);
      await a.put({ key: 'k', value: 'v' }); // one request only
    });
  }

  it('an unknown-outcome write is applied when the fault says so', async () => {
    const { store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.failNext('a', { op: 'write', error: 'etcdserver: leader changed', applied: 'applied' });
    await expect(a.put({ key: 'k', value: 'v' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(store.revision).toBe(2);
  });

  it('a read retries UNAVAILABLE answers with the etcd backend backoff and succeeds', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    await a.put({ key: 'k', value: 'v' });
    store.faults.failNext('a', { op: 'range', error: 'no leader', count: 3 });
    const r = await settle(clock, a.range({ key: 'k' }));
    expect(r.ok && toText(r.value.kvs[0]!.value)).toBe('v');
    expect(r.at).toBe(25 + 50 + 100);
  });

  it('a read that keeps getting UNAVAILABLE fails with the mapped error at its deadline', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', requestTimeoutMs: 1_000 });
    store.faults.failNext('a', { op: 'read', error: 'leader changed', count: 100 });
    const r = await settle(clock, a.range({ key: 'k' }));
    expect(!r.ok && r.error).toBeInstanceOf(LeaderChangedError);
    expect(r.at).toBeLessThan(1_000);
  });

  it('"too many requests" on a read is not retried', async () => {
    const { store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.failNext('a', { op: 'read', error: 'too many requests' });
    await expect(a.status()).rejects.toBeInstanceOf(TooManyRequestsError);
  });
});

describe('latency', () => {
  it('fixed: a request answers after the latency on the clock, half each way', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a' });
    store.faults.latency('a', 80);
    const put = a.put({ key: 'k', value: 'v' });
    await pass(clock, 39);
    expect(store.revision).toBe(1);
    await pass(clock, 1);
    expect(store.revision).toBe(2); // applied at the server halfway
    const r = await settle(clock, put);
    expect(r.at).toBe(80);
  });

  it('random: seeded, within the range, the same for the same seed', async () => {
    const times = async (seed: number): Promise<number[]> => {
      const { clock, store } = faultStore(seed);
      const a = store.connect({ name: 'a' });
      store.faults.latency('a', { minMs: 10, maxMs: 50 });
      const out: number[] = [];
      for (let i = 0; i < 20; i++) {
        const start = clock.now();
        out.push((await settle(clock, a.range({ key: 'k' }))).at - start);
      }
      return out;
    };
    const first = await times(3);
    expect(first.every((t) => t >= 10 && t <= 50)).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(5);
    expect(await times(3)).toEqual(first);
    expect(await times(4)).not.toEqual(first);
  });

  it('a latency above the deadline: the read fails with DeadlineExceededError, the write is unknown but applied', async () => {
    const { clock, store } = faultStore();
    const a = store.connect({ name: 'a', requestTimeoutMs: 100 });
    store.faults.latency('a', 300);
    const read = await settle(clock, a.range({ key: 'k' }));
    expect(!read.ok && read.error).toBeInstanceOf(DeadlineExceededError);
    expect(read.at).toBe(100);
    const write = await settle(clock, a.put({ key: 'k', value: 'v' }));
    expect(!write.ok && write.error).toBeInstanceOf(UnknownOutcomeError);
    await pass(clock, 500);
    expect(store.revision).toBe(2); // it reached the server after the caller gave up
  });

  it('requests of one client reach the store in the order sent, whatever their latency', async () => {
    const { clock, store } = faultStore(11);
    const a = store.connect({ name: 'a' });
    store.faults.latency('a', { minMs: 0, maxMs: 200 });
    const puts = Array.from({ length: 20 }, (_, i) => a.put({ key: 'k', value: String(i) }));
    await settle(clock, Promise.all(puts));
    store.faults.clear('a');
    const all = await a.range({ key: 'k' });
    expect(toText(all.kvs[0]!.value)).toBe('19');
    expect(all.kvs[0]!.version).toBe(20);
  });
});
