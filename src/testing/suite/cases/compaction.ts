/** Compaction: the revision edges, what history is kept, and reads in [C, R] unchanged. */

import { prefixRange } from '../../../common/bytes.js';
import { CompactedError, FutureRevisionError } from '../../../interface/errors.js';
import type { RangeResponse } from '../../../interface/kv.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects, keysOf, valuesOf } from '../helpers.js';

const COMPACTED = 'etcdserver: mvcc: required revision has been compacted';

/** A range response without its header (which carries the current revision). */
const body = (r: RangeResponse) => ({ kvs: r.kvs, count: r.count, more: r.more });

export default defineCases('compaction', [
  {
    name: 'reads at C work, C − 1 fails; compacting at or below C again fails; above R is the future error',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' }); // r0+1
      await backend.put({ key: k('a'), value: '2' }); // r0+2
      await backend.put({ key: k('a'), value: '3' }); // r0+3
      const c = r0 + 2;
      const compacted = await backend.compact({ revision: c });
      expect(compacted.header.revision).toBe(r0 + 3);
      expect(await currentRevision(backend)).toBe(r0 + 3);
      expect(valuesOf((await backend.range({ key: k('a'), revision: c })).kvs)).toEqual(['2']);
      const err = await expectRejects(backend.range({ key: k('a'), revision: c - 1 }), CompactedError, {
        message: COMPACTED,
        code: 'ErrCompacted',
        grpcCode: 11,
      });
      expect(err).toBeInstanceOf(CompactedError);
      await expectRejects(backend.range({ key: k('a'), revision: r0 }), CompactedError, {
        message: COMPACTED,
      });
      await expectRejects(backend.compact({ revision: c }), CompactedError, {
        message: COMPACTED,
        grpcCode: 11,
      });
      await expectRejects(backend.compact({ revision: c - 1 }), CompactedError, { message: COMPACTED });
      await expectRejects(backend.compact({ revision: 0 }), CompactedError, { message: COMPACTED });
      await expectRejects(backend.compact({ revision: r0 + 4 }), FutureRevisionError, {
        message: 'etcdserver: mvcc: required revision is a future revision',
        grpcCode: 11,
      });
      // Compacting at the current revision is allowed; the latest state stays readable.
      const atR = await backend.compact({ revision: r0 + 3, physical: true });
      expect(atR.header.revision).toBe(r0 + 3);
      await expectRejects(backend.range({ key: k('a'), revision: r0 + 2 }), CompactedError);
      expect((await backend.range({ key: k('a') })).kvs[0]).toMatchObject({
        createRevision: r0 + 1,
        modRevision: r0 + 3,
        version: 3,
      });
      expect((await backend.range({ key: k('a'), revision: r0 + 3 })).count).toBe(1);
      expect(await currentRevision(backend)).toBe(r0 + 3);
    },
  },
  {
    name: 'what is kept: the latest version ≤ C of live keys; keys deleted at or before C vanish; reads in [C, R] unchanged',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: 'a1' }); // r0+1
      await backend.put({ key: k('b'), value: 'b1' }); // r0+2
      await backend.put({ key: k('c'), value: 'c1' }); // r0+3
      await backend.put({ key: k('a'), value: 'a2' }); // r0+4
      await backend.deleteRange({ key: k('b') }); // r0+5
      await backend.deleteRange({ key: k('c') }); // r0+6 = C: a tombstone exactly at C
      await backend.put({ key: k('a'), value: 'a3' }); // r0+7
      await backend.put({ key: k('d'), value: 'd1' }); // r0+8
      await backend.put({ key: k('c'), value: 'c2' }); // r0+9
      const c = r0 + 6;
      const r = r0 + 9;
      const before = new Map<number, ReturnType<typeof body>>();
      const single = new Map<string, ReturnType<typeof body>>();
      for (let rev = c; rev <= r; rev++) {
        before.set(rev, body(await backend.range({ ...prefixRange(k('')), revision: rev })));
        for (const s of ['a', 'b', 'c', 'd'])
          single.set(`${s}@${rev}`, body(await backend.range({ key: k(s), revision: rev })));
      }
      await backend.compact({ revision: c });
      for (let rev = c; rev <= r; rev++) {
        expect(
          body(await backend.range({ ...prefixRange(k('')), revision: rev })),
          `prefix at ${rev}`,
        ).toEqual(before.get(rev));
        for (const s of ['a', 'b', 'c', 'd']) {
          expect(body(await backend.range({ key: k(s), revision: rev })), `${s} at ${rev}`).toEqual(
            single.get(`${s}@${rev}`),
          );
        }
      }
      const atC = await backend.range({ ...prefixRange(k('')), revision: c });
      expect(keysOf(atC.kvs)).toEqual([k('a')]);
      expect(atC.kvs[0]).toMatchObject({ createRevision: r0 + 1, modRevision: r0 + 4, version: 2 });
      expect(valuesOf(atC.kvs)).toEqual(['a2']);
      const now = await backend.range(prefixRange(k('')));
      expect(now.kvs.map((kv) => [kv.createRevision, kv.modRevision, kv.version])).toEqual([
        [r0 + 1, r0 + 7, 3],
        [r0 + 9, r0 + 9, 1],
        [r0 + 8, r0 + 8, 1],
      ]);
      // Filters and count still work on compacted history.
      const filtered = await backend.range({
        ...prefixRange(k('')),
        revision: c + 1,
        maxCreateRevision: r0 + 1,
      });
      expect(keysOf(filtered.kvs)).toEqual([k('a')]);
      expect(filtered.count).toBe(1);
    },
  },
  {
    name: 'a txn reading a compacted revision on its taken path is rejected whole (#18667)',
    async run({ backend, k }) {
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('a'), value: '2' });
      await backend.compact({ revision: r0 + 2 });
      const r = await currentRevision(backend);
      await expectRejects(
        backend.txn({
          success: [
            { requestPut: { key: k('b'), value: 'x' } },
            { requestRange: { key: k('a'), revision: r0 + 1 } },
          ],
        }),
        CompactedError,
        { message: COMPACTED, grpcCode: 11 },
      );
      await expectRejects(
        backend.txn({ success: [{ requestRange: { key: k('a'), revision: r0 + 1 } }] }),
        CompactedError,
        { message: COMPACTED },
      );
      expect(await currentRevision(backend)).toBe(r);
      expect((await backend.range({ key: k('b') })).count).toBe(0);
      // Untaken: fine; at C: fine.
      const ok = await backend.txn({
        compare: [{ key: k('a'), target: 'VALUE', result: 'EQUAL', value: '2' }],
        success: [{ requestRange: { key: k('a'), revision: r0 + 2 } }],
        failure: [{ requestRange: { key: k('a'), revision: r0 + 1 } }],
      });
      expect(ok.succeeded).toBe(true);
      const first = ok.responses[0]!;
      expect('responseRange' in first && valuesOf(first.responseRange.kvs)).toEqual(['2']);
    },
  },
]);
