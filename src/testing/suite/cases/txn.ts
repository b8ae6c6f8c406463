/** Txn: compares (every target × result, missing keys, ranges), branches, nesting, snapshots, revisions. */

import { prefixRange, toText } from '../../../common/bytes.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  RangeResponse,
  ResponseOp,
  TxnResponse,
} from '../../../interface/kv.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision, keysOf, valuesOf } from '../helpers.js';

const RESULTS: readonly CompareResult[] = ['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'];

/** Build a compare of `target` on `key` against `operand`. */
export function compare(
  key: string,
  target: CompareTarget,
  result: CompareResult,
  operand: number | bigint | string,
  rangeEnd?: string,
): Compare {
  const base = { key, result, ...(rangeEnd === undefined ? {} : { rangeEnd }) };
  switch (target) {
    case 'VERSION':
      return { ...base, target, version: Number(operand) };
    case 'CREATE':
      return { ...base, target, createRevision: Number(operand) };
    case 'MOD':
      return { ...base, target, modRevision: Number(operand) };
    case 'LEASE':
      return { ...base, target, lease: BigInt(operand) };
    case 'VALUE':
      return { ...base, target, value: String(operand) };
  }
}

/** What `actual <result> operand` means, given the sign of actual − operand. */
function holds(result: CompareResult, sign: number): boolean {
  switch (result) {
    case 'EQUAL':
      return sign === 0;
    case 'GREATER':
      return sign > 0;
    case 'LESS':
      return sign < 0;
    case 'NOT_EQUAL':
      return sign !== 0;
  }
}

/** The RangeResponse at `index` of a txn's responses. */
export function rangeAt(responses: readonly ResponseOp[], index: number): RangeResponse {
  const op = responses[index];
  if (!op || !('responseRange' in op))
    throw new Error(`response ${index} is not a range: ${JSON.stringify(op)}`);
  return op.responseRange;
}

/** The nested TxnResponse at `index`. */
export function txnAt(responses: readonly ResponseOp[], index: number): TxnResponse {
  const op = responses[index];
  if (!op || !('responseTxn' in op)) throw new Error(`response ${index} is not a txn`);
  return op.responseTxn;
}

