/**
 * Malformed input for the fuzzing test: empty keys, oversized values, inverted ranges, negative and huge
 * revisions, unknown leases, invalid option combinations, and wrong JavaScript types. Each case either
 * has a typed request the model can answer (the backend must give the model's answer, error class and
 * message included) or is a client-side type error (the backend must throw InvalidArgumentError, or
 * InvalidSortOptionError for sort enums). Cases that would crash etcd 3.4 are marked memory-only.
 */

import * as fc from 'fast-check';
import type { KvBackend } from '../../../src/interface/backend.js';
import { InvalidArgumentError, InvalidSortOptionError } from '../../../src/interface/errors.js';
import type { ModelRequest } from '../../../src/testing/model/index.js';

/** One malformed call. */
export interface BadCase {
  readonly name: string;
  /** A typed request the model answers (keys relative to the prefix are resolved by the caller). */
  readonly model?: (prefix: string) => ModelRequest;
  /** An untyped call; `expect` says which error class it must throw. */
  readonly raw?: (backend: KvBackend, prefix: string) => Promise<unknown>;
  readonly expect?: typeof InvalidArgumentError | typeof InvalidSortOptionError;
  /** Would crash a real etcd 3.4 if it reached the server (semantics §12): run on memory only. */
  readonly memoryOnly?: boolean;
}

const any = (v: unknown) => v as never;
const bigValue = (n: number) => 'v'.repeat(n);

