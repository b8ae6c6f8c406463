/** Snapshots and fixtures of the memory store: the whole state survives; bad files fail clearly. */

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { toText } from '../../src/common/bytes.js';
import { CompactedError, InvalidArgumentError, NoSpaceError } from '../../src/interface/errors.js';
import type { WatchResponse } from '../../src/interface/watch.js';
import { MemoryStore } from '../../src/memory-backend/index.js';

async function streamed(store: MemoryStore): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const client = store.connect();
  for await (const chunk of client.snapshot()) chunks.push(chunk);
  await client.close();
  return Buffer.concat(chunks);
}

describe('snapshot and restore', () => {
  it('keep keys with their history, revisions, versions, compaction point, leases and alarms', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({ clock, minLeaseTtl: 1, seed: 7 });
    const c = store.connect();
    await c.put({ key: 'a', value: '1' }); // 2
    await c.put({ key: 'a', value: '2' }); // 3
    await c.put({ key: 'b', value: 'x' }); // 4
    await c.compact({ revision: 3 });
    await c.deleteRange({ key: 'b' }); // 5
    const lease = await c.leaseGrant({ ttl: 60 });
    await c.put({ key: 'l', value: 'leased', lease: lease.id }); // 6
    await c.txn({
      success: [{ requestPut: { key: 't1', value: '1' } }, { requestPut: { key: 't2', value: '2' } }],
    }); // 7
    await c.alarm({ action: 'ACTIVATE', memberId: 5n, alarm: 'CORRUPT' });
    await c.alarm({ action: 'DEACTIVATE', memberId: 5n, alarm: 'CORRUPT' });
    await c.alarm({ action: 'ACTIVATE', memberId: 99n, alarm: 9 });
    clock.advance(20_000);

    const bytes = store.snapshot();
    const clock2 = new ManualClock();
    await using restored = MemoryStore.restore(bytes, { clock: clock2, minLeaseTtl: 1 });
    const r = restored.connect();
    expect(restored.revision).toBe(7);
    expect(restored.compactRevision).toBe(3);
    for (const rev of [0, 4, 5, 6, 7])
      expect((await r.hashKv({ revision: rev })).hash).toBe((await c.hashKv({ revision: rev })).hash);
    expect((await r.hash()).hash).toBe((await c.hash()).hash);
    await expect(r.range({ key: 'a', revision: 2 })).rejects.toBeInstanceOf(CompactedError);
    const a3 = await r.range({ key: 'a', revision: 3 });
    expect(a3.kvs.map((kv) => [toText(kv.value), kv.createRevision, kv.modRevision, kv.version])).toEqual([
      ['2', 2, 3, 2],
    ]);
    expect((await r.range({ key: 'b', revision: 4 })).kvs).toHaveLength(1);
    expect((await r.range({ key: 'b' })).kvs).toHaveLength(0);
    // Leases: same ID, granted TTL, the time left, attached keys.
    const ttl = await r.leaseTimeToLive({ id: lease.id, keys: true });
    expect([ttl.grantedTtl, ttl.ttl, ttl.keys.map(toText)]).toEqual([60, 40, ['l']]);
    expect((await r.alarm({ action: 'GET' })).alarms).toEqual([{ memberId: 99n, alarm: 9 }]);
    // Watches replay the restored history; new writes continue the revisions.
    const w = r.watch({ key: 't', rangeEnd: 'u', startRevision: 7 });
    const first: IteratorResult<WatchResponse> = await w[Symbol.asyncIterator]().next();
    expect((first.value as WatchResponse).events.map((e) => [toText(e.kv.key), e.kv.modRevision])).toEqual([
      ['t1', 7],
      ['t2', 7],
    ]);
    await w.cancel();
    expect((await r.put({ key: 'a', value: '3' })).header.revision).toBe(8);
    expect((await r.range({ key: 'a' })).kvs[0]!.version).toBe(3);
    // The lease expires on the new clock when its remaining time has passed.
    await clock2.advanceAsync(40_500);
    expect((await r.range({ key: 'l' })).kvs).toHaveLength(0);
  });

  it('restores the NOSPACE cap with the alarm, and takes the streamed bytes (with the SHA-256) too', async () => {
    await using store = new MemoryStore();
    const c = store.connect();
    await c.put({ key: 'k', value: 'v' });
    await c.alarm({ action: 'ACTIVATE', memberId: store.memberId, alarm: 'NOSPACE' });
    const withHash = await streamed(store);
    expect(withHash.length).toBe(store.snapshot().length + 32);
    await using restored = MemoryStore.restore(withHash);
    const r = restored.connect();
    await expect(r.put({ key: 'x', value: '1' })).rejects.toBeInstanceOf(NoSpaceError);
    expect((await r.status()).errors).toEqual([`memberID:${store.memberId} alarm:NOSPACE `]);
    expect((await r.range({ key: 'k' })).count).toBe(1);
  });

  it('refuses bad data with a message that says what is wrong, and leaves nothing half-loaded', () => {
    const bad = (doc: unknown) =>
      new TextEncoder().encode(typeof doc === 'string' ? doc : JSON.stringify(doc));
    const good = JSON.parse(new TextDecoder().decode(new MemoryStore().snapshot())) as Record<
      string,
      unknown
    >;
    const cases: [unknown, RegExp][] = [
      ['{"config/a": "1"', /not JSON/],
      [{ ...good, format: 'bolt' }, /"format" must be "etcd-kv-kit snapshot"/],
      [{ ...good, version: 2 }, /layout version 2/],
      [{ ...good, revision: 0 }, /revision must be an integer ≥ 1/],
      [
        {
          ...good,
          revision: 3,
          versions: [
            ['YQ==', 3, 0, 3, 1, '0', ''],
            ['Yg==', 2, 0, 2, 1, '0', ''],
          ],
        },
        /versions\[1\] is out of \(revision, sub-revision\) order/,
      ],
      [
        { ...good, revision: 3, versions: [['YQ==', 2, 0, 2, 1, '5', '']] },
        /attached to lease 5, which it does not hold/,
      ],
      [
        { ...good, revision: 3, versions: [['not base64!', 2, 0, 2, 1, '0', '']] },
        /versions\[0\] key must be base64/,
      ],
      [{ ...good, leases: [['x', 60, 1000]] }, /leases\[0\] ID must be a decimal string/],
    ];
    for (const [doc, message] of cases) {
      let error: unknown;
      try {
        MemoryStore.restore(bad(doc));
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(doc).slice(0, 80)).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('fixtures', () => {
  it('load every key at revision 2 in key order, and dump back the same object', async () => {
    const fixture = { 'config/b': '2', 'config/a': '1', '10': 'ten', naïve: 'ünïcode' };
    await using store = MemoryStore.fromFixture(fixture);
    const c = store.connect();
    expect(store.revision).toBe(2);
    const all = await c.range({ key: '\0', rangeEnd: '\0' });
    expect(all.kvs.map((kv) => [toText(kv.key), toText(kv.value), kv.createRevision, kv.version])).toEqual([
      ['10', 'ten', 2, 1],
      ['config/a', '1', 2, 1],
      ['config/b', '2', 2, 1],
      ['naïve', 'ünïcode', 2, 1],
    ]);
    await c.put({ key: 'config/a', value: 'changed' });
    await c.deleteRange({ key: 'config/b' });
    expect(store.fixture()).toEqual({ '10': 'ten', 'config/a': 'changed', naïve: 'ünïcode' });
  });

  it('refuses what a fixture cannot hold', async () => {
    expect(() => MemoryStore.fromFixture(['a'] as never)).toThrow(
      /a fixture must be a JSON object of key → value strings/,
    );
    expect(() => MemoryStore.fromFixture({ a: 1 } as never)).toThrow(/fixture key "a" has a number value/);
    expect(() => MemoryStore.fromFixture({ '': 'x' })).toThrow(/a fixture key is empty/);
    await using store = new MemoryStore();
    await store.connect().put({ key: new Uint8Array([0x61, 0xff]), value: 'x' });
    expect(() => store.fixture()).toThrow(
      /is not UTF-8 text, which a fixture cannot hold; take a snapshot instead/,
    );
  });
});
