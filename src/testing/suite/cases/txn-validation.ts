/** Txn validation: op limits, duplicate keys, empty keys and ops, apply-time checks; never a partial effect. */

import { prefixRange, ZERO_KEY } from '../../../common/bytes.js';
import {
  DuplicateKeyError,
  EmptyKeyError,
  FutureRevisionError,
  KeyNotFoundError,
  LeaseNotFoundError,
  RequestTooLargeError,
  TooManyOpsError,
} from '../../../interface/errors.js';
import type { RequestOp, TxnRequest } from '../../../interface/kv.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { currentRevision, expectRejects, keysOf, valuesOf } from '../helpers.js';
import { unusedLeaseId } from './put.js';
import { compare } from './txn.js';

const put = (key: string, value = 'v'): RequestOp => ({ requestPut: { key, value } });
const del = (key: string, rangeEnd?: string | Uint8Array): RequestOp => ({
  requestDeleteRange: rangeEnd === undefined ? { key } : { key, rangeEnd },
});
const puts = (ctx: CaseContext, n: number, tag: string): RequestOp[] =>
  Array.from({ length: n }, (_, i) => put(ctx.k(`${tag}${String(i).padStart(3, '0')}`)));

/** Expect `request` to be rejected with `cls` and to leave revision and this case's keys unchanged. */
async function rejectsCleanly(
  ctx: CaseContext,
  request: TxnRequest,
  cls: Parameters<typeof expectRejects>[1],
  message: string,
): Promise<void> {
  const r = await currentRevision(ctx.backend);
  const before = await ctx.backend.range(prefixRange(ctx.k('')));
  await expectRejects(ctx.backend.txn(request), cls, {
    message,
    grpcCode: cls === LeaseNotFoundError ? 5 : 3,
  });
  expect(await currentRevision(ctx.backend)).toBe(r);
  const after = await ctx.backend.range(prefixRange(ctx.k('')));
  expect(after.kvs).toEqual(before.kvs);
}

const TOO_MANY = 'etcdserver: too many operations in txn request';
const DUPLICATE = 'etcdserver: duplicate key given in txn request';
const EMPTY_KEY = 'etcdserver: key is not provided';
const KEY_NOT_FOUND = 'etcdserver: key not found';

