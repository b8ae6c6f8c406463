/** DeleteRange: single keys, intervals, prefixes, from-key; prevKvs in key order; one revision for all. */

import { fromKeyRange, prefixRange, toText } from '../../../common/bytes.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, keysOf, valuesOf } from '../helpers.js';

export default defineCases('delete range', [
  {
    name: 'an interval deletes [key, end) at one revision, prevKvs in key order',
    async run({ backend, k }) {
      // Written out of key order, so that key order is not write order.
      for (const s of ['d', 'b', 'a', 'c']) await backend.put({ key: k(s), value: `v${s}` });
      const r0 = await currentRevision(backend);
      const del = await backend.deleteRange({ key: k('a'), rangeEnd: k('d'), prevKv: true });
      expect(del.deleted).toBe(3);
      expect(del.header.revision).toBe(r0 + 1);
      expect(keysOf(del.prevKvs)).toEqual([k('a'), k('b'), k('c')]);
      expect(valuesOf(del.prevKvs)).toEqual(['va', 'vb', 'vc']);
      expect(del.prevKvs.map((kv) => kv.version)).toEqual([1, 1, 1]);
      expect(keysOf((await backend.range(prefixRange(k('')))).kvs)).toEqual([k('d')]);
      // Every deleted key has the same deletion revision: the history just before it still has them all.
      const before = await backend.range({ ...prefixRange(k('')), revision: r0 });
      expect(before.count).toBe(4);
      expect(await currentRevision(backend)).toBe(r0 + 1);
    },
  },
  {
    name: 'without prevKv the response has no prevKvs; prefix and from-key deletes',
    async run({ backend, k }) {
      for (const s of ['p/1', 'p/2', 'p/3', 'q', 'r']) await backend.put({ key: k(s), value: s });
      const r0 = await currentRevision(backend);
      const prefix = await backend.deleteRange(prefixRange(k('p/')));
      expect(prefix.deleted).toBe(3);
      expect(prefix.prevKvs).toEqual([]);
      expect(prefix.header.revision).toBe(r0 + 1);
      // A from-key delete also reaches keys after this case's prefix (other cases' leftovers on a shared
      // server): assert only on this case's keys.
      const fromKey = await backend.deleteRange({ ...fromKeyRange(k('q')), prevKv: true });
      const ours = keysOf(fromKey.prevKvs).filter((key) => key.startsWith(k('')));
      expect(ours).toEqual([k('q'), k('r')]);
      expect(fromKey.deleted).toBe(fromKey.prevKvs.length);
      expect(fromKey.header.revision).toBe(r0 + 2);
      expect((await backend.range(prefixRange(k('')))).count).toBe(0);
    },
  },
  {
    name: 'deleting nothing succeeds, deletes 0 and keeps the revision',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: 'v' });
      const r0 = await currentRevision(backend);
      for (const req of [
        { key: k('missing') },
        { key: k('b'), rangeEnd: k('z') },
        { key: k('c'), rangeEnd: k('a') }, // end before key: an empty interval, not an error
        { key: k('a'), rangeEnd: k('a') },
        { ...prefixRange(k('none/')), prevKv: true },
      ]) {
        const del = await backend.deleteRange(req);
        expect(del.deleted).toBe(0);
        expect(del.prevKvs).toEqual([]);
        expect(del.header.revision).toBe(r0);
      }
      expect(await currentRevision(backend)).toBe(r0);
      expect(valuesOf((await backend.range({ key: k('a') })).kvs)).toEqual(['v']);
    },
  },
  {
    name: 'a delete detaches keys from their lease',
    async run({ backend, k }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      await backend.put({ key: k('a'), value: '1', lease: lease.id });
      await backend.put({ key: k('b'), value: '1', lease: lease.id });
      const del = await backend.deleteRange({ key: k('a'), prevKv: true });
      expect(del.prevKvs[0]!.lease).toBe(lease.id);
      const ttl = await backend.leaseTimeToLive({ id: lease.id, keys: true });
      expect(ttl.keys.map(toText)).toEqual([k('b')]);
      // Re-creating a without a lease must not be revoked with the lease.
      await backend.put({ key: k('a'), value: '2' });
      await backend.leaseRevoke({ id: lease.id });
      expect(keysOf((await backend.range(prefixRange(k('')))).kvs)).toEqual([k('a')]);
    },
  },
]);