/** Typed cases the model answers. */
const typed: fc.Arbitrary<BadCase>[] = [
  fc.constantFrom('', new Uint8Array()).map((key) => ({
    name: 'range with empty key',
    model: () => ({ type: 'range', request: { key } }),
  })),
  fc.constant<BadCase>({
    name: 'put with empty key',
    model: () => ({ type: 'put', request: { key: '', value: 'v' } }),
  }),
  fc.constant<BadCase>({
    name: 'delete with empty key',
    model: () => ({ type: 'deleteRange', request: { key: '' } }),
  }),
  fc.constant<BadCase>({
    name: 'txn compare with empty key',
    model: () => ({
      type: 'txn',
      request: { compare: [{ key: '', target: 'VERSION', result: 'EQUAL', version: 0 }] },
    }),
  }),
  fc.boolean().map((inFailure) => ({
    name: `txn op with empty key in the ${inFailure ? 'untaken' : 'taken'} branch`,
    model: (p: string): ModelRequest => ({
      type: 'txn',
      request: {
        [inFailure ? 'failure' : 'success']: [
          { requestPut: { key: '', value: 'v' } },
          { requestRange: { key: `${p}a` } },
        ],
      },
    }),
  })),
  fc.constant<BadCase>({
    name: 'txn with an empty RequestOp',
    model: () => ({ type: 'txn', request: { failure: [any({})] } }),
  }),
  fc.integer({ min: 1, max: 2 ** 40 }).map((n) => ({
    name: `range at future revision +${n}`,
    model: (): ModelRequest => ({ type: 'range', request: { key: 'x', revision: 10_000_000 + n } }),
  })),
  fc.integer({ min: -(2 ** 40), max: -1 }).map((revision) => ({
    name: `range at negative revision ${revision} (reads the current revision)`,
    model: (p: string): ModelRequest => ({ type: 'range', request: { key: p, rangeEnd: `${p}~`, revision } }),
  })),
  fc.constant<BadCase>({
    name: 'range at a compacted revision',
    model: (p) => ({ type: 'range', request: { key: `${p}a`, revision: 2 } }),
  }),
  fc.integer({ min: -(2 ** 40), max: 1 }).map((revision) => ({
    name: `compact at ${revision} (at or below the compact revision)`,
    model: (): ModelRequest => ({ type: 'compact', request: { revision } }),
  })),
  fc.integer({ min: 1, max: 2 ** 40 }).map((n) => ({
    name: 'compact at a future revision',
    model: (): ModelRequest => ({ type: 'compact', request: { revision: 10_000_000 + n } }),
  })),
  fc.constantFrom('range', 'deleteRange' as const).map((type) => ({
    name: `${type} over an inverted range`,
    model: (p: string): ModelRequest =>
      type === 'range'
        ? { type, request: { key: `${p}c`, rangeEnd: `${p}a` } }
        : { type, request: { key: `${p}c`, rangeEnd: `${p}a`, prevKv: true } },
  })),
  fc.integer({ min: -5, max: -1 }).map((limit) => ({
    name: `range with negative limit ${limit} (unlimited)`,
    model: (p: string): ModelRequest => ({ type: 'range', request: { key: p, rangeEnd: `${p}~`, limit } }),
  })),
  fc.bigInt(1n, 2n ** 62n).map((lease) => ({
    name: 'put with an unknown lease',
    model: (p: string): ModelRequest => ({
      type: 'put',
      request: { key: `${p}a`, value: 'v', lease: 7_000_000_000_000_000_000n + (lease % 1000n) },
    }),
  })),
  fc.constantFrom('leaseRevoke', 'leaseKeepAlive', 'leaseTimeToLive' as const).map((type) => ({
    name: `${type} of an unknown lease`,
    model: (): ModelRequest => ({ type, request: { id: 7_000_000_000_000_000_123n } }) as ModelRequest,
  })),
  fc.constant<BadCase>({
    name: 'put with ignore_value and a value',
    model: (p) => ({ type: 'put', request: { key: `${p}a`, value: 'v', ignoreValue: true } }),
  }),
  fc.constant<BadCase>({
    name: 'put with ignore_lease and a lease',
    model: (p) => ({ type: 'put', request: { key: `${p}a`, lease: 5n, ignoreLease: true } }),
  }),
  fc.constantFrom('ignoreValue', 'ignoreLease').map((flag) => ({
    name: `put with ${flag} on an absent key`,
    model: (p: string): ModelRequest => ({ type: 'put', request: { key: `${p}absent`, [flag]: true } }),
  })),
  fc.integer({ min: 129, max: 300 }).map((n) => ({
    name: `txn with ${n} ops`,
    model: (p: string): ModelRequest => ({
      type: 'txn',
      request: { success: Array.from({ length: n }, (_, i) => ({ requestRange: { key: `${p}k${i}` } })) },
    }),
  })),
  fc.integer({ min: 1, max: 127 }).chain((outer) =>
    fc.integer({ min: Math.max(0, 124 - outer), max: 130 - outer }).map((inner) => ({
      name: `nested txn with ${inner} ops under a parent of ${outer} (budget 128 − parent)`,
      model: (p: string): ModelRequest => ({
        type: 'txn',
        request: {
          success: [
            ...Array.from({ length: outer - 1 }, (_, i) => ({ requestRange: { key: `${p}k${i}` } })),
            {
              requestTxn: {
                failure: Array.from({ length: inner }, (_, i) => ({ requestRange: { key: `${p}n${i}` } })),
              },
            },
          ],
        },
      }),
    })),
  ),
  fc.constant<BadCase>({
    name: 'txn putting one key twice',
    model: (p) => ({
      type: 'txn',
      request: { success: [{ requestPut: { key: `${p}a` } }, { requestPut: { key: `${p}a` } }] },
    }),
  }),
  fc.constant<BadCase>({
    name: 'txn putting inside a deleted interval (nested)',
    model: (p) => ({
      type: 'txn',
      request: {
        failure: [
          { requestDeleteRange: { key: `${p}a`, rangeEnd: `${p}c` } },
          { requestTxn: { success: [{ requestPut: { key: `${p}b` } }] } },
        ],
      },
    }),
  }),
  fc.integer({ min: 9_000_000_001, max: 2 ** 50 }).map((ttl) => ({
    name: 'lease grant with too large a TTL',
    model: (): ModelRequest => ({ type: 'leaseGrant', request: { ttl } }),
  })),
  fc.constantFrom(1_572_900, 1_700_000).map((n) => ({
    name: `put of a ${n}-byte value`,
    model: (p: string): ModelRequest => ({ type: 'put', request: { key: `${p}big`, value: bigValue(n) } }),
  })),
  fc.constant<BadCase>({
    name: 'txn with a too-large put in the untaken branch',
    model: (p) => ({
      type: 'txn',
      request: { failure: [{ requestPut: { key: `${p}big`, value: bigValue(1_700_000) } }] },
    }),
  }),
  fc.constant<BadCase>({
    name: 'range with an invalid sort target (crashes etcd 3.4)',
    model: (p) => ({ type: 'range', request: { key: `${p}a`, sortTarget: any('BOGUS') } }),
    memoryOnly: true,
  }),
  fc.constant<BadCase>({
    name: 'read-only txn range with an invalid sort target (crashes etcd 3.4)',
    model: (p) => ({
      type: 'txn',
      request: { success: [{ requestRange: { key: `${p}a`, sortTarget: any('BOGUS') } }] },
    }),
    memoryOnly: true,
  }),
];