export default defineCases('txn validation', [
  {
    name: '128 ops are accepted; 129 in compares, success or failure are too many',
    timeoutMs: 60_000,
    async run(ctx) {
      const { backend, k } = ctx;
      const ok = await backend.txn({ success: puts(ctx, 128, 's') });
      expect(ok.responses).toHaveLength(128);
      const r = ok.header.revision;
      expect((await backend.range(prefixRange(k('s')))).count).toBe(128);
      const cmps = Array.from({ length: 129 }, (_, i) => compare(k(`c${i}`), 'VERSION', 'EQUAL', 0));
      await rejectsCleanly(ctx, { compare: cmps }, TooManyOpsError, TOO_MANY);
      await rejectsCleanly(ctx, { success: puts(ctx, 129, 't') }, TooManyOpsError, TOO_MANY);
      await rejectsCleanly(ctx, { failure: puts(ctx, 129, 't') }, TooManyOpsError, TOO_MANY);
      const reads = Array.from({ length: 129 }, (): RequestOp => ({ requestRange: { key: k('s000') } }));
      await rejectsCleanly(ctx, { success: reads }, TooManyOpsError, TOO_MANY);
      expect(await currentRevision(backend)).toBe(r);
      const e = await expectRejects(backend.txn({ success: puts(ctx, 129, 't') }), TooManyOpsError);
      expect(e.code).toBe('ErrTooManyOps');
    },
  },
  {
    name: 'a nested txn gets the budget 128 minus its parent’s op count',
    timeoutMs: 60_000,
    async run(ctx) {
      const nested = (n: number): RequestOp => ({ requestTxn: { success: puts(ctx, n, 'n') } });
      // Parent has 100 ops (99 puts + the nested txn): the nested txn may have at most 28.
      await rejectsCleanly(ctx, { success: [...puts(ctx, 99, 'p'), nested(29)] }, TooManyOpsError, TOO_MANY);
      await rejectsCleanly(
        ctx,
        { success: [put(ctx.k('x'))], failure: [...puts(ctx, 99, 'p'), nested(29)] },
        TooManyOpsError,
        TOO_MANY,
      );
      const ok = await ctx.backend.txn({ success: [...puts(ctx, 99, 'p'), nested(28)] });
      expect(ok.responses).toHaveLength(100);
      expect((await ctx.backend.range(prefixRange(ctx.k('n')))).count).toBe(28);
    },
  },
  {
    name: 'duplicate puts and puts inside a bounded delete are rejected, on either branch and when nested',
    async run(ctx) {
      const { k } = ctx;
      await ctx.backend.put({ key: k('b'), value: 'existing' });
      const bad: [string, TxnRequest][] = [
        ['put twice', { success: [put(k('a')), put(k('a'), 'w')] }],
        ['put twice, key exists', { success: [put(k('b')), put(k('b'))] }],
        [
          'put twice in the branch not taken',
          { success: [put(k('z'))], failure: [put(k('a')), put(k('a'))] },
        ],
        ['put then bounded delete over it', { success: [put(k('b')), del(k('a'), k('c'))] }],
        ['bounded delete then put inside', { success: [del(k('a'), k('c')), put(k('b'))] }],
        ['single-key delete then put of it', { success: [del(k('a')), put(k('a'))] }],
        ['put then single-key delete of it', { success: [put(k('a')), del(k('a'))] }],
        [
          'nested put inside the parent’s bounded delete',
          { success: [del(k('a'), k('c')), { requestTxn: { success: [put(k('b'))] } }] },
        ],
        [
          'parent put, nested put of the same key',
          { success: [put(k('a')), { requestTxn: { failure: [put(k('a'))] } }] },
        ],
        [
          'nested delete over the parent’s put',
          { success: [put(k('b')), { requestTxn: { success: [del(k('a'), k('c'))] } }] },
        ],
        [
          'two nested txns putting the same key',
          {
            success: [{ requestTxn: { success: [put(k('a'))] } }, { requestTxn: { success: [put(k('a'))] } }],
          },
        ],
      ];
      for (const [what, request] of bad) {
        try {
          await rejectsCleanly(ctx, request, DuplicateKeyError, DUPLICATE);
        } catch (error) {
          throw new Error(`${what}: ${String(error)}`);
        }
      }
    },
  },
  {
    name: 'overlapping deletes, then/else puts of one nested txn, and disjoint ranges are fine',
    async run(ctx) {
      const { backend, k } = ctx;
      for (const s of ['a', 'b', 'c', 'd']) await backend.put({ key: k(s), value: s });
      const r0 = await currentRevision(backend);
      const overlapping = await backend.txn({
        success: [del(k('a'), k('c')), del(k('b'), k('d')), del(k('b')), put(k('e'))],
      });
      expect(overlapping.header.revision).toBe(r0 + 1);
      const deleted = overlapping.responses
        .slice(0, 3)
        .map((op) => ('responseDeleteRange' in op ? op.responseDeleteRange.deleted : -1));
      expect(deleted).toEqual([2, 1, 0]);
      expect(keysOf((await backend.range(prefixRange(k('')))).kvs)).toEqual([k('d'), k('e')]);
      const thenElse = await backend.txn({
        success: [
          {
            requestTxn: {
              compare: [compare(k('d'), 'VALUE', 'EQUAL', 'd')],
              success: [put(k('x'), 'then')],
              failure: [put(k('x'), 'else')],
            },
          },
        ],
        failure: [put(k('x'), 'outer-else')],
      });
      expect(thenElse.header.revision).toBe(r0 + 2);
      expect(valuesOf((await backend.range({ key: k('x') })).kvs)).toEqual(['then']);
      // The same key in the success and failure branches of one txn is fine too.
      const branches = await backend.txn({ success: [put(k('y'), 's')], failure: [put(k('y'), 'f')] });
      expect(branches.succeeded).toBe(true);
      // A put just outside a bounded delete's interval (the end is exclusive).
      const edge = await backend.txn({ success: [del(k('a'), k('d')), put(k('d'), 'kept')] });
      expect(edge.header.revision).toBe(r0 + 4);
      expect(valuesOf((await backend.range({ key: k('d') })).kvs)).toEqual(['kept']);
    },
  },
  {
    name: 'a put inside a from-key delete is accepted and the ops apply in order (semantics §12)',
    async run(ctx) {
      const { backend, k } = ctx;
      // A from-key delete reaches every key after ours; start it at this case's last-sorting keys.
      await backend.put({ key: k('zz/c'), value: 'old' });
      const r0 = await currentRevision(backend);
      const putThenDelete = await backend.txn({ success: [put(k('zz/x'), 'x'), del(k('zz/'), ZERO_KEY)] });
      expect(putThenDelete.header.revision).toBe(r0 + 1);
      const d1 = putThenDelete.responses[1]!;
      expect('responseDeleteRange' in d1 && d1.responseDeleteRange.deleted).toBeGreaterThanOrEqual(2);
      expect((await backend.range(prefixRange(k('zz/')))).count).toBe(0);
      await backend.put({ key: k('zz/c'), value: 'again' });
      const deleteThenPut = await backend.txn({ success: [del(k('zz/'), ZERO_KEY), put(k('zz/c'), 'new')] });
      expect(deleteThenPut.header.revision).toBe(r0 + 3);
      const kv = (await backend.range({ key: k('zz/c') })).kvs[0]!;
      // Re-created at the txn's revision: a new generation.
      expect(kv).toMatchObject({ createRevision: r0 + 3, modRevision: r0 + 3, version: 1 });
    },
  },
  {
    name: 'ignoreValue put after a covering from-key delete: key not found; in the untaken branch (known difference)',
    async run(ctx) {
      const { backend, k } = ctx;
      await backend.put({ key: k('zy/c'), value: 'old' });
      const r0 = await currentRevision(backend);
      const shape: RequestOp[] = [
        del(k('zy/'), ZERO_KEY),
        { requestPut: { key: k('zy/c'), ignoreValue: true } },
      ];
      // Taken path: the key is gone after the delete, so the put has nothing to keep (3.4.23 would crash
      // here; every backend refuses it before the server sees it).
      await expectRejects(backend.txn({ success: shape }), KeyNotFoundError, {
        message: 'etcdserver: key not found',
      });
      // Untaken path: etcd would only apply the empty success branch.
      const untaken = backend.txn({ compare: [], success: [], failure: shape });
      if (differs('crashShapeGuard', ctx)) await expectRejects(untaken, KeyNotFoundError);
      else expect((await untaken).succeeded).toBe(true);
      expect(await currentRevision(backend)).toBe(r0);
      expect(valuesOf((await backend.range({ key: k('zy/c') })).kvs)).toEqual(['old']);
    },
  },
  {
    name: 'empty keys and empty ops are rejected in either branch and in compares',
    async run(ctx) {
      const { k } = ctx;
      const cases: [string, TxnRequest, typeof EmptyKeyError | typeof KeyNotFoundError, string][] = [
        [
          'empty compare key',
          { compare: [compare('', 'VERSION', 'EQUAL', 0)], success: [put(k('a'))] },
          EmptyKeyError,
          EMPTY_KEY,
        ],
        ['empty put key', { success: [put('')] }, EmptyKeyError, EMPTY_KEY],
        ['empty range key', { success: [{ requestRange: { key: '' } }] }, EmptyKeyError, EMPTY_KEY],
        ['empty delete key', { success: [put(k('a')), del('')] }, EmptyKeyError, EMPTY_KEY],
        [
          'empty put key in the untaken branch',
          { success: [put(k('a'))], failure: [put('')] },
          EmptyKeyError,
          EMPTY_KEY,
        ],
        [
          'empty range key nested',
          { success: [{ requestTxn: { failure: [{ requestRange: { key: '' } }] } }] },
          EmptyKeyError,
          EMPTY_KEY,
        ],
        ['empty op', { success: [put(k('a')), {} as RequestOp] }, KeyNotFoundError, KEY_NOT_FOUND],
        [
          'empty op in the untaken branch',
          { success: [put(k('a'))], failure: [{} as RequestOp] },
          KeyNotFoundError,
          KEY_NOT_FOUND,
        ],
        [
          'empty op nested',
          { success: [{ requestTxn: { success: [{} as RequestOp] } }] },
          KeyNotFoundError,
          KEY_NOT_FOUND,
        ],
      ];
      for (const [what, request, cls, message] of cases) {
        try {
          await rejectsCleanly(ctx, request, cls, message);
        } catch (error) {
          throw new Error(`${what}: ${String(error)}`);
        }
      }
    },
  },
  {
    name: 'apply-time checks run on the taken path only, against the pre-txn state',
    async run(ctx) {
      const { backend, k } = ctx;
      await backend.put({ key: k('a'), value: 'a' });
      const r0 = await currentRevision(backend);
      const unknownLease = unusedLeaseId();
      const traps: RequestOp[] = [
        { requestPut: { key: k('l'), value: 'x', lease: unknownLease } },
        { requestPut: { key: k('missing'), ignoreValue: true } },
        { requestPut: { key: k('missing2'), value: 'x', ignoreLease: true } },
        { requestRange: { key: k('a'), revision: r0 + 100 } },
      ];
      // Untaken: accepted, and the taken branch's write happens.
      const untaken = await backend.txn({
        compare: [compare(k('a'), 'VALUE', 'EQUAL', 'a')],
        success: [put(k('ok'), 'ran')],
        failure: traps,
      });
      expect(untaken.succeeded).toBe(true);
      expect(untaken.header.revision).toBe(r0 + 1);
      // Taken: each trap rejects the whole txn, including a write before it.
      const expected: [Parameters<typeof expectRejects>[1], string][] = [
        [LeaseNotFoundError, 'etcdserver: requested lease not found'],
        [KeyNotFoundError, KEY_NOT_FOUND],
        [KeyNotFoundError, KEY_NOT_FOUND],
        [FutureRevisionError, 'etcdserver: mvcc: required revision is a future revision'],
      ];
      for (const [i, trap] of traps.entries()) {
        const [cls, message] = expected[i]!;
        const r = await currentRevision(backend);
        await expectRejects(backend.txn({ success: [put(k('partial'), 'no'), trap] }), cls, { message });
        await expectRejects(
          backend.txn({
            compare: [compare(k('a'), 'VALUE', 'EQUAL', 'no')],
            failure: [put(k('partial'), 'no'), trap],
          }),
          cls,
          { message },
        );
        await expectRejects(
          backend.txn({ success: [put(k('partial'), 'no'), { requestTxn: { success: [trap] } }] }),
          cls,
          { message },
        );
        expect(await currentRevision(backend)).toBe(r);
        expect((await backend.range({ key: k('partial') })).count).toBe(0);
      }
      // A nested txn whose trap is on its untaken side is fine.
      const nestedUntaken = await backend.txn({
        success: [
          {
            requestTxn: {
              compare: [compare(k('a'), 'VALUE', 'EQUAL', 'zzz')],
              success: traps,
              failure: [put(k('n'))],
            },
          },
        ],
      });
      expect(nestedUntaken.header.revision).toBe(r0 + 2);
      // ignoreValue on a key that exists before the txn works inside it.
      const ignore = await backend.txn({ success: [{ requestPut: { key: k('a'), ignoreValue: true } }] });
      expect(ignore.header.revision).toBe(r0 + 3);
      expect((await backend.range({ key: k('a') })).kvs[0]).toMatchObject({
        version: 2,
        modRevision: r0 + 3,
      });
      expect(valuesOf((await backend.range({ key: k('a') })).kvs)).toEqual(['a']);
    },
  },
  {
    name: 'a too-large write fails the txn even in the branch not taken',
    timeoutMs: 60_000,
    async run(ctx) {
      const { k } = ctx;
      const tooBig = new Uint8Array(1_600_000).fill(0x62);
      await rejectsCleanly(
        ctx,
        { success: [put(k('small'))], failure: [{ requestPut: { key: k('big'), value: tooBig } }] },
        RequestTooLargeError,
        'etcdserver: request is too large',
      );
      await rejectsCleanly(
        ctx,
        { success: [put(k('small')), { requestPut: { key: k('big'), value: tooBig } }] },
        RequestTooLargeError,
        'etcdserver: request is too large',
      );
    },
  },
]);
