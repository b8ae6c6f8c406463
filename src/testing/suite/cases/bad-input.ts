/**
 * Bad input: wrong JavaScript types are refused client-side with InvalidArgumentError naming what was
 * received, invalid sort options with InvalidSortOptionError; no rejected request changes anything.
 * Kept last in the run order: an invalid sort target sent to a raw 3.4 server would crash it.
 */

import { prefixRange } from '../../../common/bytes.js';
import { describe as describeValue } from '../../../common/validate.js';
import type { KvBackend } from '../../../interface/backend.js';
import { InvalidArgumentError, InvalidSortOptionError } from '../../../interface/errors.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision } from '../helpers.js';

/** Call `backend[method](arg)` bypassing the static types, as a JavaScript caller could. */
function callLoosely(backend: KvBackend, method: keyof KvBackend, arg: unknown): Promise<unknown> {
  const fn = backend[method] as unknown as (a: unknown) => Promise<unknown>;
  try {
    return Promise.resolve(fn.call(backend, arg));
  } catch (error) {
    // A synchronous throw counts as a rejection too.
    return Promise.reject(error);
  }
}

/** Expect every call to reject with `cls` and leave revision and this case's keys untouched. */
async function rejectAllCleanly(
  ctx: CaseContext,
  calls: [string, keyof KvBackend, unknown, unknown][],
  check: (error: unknown, received: unknown, what: string) => void,
): Promise<void> {
  await ctx.backend.put({ key: ctx.k('existing'), value: 'v' });
  const r = await currentRevision(ctx.backend);
  const before = await ctx.backend.range(prefixRange(ctx.k('')));
  for (const [what, method, arg, received] of calls) {
    let caught: unknown;
    try {
      await callLoosely(ctx.backend, method, arg);
    } catch (error) {
      caught = error;
    }
    check(caught, received, what);
  }
  expect(await currentRevision(ctx.backend)).toBe(r);
  expect((await ctx.backend.range(prefixRange(ctx.k('')))).kvs).toEqual(before.kvs);
}

export default defineCases('bad input', [
  {
    name: 'wrong types are InvalidArgumentError naming what was received; nothing changes',
    async run(ctx) {
      const { k } = ctx;
      const calls: [string, keyof KvBackend, unknown, unknown][] = [
        ['put key number', 'put', { key: 42, value: 'v' }, 42],
        ['put key null', 'put', { key: null, value: 'v' }, null],
        ['put value number', 'put', { key: k('a'), value: 7 }, 7],
        ['put value object', 'put', { key: k('a'), value: { text: 'x' } }, { text: 'x' }],
        ['put lease number', 'put', { key: k('a'), value: 'v', lease: 5 }, 5],
        ['put lease above int64', 'put', { key: k('a'), value: 'v', lease: 2n ** 64n }, 2n ** 64n],
        ['put prevKv string', 'put', { key: k('a'), value: 'v', prevKv: 'yes' }, 'yes'],
        ['put request null', 'put', null, null],
        ['range limit fraction', 'range', { key: k('a'), limit: 1.5 }, 1.5],
        ['range revision string', 'range', { key: k('a'), revision: '3' }, '3'],
        ['range key array', 'range', { key: [1, 2] }, [1, 2]],
        ['range request undefined', 'range', undefined, undefined],
        ['delete rangeEnd number', 'deleteRange', { key: k('a'), rangeEnd: 12 }, 12],
        ['delete key bigint', 'deleteRange', { key: 5n }, 5n],
        [
          'txn compare version string',
          'txn',
          { compare: [{ key: k('a'), target: 'VERSION', result: 'EQUAL', version: 'x' }] },
          'x',
        ],
        ['txn put key number', 'txn', { success: [{ requestPut: { key: 5, value: 'v' } }] }, 5],
        [
          'txn nested range limit',
          'txn',
          { success: [{ requestTxn: { failure: [{ requestRange: { key: k('a'), limit: NaN } }] } }] },
          NaN,
        ],
        ['compact revision string', 'compact', { revision: 'x' }, 'x'],
        ['lease grant ttl string', 'leaseGrant', { ttl: '60' }, '60'],
        ['lease grant id number', 'leaseGrant', { ttl: 60, id: 5 }, 5],
        ['lease revoke id number', 'leaseRevoke', { id: 5 }, 5],
        ['lease keepalive id string', 'leaseKeepAlive', { id: 'x' }, 'x'],
        ['lease timeToLive id fraction', 'leaseTimeToLive', { id: 1.5 }, 1.5],
      ];
      await rejectAllCleanly(ctx, calls, (error, received, what) => {
        expect(error, what).toBeInstanceOf(InvalidArgumentError);
        const e = error as InvalidArgumentError;
        expect(e.code, what).toBe('ErrInvalidArgument');
        expect(e.grpcCode, what).toBe(3);
        expect(e.message, what).toContain(describeValue(received));
      });
      // The put with a bad lease type must not have created the key.
      expect((await ctx.backend.range({ key: k('a') })).count).toBe(0);
    },
  },
  {
    name: 'an invalid sort option is InvalidSortOptionError on every backend (validated client-side)',
    async run(ctx) {
      const { k } = ctx;
      // On etcd 3.4 the server has no such error (differences.ts: invalidSortOption): the backend must
      // refuse before sending, so the caller-visible behaviour is the same on both sides.
      const order = [
        ['range sort order', 'range', { key: k('a'), sortOrder: 'UP' }],
        [
          'txn range sort order',
          'txn',
          { success: [{ requestRange: { key: k('a'), sortOrder: 'SIDEWAYS' } }] },
        ],
      ] as const;
      const target = [
        ['range sort target', 'range', { key: k('a'), sortTarget: 'SIZE' }],
        ['txn range sort target', 'txn', { success: [{ requestRange: { key: k('a'), sortTarget: 7 } }] }],
        [
          'nested txn range sort target',
          'txn',
          {
            failure: [{ requestTxn: { success: [{ requestRange: { key: k('a'), sortTarget: 'LEASE' } }] } }],
          },
        ],
      ] as const;
      // Orders first: harmless on a raw 3.4 server, so a backend that forgot the check fails here
      // before the targets (which would crash 3.4) are tried.
      for (const group of [order, target]) {
        const calls = group.map(
          ([what, method, arg]) =>
            [what, method, arg, undefined] as [string, keyof KvBackend, unknown, unknown],
        );
        await rejectAllCleanly(ctx, calls, (error, _received, what) => {
          expect(error, what).toBeInstanceOf(InvalidSortOptionError);
          const e = error as InvalidSortOptionError;
          expect(e.message, what).toBe('etcdserver: invalid sort option');
          expect(e.code, what).toBe('ErrInvalidSortOption');
          expect(e.grpcCode, what).toBe(3);
        });
      }
      // Valid options still work after the refusals.
      const ok = await ctx.backend.range({ key: k('existing'), sortOrder: 'DESCEND', sortTarget: 'VALUE' });
      expect(ok.count).toBe(1);
    },
  },
]);