/** Values of the wrong JavaScript type for a key, value, number, bigint or boolean field. */
const notBytes = fc.constantFrom<unknown>(5, null, true, {}, [], 5n, Symbol.for('k'));
const notInt = fc.constantFrom<unknown>(
  '1',
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 60,
  1n,
  null,
  {},
);
const notBigint = fc.constantFrom<unknown>(5, '5', 1.5, null, 2n ** 64n, -(2n ** 64n));
const notBool = fc.constantFrom<unknown>('yes', 1, {}, null);
const notRequest = fc.constantFrom<unknown>(null, undefined, 'k', 5, true, []);

/** Wrong-type cases: the backend must throw InvalidArgumentError before sending anything. */
const untyped: fc.Arbitrary<BadCase>[] = [
  notBytes.map((key) => ({ name: `range key ${String(key)}`, raw: (b) => b.range(any({ key })) })),
  notBytes.map((key) => ({ name: `put key ${String(key)}`, raw: (b) => b.put(any({ key, value: 'v' })) })),
  notBytes
    .filter((v) => v !== null)
    .map((value) => ({
      name: `put value ${String(value)}`,
      raw: (b, p) => b.put(any({ key: `${p}a`, value })),
    })),
  notBytes.map((rangeEnd) => ({
    name: `deleteRange rangeEnd ${String(rangeEnd)}`,
    raw: (b, p) => b.deleteRange(any({ key: `${p}a`, rangeEnd })),
  })),
  fc
    .tuple(fc.constantFrom('limit', 'revision', 'minModRevision', 'maxCreateRevision'), notInt)
    .map(([field, v]) => ({
      name: `range ${field} ${String(v)}`,
      raw: (b, p) => b.range(any({ key: `${p}a`, [field]: v })),
    })),
  notBigint.map((lease) => ({
    name: `put lease ${String(lease)}`,
    raw: (b, p) => b.put(any({ key: `${p}a`, lease })),
  })),
  fc.tuple(fc.constantFrom('leaseRevoke', 'leaseKeepAlive', 'leaseTimeToLive'), notBigint).map(([m, id]) => ({
    name: `${m} id ${String(id)}`,
    raw: (b) => (b[m as 'leaseRevoke'] as (r: unknown) => Promise<unknown>).call(b, { id }),
  })),
  notInt.map((ttl) => ({ name: `leaseGrant ttl ${String(ttl)}`, raw: (b) => b.leaseGrant(any({ ttl })) })),
  notInt.map((revision) => ({
    name: `compact revision ${String(revision)}`,
    raw: (b) => b.compact(any({ revision })),
  })),
  fc.tuple(fc.constantFrom('prevKv', 'keysOnly', 'countOnly'), notBool).map(([field, v]) => ({
    name: `range/put ${field} ${String(v)}`,
    raw: (b, p) =>
      field === 'prevKv'
        ? b.put(any({ key: `${p}a`, prevKv: v }))
        : b.range(any({ key: `${p}a`, [field]: v })),
  })),
  fc.constantFrom('range', 'put', 'deleteRange', 'txn', 'compact', 'leaseGrant').chain((m) =>
    notRequest.map((r) => ({
      name: `${m}(${String(r)})`,
      raw: (b: KvBackend) => (b[m as 'range'] as (r: unknown) => Promise<unknown>).call(b, r),
    })),
  ),
  fc.constantFrom<unknown>('x', 5, null, {}).map((success) => ({
    name: `txn success ${String(success)}`,
    raw: (b) => b.txn(any({ success })),
  })),
  fc.constantFrom('BOGUS', 'equal', 5).map((result) => ({
    name: `txn compare result ${String(result)}`,
    raw: (b, p) => b.txn(any({ compare: [{ key: `${p}a`, target: 'VERSION', result, version: 1 }] })),
  })),
  fc.constantFrom('BOGUS', 'version', 5).map((target) => ({
    name: `txn compare target ${String(target)}`,
    raw: (b, p) => b.txn(any({ compare: [{ key: `${p}a`, target, result: 'EQUAL', version: 1 }] })),
  })),
  fc.constantFrom('SIDEWAYS', 'ascend', 3).map((sortOrder) => ({
    name: `range sortOrder ${String(sortOrder)}`,
    raw: (b, p) => b.range(any({ key: `${p}a`, sortOrder })),
    expect: InvalidSortOptionError,
  })),
];

/** Any bad case. */
export const badCase: fc.Arbitrary<BadCase> = fc
  .oneof(...typed, ...untyped)
  .map((c) => (c.raw && !c.expect ? { ...c, expect: InvalidArgumentError } : c));
