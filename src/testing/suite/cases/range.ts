/** Range: the range conventions, limit/more/count, sorting, projections, filters and historical reads. */

import { fromKeyRange, prefixRange, ZERO_KEY } from '../../../common/bytes.js';
import { FutureRevisionError } from '../../../interface/errors.js';
import type { SortOrder, SortTarget } from '../../../interface/kv.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects, keysOf, valuesOf } from '../helpers.js';

export default defineCases('range', [
  {
    name: 'single key, prefix, from-key, all keys, and an end at or before the key',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      for (const s of ['a', 'b', 'c']) await backend.put({ key: k(s), value: s });
      await backend.put({ key: `${k('')}`.slice(0, -1), value: 'outside' }); // the prefix without "/"
      const single = await backend.range({ key: k('b') });
      expect(keysOf(single.kvs)).toEqual([k('b')]);
      expect(single.count).toBe(1);

      const prefix = await backend.range(prefixRange(k('')));
      expect(keysOf(prefix.kvs)).toEqual([k('a'), k('b'), k('c')]);
      expect(prefix.count).toBe(3);
      expect(prefix.more).toBe(false);

      // From-key and all-keys ranges see other cases' keys on a shared server: restrict with a filter.
      const fromKey = await backend.range({ ...fromKeyRange(k('b')), minCreateRevision: r0 + 1 });
      expect(keysOf(fromKey.kvs)).toEqual([k('b'), k('c')]);
      expect(fromKey.count).toBeGreaterThanOrEqual(2);
      const all = await backend.range({ key: ZERO_KEY, rangeEnd: ZERO_KEY, minCreateRevision: r0 + 1 });
      expect(keysOf(all.kvs).sort()).toEqual([k('').slice(0, -1), k('a'), k('b'), k('c')].sort());
      expect(all.count).toBeGreaterThanOrEqual(4);
      const allViaEmptyPrefix = await backend.range({ ...prefixRange(''), minCreateRevision: r0 + 1 });
      expect(keysOf(allViaEmptyPrefix.kvs)).toEqual(keysOf(all.kvs));

      const backwards = await backend.range({ key: k('c'), rangeEnd: k('a') });
      expect(backwards.kvs).toEqual([]);
      expect(backwards.count).toBe(0);
      expect(backwards.more).toBe(false);
      const emptyInterval = await backend.range({ key: k('b'), rangeEnd: k('b') });
      expect(emptyInterval.kvs).toEqual([]);
      expect(emptyInterval.count).toBe(0);
      const halfOpen = await backend.range({ key: k('a'), rangeEnd: k('c') });
      expect(keysOf(halfOpen.kvs)).toEqual([k('a'), k('b')]);
      expect(halfOpen.header.revision).toBe(r0 + 4);
    },
  },
  {
    name: 'an empty rangeEnd means the single key on every path (reads, deletes, compares, txns)',
    async run({ backend, k }) {
      for (const s of ['a', 'b', 'c']) await backend.put({ key: k(s), value: s });
      const r0 = await currentRevision(backend);
      expect(keysOf((await backend.range({ key: k('b'), rangeEnd: '' })).kvs)).toEqual([k('b')]);
      expect(keysOf((await backend.range({ key: k('b'), rangeEnd: new Uint8Array() })).kvs)).toEqual([
        k('b'),
      ]);
      const readOnly = await backend.txn({
        compare: [{ key: k('a'), rangeEnd: '', target: 'VALUE', result: 'EQUAL', value: 'a' }],
        success: [{ requestRange: { key: k('b'), rangeEnd: '' } }],
      });
      expect(readOnly.succeeded).toBe(true);
      const first = readOnly.responses[0]!;
      expect('responseRange' in first && keysOf(first.responseRange.kvs)).toEqual([k('b')]);
      const del = await backend.deleteRange({ key: k('a'), rangeEnd: '' });
      expect(del.deleted).toBe(1);
      expect(del.header.revision).toBe(r0 + 1);
      const txnDel = await backend.txn({ success: [{ requestDeleteRange: { key: k('b'), rangeEnd: '' } }] });
      expect(txnDel.header.revision).toBe(r0 + 2);
      expect(keysOf((await backend.range(prefixRange(k('')))).kvs)).toEqual([k('c')]);
    },
  },
  {
    name: 'limit cuts the result and sets more; count is the total in range',
    async run({ backend, k }) {
      for (const s of ['a', 'b', 'c', 'd', 'e']) await backend.put({ key: k(s), value: s });
      const range = prefixRange(k(''));
      const two = await backend.range({ ...range, limit: 2 });
      expect(keysOf(two.kvs)).toEqual([k('a'), k('b')]);
      expect(two.more).toBe(true);
      expect(two.count).toBe(5);
      const exact = await backend.range({ ...range, limit: 5 });
      expect(exact.kvs).toHaveLength(5);
      expect(exact.more).toBe(false);
      expect(exact.count).toBe(5);
      const over = await backend.range({ ...range, limit: 9 });
      expect(over.kvs).toHaveLength(5);
      expect(over.more).toBe(false);
      const unlimited = await backend.range({ ...range, limit: 0 });
      expect(unlimited.kvs).toHaveLength(5);
      expect(unlimited.more).toBe(false);
      const four = await backend.range({ ...range, limit: 4 });
      expect(four.more).toBe(true);
      expect(keysOf(four.kvs)).toEqual([k('a'), k('b'), k('c'), k('d')]);
    },
  },
  {
    name: 'count is taken before filters and limit; more reflects the filtered result',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      for (const s of ['a', 'b', 'c', 'd', 'e']) await backend.put({ key: k(s), value: s });
      // a..e have mod revisions r0+1..r0+5; keep c, d, e.
      const range = prefixRange(k(''));
      const filtered = await backend.range({ ...range, minModRevision: r0 + 3 });
      expect(keysOf(filtered.kvs)).toEqual([k('c'), k('d'), k('e')]);
      expect(filtered.count).toBe(5);
      expect(filtered.more).toBe(false);
      const cut = await backend.range({ ...range, minModRevision: r0 + 3, limit: 2 });
      expect(keysOf(cut.kvs)).toEqual([k('c'), k('d')]);
      expect(cut.count).toBe(5);
      expect(cut.more).toBe(true);
      const fits = await backend.range({ ...range, minModRevision: r0 + 3, limit: 3 });
      expect(fits.kvs).toHaveLength(3);
      expect(fits.more).toBe(false);
      expect(fits.count).toBe(5);
    },
  },
  {
    name: 'every sort order and target (no ties)',
    async run({ backend, k }) {
      // Final state: a {create 2, mod 5, version 3, value "1"}, b {create 3, mod 3, version 1, value "3"},
      // c {create 1, mod 6, version 2, value "2"} (revisions relative to the baseline), so that
      // KEY = a b c, CREATE = c a b, MOD = b a c, VERSION = b c a, VALUE = a c b.
      await backend.put({ key: k('c'), value: '2' });
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('b'), value: '3' });
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('c'), value: '2' });
      const ascending: Record<SortTarget, string[]> = {
        KEY: ['a', 'b', 'c'],
        CREATE: ['c', 'a', 'b'],
        MOD: ['b', 'a', 'c'],
        VERSION: ['b', 'c', 'a'],
        VALUE: ['a', 'c', 'b'],
      };
      const range = prefixRange(k(''));
      for (const target of Object.keys(ascending) as SortTarget[]) {
        const asc = ascending[target].map(k);
        for (const order of ['NONE', 'ASCEND', 'DESCEND'] as SortOrder[]) {
          // NONE with a non-KEY target sorts ascending; NONE with KEY is key order.
          const expected = order === 'DESCEND' ? [...asc].reverse() : asc;
          const got = await backend.range({ ...range, sortOrder: order, sortTarget: target });
          expect(keysOf(got.kvs), `${order} ${target}`).toEqual(expected);
          expect(got.count).toBe(3);
        }
      }
      const onlyOrder = await backend.range({ ...range, sortOrder: 'DESCEND' });
      expect(keysOf(onlyOrder.kvs)).toEqual(['c', 'b', 'a'].map(k));
      const onlyTarget = await backend.range({ ...range, sortTarget: 'MOD' });
      expect(keysOf(onlyTarget.kvs)).toEqual(['b', 'a', 'c'].map(k));
      // Sorting happens before the limit.
      const top = await backend.range({ ...range, sortOrder: 'DESCEND', sortTarget: 'VERSION', limit: 1 });
      expect(keysOf(top.kvs)).toEqual([k('a')]);
      expect(top.more).toBe(true);
      expect(top.count).toBe(3);
    },
  },
  {
    name: 'filters, then sort, then limit; a negative limit is no limit; countOnly wins over keysOnly',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      for (const s of ['a', 'b', 'c', 'd']) await backend.put({ key: k(s), value: s }); // create r0+1..r0+4
      await backend.put({ key: k('a'), value: 'a2' }); // a: mod r0+5
      await backend.put({ key: k('c'), value: 'c2' }); // c: mod r0+6
      const range = prefixRange(k(''));
      // Keep b, c, d (create ≥ r0+2); by mod descending: c (r0+6), d (r0+4), b (r0+2); first two.
      const got = await backend.range({
        ...range,
        minCreateRevision: r0 + 2,
        sortTarget: 'MOD',
        sortOrder: 'DESCEND',
        limit: 2,
      });
      expect(keysOf(got.kvs)).toEqual([k('c'), k('d')]);
      expect(got.more).toBe(true);
      expect(got.count).toBe(4);
      const negative = await backend.range({ ...range, limit: -1 });
      expect(negative.kvs).toHaveLength(4);
      expect(negative.more).toBe(false);
      const both = await backend.range({ ...range, countOnly: true, keysOnly: true });
      expect(both.kvs).toEqual([]);
      expect(both.count).toBe(4);
      // A historical read with a limit.
      const past = await backend.range({ ...range, revision: r0 + 3, limit: 2 });
      expect(keysOf(past.kvs)).toEqual([k('a'), k('b')]);
      expect(past.more).toBe(true);
      expect(past.count).toBe(3);
      expect(valuesOf(past.kvs)).toEqual(['a', 'b']);
    },
  },
  {
    name: 'keysOnly leaves values empty; countOnly returns only the count',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: 'va' });
      await backend.put({ key: k('b'), value: 'vb' });
      await backend.put({ key: k('b'), value: 'vb2' });
      const range = prefixRange(k(''));
      const keys = await backend.range({ ...range, keysOnly: true });
      expect(keysOf(keys.kvs)).toEqual([k('a'), k('b')]);
      expect(valuesOf(keys.kvs)).toEqual(['', '']);
      expect(keys.kvs.map((kv) => [kv.createRevision, kv.modRevision, kv.version])).toEqual([
        [r0 + 1, r0 + 1, 1],
        [r0 + 2, r0 + 3, 2],
      ]);
      expect(keys.count).toBe(2);
      const counted = await backend.range({ ...range, countOnly: true });
      expect(counted.kvs).toEqual([]);
      expect(counted.count).toBe(2);
      expect(counted.more).toBe(false);
      const countedLimited = await backend.range({ ...range, countOnly: true, limit: 1 });
      expect(countedLimited.kvs).toEqual([]);
      expect(countedLimited.count).toBe(2);
      expect(countedLimited.more).toBe(false);
      const countedPast = await backend.range({ ...range, countOnly: true, revision: r0 + 1 });
      expect(countedPast.count).toBe(1);
      expect(countedPast.header.revision).toBe(r0 + 3);
    },
  },
  {
    name: 'min/max mod and create revision filters (0 means off)',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' }); // a: create r0+1
      await backend.put({ key: k('b'), value: '1' }); // b: create r0+2
      await backend.put({ key: k('c'), value: '1' }); // c: create r0+3
      await backend.put({ key: k('a'), value: '2' }); // a: mod r0+4
      // a {c1, m4}, b {c2, m2}, c {c3, m3}
      const range = prefixRange(k(''));
      const q = async (f: object) => keysOf((await backend.range({ ...range, ...f })).kvs);
      expect(await q({ minModRevision: r0 + 3 })).toEqual([k('a'), k('c')]);
      expect(await q({ maxModRevision: r0 + 3 })).toEqual([k('b'), k('c')]);
      expect(await q({ minCreateRevision: r0 + 2 })).toEqual([k('b'), k('c')]);
      expect(await q({ maxCreateRevision: r0 + 2 })).toEqual([k('a'), k('b')]);
      expect(await q({ minCreateRevision: r0 + 2, maxModRevision: r0 + 2 })).toEqual([k('b')]);
      expect(await q({ minModRevision: r0 + 2, maxModRevision: r0 + 3 })).toEqual([k('b'), k('c')]);
      expect(
        await q({ minModRevision: 0, maxModRevision: 0, minCreateRevision: 0, maxCreateRevision: 0 }),
      ).toEqual([k('a'), k('b'), k('c')]);
      expect(await q({ minModRevision: r0 + 9 })).toEqual([]);
      const none = await backend.range({ ...range, minModRevision: r0 + 9 });
      expect(none.count).toBe(3);
    },
  },
  {
    name: 'historical reads see the state at that revision; the header carries the current revision',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: 'one' }); // r0+1
      await backend.put({ key: k('a'), value: 'two' }); // r0+2
      await backend.put({ key: k('b'), value: 'bee' }); // r0+3
      await backend.deleteRange({ key: k('a') }); // r0+4
      await backend.put({ key: k('a'), value: 'three' }); // r0+5
      const at = async (revision: number) => backend.range({ ...prefixRange(k('')), revision });
      const v1 = await at(r0 + 1);
      expect(keysOf(v1.kvs)).toEqual([k('a')]);
      expect(valuesOf(v1.kvs)).toEqual(['one']);
      expect(v1.kvs[0]!.version).toBe(1);
      expect(v1.header.revision).toBe(r0 + 5);
      const v2 = await at(r0 + 2);
      expect(valuesOf(v2.kvs)).toEqual(['two']);
      expect(v2.kvs[0]!).toMatchObject({ createRevision: r0 + 1, modRevision: r0 + 2, version: 2 });
      const v3 = await at(r0 + 3);
      expect(keysOf(v3.kvs)).toEqual([k('a'), k('b')]);
      expect(v3.count).toBe(2);
      const v4 = await at(r0 + 4);
      expect(keysOf(v4.kvs)).toEqual([k('b')]);
      expect(v4.count).toBe(1);
      const v5 = await at(r0 + 5);
      expect(v5.kvs[0]!).toMatchObject({ createRevision: r0 + 5, modRevision: r0 + 5, version: 1 });
      expect((await at(r0)).kvs).toEqual([]);
      expect((await backend.range({ key: k('a'), revision: r0 + 2 })).kvs[0]!.version).toBe(2);
    },
  },
  {
    name: 'a revision above the current one fails with the future-revision error; the current one works',
    async run({ backend, k }) {
      const put = await backend.put({ key: k('a'), value: 'v' });
      const r = put.header.revision;
      const ok = await backend.range({ key: k('a'), revision: r });
      expect(valuesOf(ok.kvs)).toEqual(['v']);
      await expectRejects(backend.range({ key: k('a'), revision: r + 1 }), FutureRevisionError, {
        message: 'etcdserver: mvcc: required revision is a future revision',
        code: 'ErrFutureRev',
        grpcCode: 11,
      });
      await expectRejects(backend.range({ key: k('a'), revision: r + 1000 }), FutureRevisionError);
      expect(await currentRevision(backend)).toBe(r);
    },
  },
  {
    name: 'a non-KEY target with order NONE and a limit sorts only the first limit + 1 keys in key order',
    async run({ backend, k }) {
      // Create order c, d, b, a; updates to b and c move their mod revisions but not their create revisions.
      for (const s of ['c', 'd', 'b', 'b', 'c', 'a']) await backend.put({ key: k(s), value: s });
      const range = { ...prefixRange(k('')), limit: 2 };
      // etcd reads a, b, c (limit + 1, key order), sorts them ascending by the target, then cuts to 2:
      // d is never considered, although it has the second-lowest create revision in the whole range.
      const byCreate = await backend.range({ ...range, sortTarget: 'CREATE' });
      expect(keysOf(byCreate.kvs)).toEqual([k('c'), k('b')]);
      expect(byCreate.more).toBe(true);
      expect(byCreate.count).toBe(4);
      const byMod = await backend.range({ ...range, sortTarget: 'MOD' });
      expect(keysOf(byMod.kvs)).toEqual([k('b'), k('c')]);
      // With the order given explicitly, the whole range is sorted.
      const ascending = await backend.range({ ...range, sortTarget: 'CREATE', sortOrder: 'ASCEND' });
      expect(keysOf(ascending.kvs)).toEqual([k('c'), k('d')]);
    },
  },
]);