export default defineCases('txn', [
  {
    name: 'every compare target × result on an existing key',
    timeoutMs: 60_000,
    async run({ backend, k }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      const key = k('a');
      await backend.put({ key: k('other'), value: 'x' }); // so that create != mod below
      const created = await backend.put({ key, value: 'mmm' });
      await backend.put({ key: k('other'), value: 'y' });
      const modified = await backend.put({ key, value: 'mmm', lease: lease.id });
      const actual: Record<CompareTarget, number | bigint | string> = {
        VERSION: 2,
        CREATE: created.header.revision,
        MOD: modified.header.revision,
        LEASE: lease.id,
        VALUE: 'mmm',
      };
      const r = await currentRevision(backend);
      for (const target of Object.keys(actual) as CompareTarget[]) {
        const a = actual[target];
        const operands: [number | bigint | string, number][] =
          typeof a === 'string'
            ? [
                ['mm', 1],
                ['mmm', 0],
                ['mmn', -1],
                ['n', -1],
                ['mmma', -1],
              ]
            : typeof a === 'bigint'
              ? [
                  [a - 1n, 1],
                  [a, 0],
                  [a + 1n, -1],
                ]
              : [
                  [a - 1, 1],
                  [a, 0],
                  [a + 1, -1],
                ];
        for (const [operand, sign] of operands) {
          for (const result of RESULTS) {
            const t = await backend.txn({ compare: [compare(key, target, result, operand)] });
            expect(t.succeeded, `${target} ${result} ${String(operand)} (actual ${String(a)})`).toBe(
              holds(result, sign),
            );
            expect(t.responses).toEqual([]);
            expect(t.header.revision).toBe(r);
          }
        }
      }
      expect(await currentRevision(backend)).toBe(r);
      await backend.leaseRevoke({ id: lease.id });
    },
  },
  {
    name: 'a missing key compares as all zeros, except VALUE, which is always false (NOT_EQUAL included)',
    timeoutMs: 60_000,
    async run({ backend, k }) {
      const key = k('missing');
      const zeroTargets: CompareTarget[] = ['VERSION', 'CREATE', 'MOD', 'LEASE'];
      for (const target of zeroTargets) {
        for (const [operand, sign] of [
          [0, 0],
          [1, -1],
          [-1, 1],
        ] as const) {
          for (const result of RESULTS) {
            const t = await backend.txn({ compare: [compare(key, target, result, operand)] });
            expect(t.succeeded, `${target} ${result} ${operand} on a missing key`).toBe(holds(result, sign));
          }
        }
      }
      for (const operand of ['', 'x']) {
        for (const result of RESULTS) {
          const t = await backend.txn({ compare: [compare(key, 'VALUE', result, operand)] });
          expect(t.succeeded, `VALUE ${result} ${JSON.stringify(operand)} on a missing key`).toBe(false);
        }
      }
      // A deleted key is missing too.
      await backend.put({ key, value: '' });
      expect((await backend.txn({ compare: [compare(key, 'VALUE', 'EQUAL', '')] })).succeeded).toBe(true);
      await backend.deleteRange({ key });
      expect((await backend.txn({ compare: [compare(key, 'VALUE', 'EQUAL', '')] })).succeeded).toBe(false);
      expect((await backend.txn({ compare: [compare(key, 'VERSION', 'EQUAL', 0)] })).succeeded).toBe(true);
    },
  },
  {
    name: 'a compare with rangeEnd holds only if every key in the range satisfies it; an empty range is a missing key',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: 'same' }); // version 1
      await backend.put({ key: k('b'), value: 'same' });
      await backend.put({ key: k('b'), value: 'same' }); // version 2
      const ok = async (c: Compare) => (await backend.txn({ compare: [c] })).succeeded;
      expect(await ok(compare(k('a'), 'VERSION', 'GREATER', 0, k('c')))).toBe(true);
      expect(await ok(compare(k('a'), 'VERSION', 'EQUAL', 1, k('c')))).toBe(false);
      expect(await ok(compare(k('a'), 'VERSION', 'LESS', 3, k('c')))).toBe(true);
      expect(await ok(compare(k('a'), 'VERSION', 'LESS', 2, k('c')))).toBe(false);
      expect(await ok(compare(k('a'), 'VERSION', 'NOT_EQUAL', 2, k('c')))).toBe(false);
      expect(await ok(compare(k('a'), 'VALUE', 'EQUAL', 'same', k('c')))).toBe(true);
      expect(await ok(compare(k('a'), 'VERSION', 'EQUAL', 1, k('b')))).toBe(true); // [a, b) holds only a
      // No key in the range: like a missing key.
      expect(await ok(compare(k('x'), 'VERSION', 'EQUAL', 0, k('z')))).toBe(true);
      expect(await ok(compare(k('x'), 'CREATE', 'EQUAL', 0, k('z')))).toBe(true);
      expect(await ok(compare(k('x'), 'VALUE', 'NOT_EQUAL', 'same', k('z')))).toBe(false);
      const pr = prefixRange(k(''));
      expect(
        (await backend.txn({ compare: [{ ...pr, target: 'MOD', result: 'GREATER', modRevision: 0 }] }))
          .succeeded,
      ).toBe(true);
    },
  },
  {
    name: 'compares are ANDed; the failure branch runs when one is false and succeeded says so',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('b'), value: '2' });
      const r0 = await currentRevision(backend);
      const t = await backend.txn({
        compare: [compare(k('a'), 'VALUE', 'EQUAL', '1'), compare(k('b'), 'VALUE', 'EQUAL', 'nope')],
        success: [{ requestPut: { key: k('s'), value: 'success' } }],
        failure: [{ requestPut: { key: k('f'), value: 'failure' } }, { requestRange: { key: k('a') } }],
      });
      expect(t.succeeded).toBe(false);
      expect(t.header.revision).toBe(r0 + 1);
      expect(t.responses).toHaveLength(2);
      expect('responsePut' in t.responses[0]!).toBe(true);
      expect(valuesOf(rangeAt(t.responses, 1).kvs)).toEqual(['1']);
      expect((await backend.range({ key: k('s') })).count).toBe(0);
      expect(valuesOf((await backend.range({ key: k('f') })).kvs)).toEqual(['failure']);
      const both = await backend.txn({
        compare: [compare(k('a'), 'VALUE', 'EQUAL', '1'), compare(k('b'), 'VALUE', 'EQUAL', '2')],
        success: [{ requestPut: { key: k('s'), value: 'success' } }],
      });
      expect(both.succeeded).toBe(true);
      expect(both.header.revision).toBe(r0 + 2);
      // No compares at all: success.
      expect((await backend.txn({})).succeeded).toBe(true);
    },
  },
  {
    name: 'one revision per txn, sub-ordered by op; responses in op order with prevKv and prevKvs',
    async run({ backend, k }) {
      await backend.put({ key: k('c'), value: 'old-c' });
      await backend.put({ key: k('d'), value: 'old-d' });
      const r0 = await currentRevision(backend);
      const t = await backend.txn({
        success: [
          { requestPut: { key: k('a'), value: '1', prevKv: true } },
          { requestPut: { key: k('c'), value: 'new-c', prevKv: true } },
          { requestDeleteRange: { key: k('d'), prevKv: true } },
          { requestRange: { ...prefixRange(k('')) } },
        ],
      });
      expect(t.succeeded).toBe(true);
      expect(t.header.revision).toBe(r0 + 1);
      const [p1, p2, d] = t.responses;
      expect('responsePut' in p1! && p1.responsePut.prevKv).toBeFalsy();
      expect('responsePut' in p2! && p2.responsePut.prevKv && toText(p2.responsePut.prevKv.value)).toBe(
        'old-c',
      );
      expect('responseDeleteRange' in d! && d.responseDeleteRange.deleted).toBe(1);
      expect('responseDeleteRange' in d! && valuesOf(d.responseDeleteRange.prevKvs)).toEqual(['old-d']);
      const seen = rangeAt(t.responses, 3);
      expect(keysOf(seen.kvs)).toEqual([k('a'), k('c')]);
      expect(seen.kvs.map((kv) => kv.modRevision)).toEqual([r0 + 1, r0 + 1]);
      const after = await backend.range(prefixRange(k('')));
      expect(after.kvs.map((kv) => [toText(kv.key), kv.modRevision, kv.version])).toEqual([
        [k('a'), r0 + 1, 1],
        [k('c'), r0 + 1, 2],
      ]);
      expect(await currentRevision(backend)).toBe(r0 + 1);
    },
  },
  {
    name: 'a txn that changes nothing keeps the revision (read-only, empty, deletes of nothing)',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: '1' });
      const r0 = await currentRevision(backend);
      const readOnly = await backend.txn({ success: [{ requestRange: { key: k('a') } }] });
      expect(readOnly.header.revision).toBe(r0);
      expect(valuesOf(rangeAt(readOnly.responses, 0).kvs)).toEqual(['1']);
      // The branch not taken writes; the one taken only reads.
      const untakenWrite = await backend.txn({
        compare: [compare(k('a'), 'VALUE', 'EQUAL', '1')],
        success: [{ requestRange: { key: k('a') } }],
        failure: [{ requestPut: { key: k('a'), value: '2' } }],
      });
      expect(untakenWrite.succeeded).toBe(true);
      expect(untakenWrite.header.revision).toBe(r0);
      const deleteNothing = await backend.txn({ success: [{ requestDeleteRange: { key: k('nothing') } }] });
      expect(deleteNothing.header.revision).toBe(r0);
      const nestedNothing = await backend.txn({
        success: [{ requestTxn: { success: [{ requestDeleteRange: { key: k('nothing') } }] } }],
      });
      expect(nestedNothing.header.revision).toBe(r0);
      expect(await currentRevision(backend)).toBe(r0);
      const nestedWrite = await backend.txn({
        success: [{ requestTxn: { success: [{ requestPut: { key: k('n'), value: 'x' } }] } }],
      });
      expect(nestedWrite.header.revision).toBe(r0 + 1);
      expect((await backend.range({ key: k('n') })).kvs[0]!.modRevision).toBe(r0 + 1);
    },
  },
  {
    name: 'ops read their own writes: puts, deletes and nested txns',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: 'old' });
      await backend.put({ key: k('gone'), value: 'x' });
      const r0 = await currentRevision(backend);
      const t = await backend.txn({
        success: [
          { requestRange: { key: k('a') } },
          { requestPut: { key: k('a'), value: 'new' } },
          { requestRange: { key: k('a') } },
          { requestDeleteRange: { key: k('gone') } },
          { requestRange: { key: k('gone') } },
          { requestTxn: { success: [{ requestRange: { key: k('a') } }] } },
          { requestRange: { key: k('a'), revision: r0 } },
        ],
      });
      expect(valuesOf(rangeAt(t.responses, 0).kvs)).toEqual(['old']);
      const afterPut = rangeAt(t.responses, 2).kvs[0]!;
      expect(toText(afterPut.value)).toBe('new');
      expect(afterPut).toMatchObject({ modRevision: r0 + 1, version: 2 });
      expect(rangeAt(t.responses, 4).count).toBe(0);
      expect(valuesOf(rangeAt(txnAt(t.responses, 5).responses, 0).kvs)).toEqual(['new']);
      // An explicit revision reads history, not the txn's writes.
      expect(valuesOf(rangeAt(t.responses, 6).kvs)).toEqual(['old']);
      expect(t.header.revision).toBe(r0 + 1);
    },
  },
  {
    name: "per-op headers: R before the txn's first change, R + 1 from it on (reads, history reads and deletes of nothing); a nested txn's header is empty",
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: '1' });
      const r0 = await currentRevision(backend);
      const t = await backend.txn({
        success: [
          { requestRange: { key: k('a') } },
          { requestDeleteRange: { key: k('nothing') } },
          { requestPut: { key: k('b'), value: 'x' } },
          { requestRange: { key: k('a') } },
          { requestRange: { key: k('a'), revision: r0 } },
          { requestDeleteRange: { key: k('nothing') } },
          { requestTxn: { success: [{ requestRange: { key: k('a') } }] } },
        ],
      });
      const revisions = t.responses.map((op) => {
        if ('responseRange' in op) return op.responseRange.header.revision;
        if ('responseDeleteRange' in op) return op.responseDeleteRange.header.revision;
        if ('responsePut' in op) return op.responsePut.header.revision;
        return op.responseTxn.header.revision;
      });
      // etcd's write txn reports its begin revision until it has staged a change, then begin + 1.
      expect(revisions).toEqual([r0, r0, r0 + 1, r0 + 1, r0 + 1, r0 + 1, 0]);
      expect(rangeAt(txnAt(t.responses, 6).responses, 0).header.revision).toBe(r0 + 1);
      expect(t.header.revision).toBe(r0 + 1);
    },
  },
  {
    name: 'nested txns report their own succeeded; nested compares see the pre-txn snapshot',
    async run({ backend, k }) {
      await backend.put({ key: k('a'), value: 'old' });
      const r0 = await currentRevision(backend);
      const t = await backend.txn({
        compare: [compare(k('a'), 'VALUE', 'EQUAL', 'old')],
        success: [
          { requestPut: { key: k('a'), value: 'new' } },
          {
            // Sees a = "old" (version 1) although the put above already ran.
            requestTxn: {
              compare: [compare(k('a'), 'VALUE', 'EQUAL', 'old'), compare(k('a'), 'VERSION', 'EQUAL', 1)],
              success: [{ requestPut: { key: k('b'), value: 'then' } }],
              failure: [{ requestPut: { key: k('b'), value: 'else' } }],
            },
          },
          {
            // A nested compare on a key created earlier in the txn: still missing in the snapshot.
            requestTxn: {
              compare: [compare(k('b'), 'CREATE', 'EQUAL', 0)],
              success: [{ requestPut: { key: k('c'), value: 'b-was-missing' } }],
              failure: [{ requestPut: { key: k('c'), value: 'b-existed' } }],
            },
          },
          {
            requestTxn: {
              compare: [compare(k('a'), 'VALUE', 'EQUAL', 'new')],
              success: [{ requestPut: { key: k('d'), value: 'saw-new' } }],
              failure: [
                { requestPut: { key: k('d'), value: 'saw-old' } },
                {
                  requestTxn: {
                    compare: [compare(k('a'), 'MOD', 'EQUAL', r0)],
                    success: [{ requestRange: { key: k('a') } }],
                  },
                },
              ],
            },
          },
        ],
      });
      expect(t.succeeded).toBe(true);
      expect(t.header.revision).toBe(r0 + 1);
      expect(t.responses).toHaveLength(4);
      expect(txnAt(t.responses, 1).succeeded).toBe(true);
      expect(txnAt(t.responses, 2).succeeded).toBe(true);
      const third = txnAt(t.responses, 3);
      expect(third.succeeded).toBe(false);
      expect(third.responses).toHaveLength(2);
      const inner = txnAt(third.responses, 1);
      expect(inner.succeeded).toBe(true);
      // The inner range runs after the outer put: it reads its own txn's write.
      expect(valuesOf(rangeAt(inner.responses, 0).kvs)).toEqual(['new']);
      const all = await backend.range(prefixRange(k('')));
      expect(all.kvs.map((kv) => [toText(kv.key), toText(kv.value), kv.modRevision])).toEqual([
        [k('a'), 'new', r0 + 1],
        [k('b'), 'then', r0 + 1],
        [k('c'), 'b-was-missing', r0 + 1],
        [k('d'), 'saw-old', r0 + 1],
      ]);
    },
  },
  {
    name: 'a put with a lease inside a txn attaches it; a range inside a txn honours its options',
    async run({ backend, k }) {
      const lease = await backend.leaseGrant({ ttl: 60 });
      for (const s of ['a', 'b', 'c']) await backend.put({ key: k(s), value: s });
      const r0 = await currentRevision(backend);
      const t = await backend.txn({
        success: [
          { requestPut: { key: k('l'), value: 'x', lease: lease.id } },
          { requestRange: { ...prefixRange(k('')), limit: 2, sortOrder: 'DESCEND' } },
          { requestRange: { ...prefixRange(k('')), countOnly: true } },
          { requestRange: { ...prefixRange(k('')), keysOnly: true, revision: r0 } },
        ],
      });
      const limited = rangeAt(t.responses, 1);
      expect(keysOf(limited.kvs)).toEqual([k('l'), k('c')]);
      expect(limited.more).toBe(true);
      expect(limited.count).toBe(4);
      expect(rangeAt(t.responses, 2).count).toBe(4);
      expect(rangeAt(t.responses, 2).kvs).toEqual([]);
      const keysOnly = rangeAt(t.responses, 3);
      expect(keysOf(keysOnly.kvs)).toEqual([k('a'), k('b'), k('c')]);
      expect(valuesOf(keysOnly.kvs)).toEqual(['', '', '']);
      expect((await backend.range({ key: k('l') })).kvs[0]!.lease).toBe(lease.id);
      await backend.leaseRevoke({ id: lease.id });
      expect((await backend.range({ key: k('l') })).count).toBe(0);
    },
  },
]);
