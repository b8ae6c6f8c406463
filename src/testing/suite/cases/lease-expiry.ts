/**
 * Lease expiry, the only cases that need time to pass: a manual clock on memory, real time on etcd
 * (minimum TTLs, so each takes a few seconds there). Kept to two cases on purpose.
 */

import { prefixRange, toText } from '../../../common/bytes.js';
import type { WatchResponse } from '../../../interface/watch.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, keysOf, Recorder } from '../helpers.js';

export default defineCases('lease expiry', [
  {
    name: 'expiry deletes each lease’s keys at one revision per lease; afterwards TTL −1 and keepalive 0',
    timeoutMs: 30_000,
    async run({ backend, k, minLeaseTtl, waitFor }) {
      const lease = await backend.leaseGrant({ ttl: minLeaseTtl });
      const other = await backend.leaseGrant({ ttl: minLeaseTtl });
      const bare = await backend.leaseGrant({ ttl: minLeaseTtl }); // no keys: its expiry adds no revision
      for (const s of ['b', 'c', 'a']) await backend.put({ key: k(s), value: s, lease: lease.id });
      for (const s of ['y', 'x']) await backend.put({ key: k(s), value: s, lease: other.id });
      await backend.put({ key: k('stay'), value: 'no lease' });
      const r0 = await currentRevision(backend);
      const watcher = backend.watch({ ...prefixRange(k('')), prevKv: true });
      const recorder = new Recorder<WatchResponse>(watcher);
      await watcher.created;
      await waitFor(async () => {
        expect((await backend.range(prefixRange(k('')))).count).toBe(1);
      }, 10_000);
      // Two leases expiring together: two revisions, one per lease, in either order; each one response
      // in key order with the deleted values as prevKv.
      const responses = await recorder.take(2, 10_000);
      const byFirstKey = [...responses].sort((x, y) =>
        toText(x.events[0]!.kv.key) < toText(y.events[0]!.kv.key) ? -1 : 1,
      );
      const [first, second] = byFirstKey as [WatchResponse, WatchResponse];
      expect(first.events.map((e) => [e.type, toText(e.kv.key)])).toEqual([
        ['DELETE', k('a')],
        ['DELETE', k('b')],
        ['DELETE', k('c')],
      ]);
      expect(second.events.map((e) => [e.type, toText(e.kv.key)])).toEqual([
        ['DELETE', k('x')],
        ['DELETE', k('y')],
      ]);
      expect(first.events.map((e) => (e.prevKv ? toText(e.prevKv.value) : null))).toEqual(['a', 'b', 'c']);
      for (const response of responses) {
        expect(new Set(response.events.map((e) => e.kv.modRevision)).size).toBe(1);
      }
      expect(responses.map((r) => r.events[0]!.kv.modRevision)).toEqual([r0 + 1, r0 + 2]);
      expect(keysOf((await backend.range(prefixRange(k('')))).kvs)).toEqual([k('stay')]);
      await waitFor(async () => {
        expect((await backend.leaseTimeToLive({ id: bare.id })).ttl).toBe(-1);
      }, 10_000);
      expect(await currentRevision(backend)).toBe(r0 + 2);
      expect(await backend.leaseTimeToLive({ id: lease.id, keys: true })).toMatchObject({
        ttl: -1,
        grantedTtl: 0,
        keys: [],
      });
      expect((await backend.leaseKeepAlive({ id: lease.id })).ttl).toBe(0);
      const ids = (await backend.leaseLeases()).leases.map((l) => l.id);
      expect(ids).not.toContain(lease.id);
      expect(ids).not.toContain(other.id);
      expect(ids).not.toContain(bare.id);
      await watcher.cancel();
    },
  },
  {
    name: 'keepalive postpones expiry by a full TTL',
    timeoutMs: 30_000,
    async run({ backend, k, minLeaseTtl, advanceTime, waitFor }) {
      // TTL 2 × minimum: with the minimum of 1 s a real server expires the original lease by ~2.5 s at
      // the latest, and the renewed one not before ~3.5 s; the check at ~3 s sits between.
      const ttl = 2 * minLeaseTtl;
      const lease = await backend.leaseGrant({ ttl });
      await backend.put({ key: k('a'), value: 'v', lease: lease.id });
      await advanceTime(ttl * 750);
      const kept = await backend.leaseKeepAlive({ id: lease.id });
      expect(kept.ttl).toBe(ttl);
      await advanceTime(ttl * 750);
      expect((await backend.range({ key: k('a') })).count).toBe(1);
      const remaining = await backend.leaseTimeToLive({ id: lease.id });
      expect(remaining.ttl).toBeGreaterThanOrEqual(0);
      expect(remaining.ttl).toBeLessThan(ttl);
      await waitFor(async () => {
        expect((await backend.range({ key: k('a') })).count).toBe(0);
      }, 10_000);
    },
  },
]);
