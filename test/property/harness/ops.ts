/**
 * Random operation sequences in "template" form: keys are suffixes under a per-sequence prefix
 * (resolved by `resolve`), revisions may be `{ back: n }` (n below the model's current revision at that
 * point), lease IDs are model IDs (explicit 1..2, or the model's auto IDs from AUTO_LEASE_BASE).
 */

import * as fc from 'fast-check';
import type { ModelRequest } from '../../../src/testing/model/index.js';

/** The model's first server-chosen lease ID in property tests (kept apart from explicit IDs 1..2). */
export const AUTO_LEASE_BASE = 1_000_001n;

/** What a generator may produce. */
export interface GenConfig {
  /** Clock advances and short TTLs (memory with ManualClock only). */
  readonly time: boolean;
  /** Maximum ops per sequence. */
  readonly maxOps: number;
}

// Non-ASCII and NUL bytes too: keys are bytes, ordered bytewise (ÿ is UTF-8 c3 bf).
const SUFFIXES = ['a', 'b', 'b/1', 'b\u0000', 'c', 'd', 'ÿ'];
/** Range ends: a suffix, "\0" (from-key), or END (the prefix end: every key of the sequence). */
export const END = '\u0001END';
const VALUES = ['', 'x', 'y', 'yy', 'z'];

const suffix = fc.constantFrom(...SUFFIXES);
const value = fc.constantFrom(...VALUES);
const leaseRef = fc.oneof(
  { weight: 10, arbitrary: fc.constant(0n) },
  { weight: 3, arbitrary: fc.bigInt(1n, 2n) },
  { weight: 2, arbitrary: fc.bigInt(AUTO_LEASE_BASE, AUTO_LEASE_BASE + 1n) },
);
/** The lease of a revoke, keepalive or TTL request: mostly one that may have been granted. */
const leaseTarget = fc.constantFrom(1n, 2n, AUTO_LEASE_BASE, AUTO_LEASE_BASE + 1n, 0n);
/** A revision: absolute (model space), or `back` from the current revision (−1 = the future). */
const revSpec = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((n) => n as unknown as number),
  fc.integer({ min: -1, max: 5 }).map((back) => ({ back }) as unknown as number),
);

const keyRange = fc.oneof(
  { weight: 4, arbitrary: suffix.map((key) => ({ key })) },
  { weight: 2, arbitrary: fc.tuple(suffix, suffix).map(([key, rangeEnd]) => ({ key, rangeEnd })) },
  { weight: 2, arbitrary: suffix.map((key) => ({ key, rangeEnd: END })) },
  { weight: 1, arbitrary: suffix.map((key) => ({ key, rangeEnd: '\0' })) },
  { weight: 1, arbitrary: fc.constant({ key: '\0', rangeEnd: '\0' }) },
);

const rangeRequest = fc
  .record(
    {
      limit: fc.integer({ min: 0, max: 3 }),
      revision: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: revSpec }),
      sortOrder: fc.constantFrom('NONE', 'ASCEND', 'DESCEND' as const),
      sortTarget: fc.constantFrom('KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE' as const),
      keysOnly: fc.boolean(),
      countOnly: fc.boolean(),
      serializable: fc.boolean(),
      minModRevision: revSpec,
      maxModRevision: revSpec,
      minCreateRevision: revSpec,
      maxCreateRevision: revSpec,
    },
    { requiredKeys: [] },
  )
  .chain((opts) => keyRange.map((r) => ({ ...r, ...opts })));

const putRequest = fc
  .record({
    key: suffix,
    value,
    lease: leaseRef,
    prevKv: fc.boolean(),
    ignore: fc.constantFrom('none', 'none', 'none', 'none', 'none', 'none', 'value', 'lease', 'both'),
  })
  .map(({ ignore, ...p }) => {
    if (ignore === 'value' || ignore === 'both') p.value = '';
    if (ignore === 'lease' || ignore === 'both') p.lease = 0n;
    return {
      ...p,
      ...(ignore === 'value' || ignore === 'both' ? { ignoreValue: true } : {}),
      ...(ignore === 'lease' || ignore === 'both' ? { ignoreLease: true } : {}),
    };
  });

const deleteRequest = fc.record({ prevKv: fc.boolean() }).chain((o) => keyRange.map((r) => ({ ...r, ...o })));

const compare = fc
  .record({
    range: keyRange,
    result: fc.constantFrom('EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL' as const),
    target: fc.constantFrom('VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE' as const),
    n: fc.integer({ min: 0, max: 4 }),
    rev: fc.oneof(fc.constant(0), revSpec),
    value,
    lease: leaseRef,
  })
  .map(({ range, result, target, n, rev, value: v, lease }) => {
    const base = { ...range, result };
    switch (target) {
      case 'VERSION':
        return { ...base, target, version: n };
      case 'CREATE':
        return { ...base, target, createRevision: rev };
      case 'MOD':
        return { ...base, target, modRevision: rev };
      case 'VALUE':
        return { ...base, target, value: v };
      default:
        // Server-chosen IDs are random: LESS/GREATER against one has no reproducible answer, so order
        // compares use 0 or an explicit ID (both keep their order under the model ↔ server mapping).
        return {
          ...base,
          target,
          lease:
            (result === 'LESS' || result === 'GREATER') && lease >= AUTO_LEASE_BASE
              ? lease - AUTO_LEASE_BASE + 1n
              : lease,
        };
    }
  });

/** A txn of nesting depth ≤ depth. */
function txnRequest(depth: number): fc.Arbitrary<object> {
  const op: fc.Arbitrary<object> = fc.oneof(
    { weight: 3, arbitrary: rangeRequest.map((requestRange) => ({ requestRange })) },
    { weight: 4, arbitrary: putRequest.map((requestPut) => ({ requestPut })) },
    { weight: 2, arbitrary: deleteRequest.map((requestDeleteRange) => ({ requestDeleteRange })) },
    ...(depth > 0
      ? [{ weight: 1, arbitrary: txnRequest(depth - 1).map((requestTxn) => ({ requestTxn })) }]
      : []),
  );
  return fc.record({
    compare: fc.array(compare, { maxLength: 2 }),
    success: fc.array(op, { maxLength: 3 }),
    failure: fc.array(op, { maxLength: 2 }),
  });
}

/**
 * Write-heavy txns on three keys for the txn validation rules (duplicate keys across nested levels,
 * puts inside deleted intervals, from-key deletes, then/else puts): plain puts, deletes with bounded,
 * inverted and from-key ranges, and nested txns up to depth 3 with version compares.
 */
export function writeTxn(depth = 3): fc.Arbitrary<ModelRequest> {
  const key = fc.constantFrom('a', 'b', 'c');
  const op: fc.Arbitrary<object> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ key, value }).map((requestPut) => ({ requestPut })) },
    {
      weight: 3,
      arbitrary: fc
        .oneof(
          key.map((k) => ({ key: k })),
          fc
            .tuple(key, fc.constantFrom('a', 'b', 'c', 'd', '\0'))
            .map(([k, rangeEnd]) => ({ key: k, rangeEnd })),
        )
        .map((requestDeleteRange) => ({ requestDeleteRange })),
    },
    { weight: 1, arbitrary: key.map((k) => ({ requestRange: { key: k, rangeEnd: END } })) },
    ...(depth > 0
      ? [
          {
            weight: 2,
            arbitrary: writeTxn(depth - 1).map((t) => ({ requestTxn: (t as { request: object }).request })),
          },
        ]
      : []),
  );
  return fc
    .record({
      compare: fc.array(
        fc
          .record({ key, version: fc.integer({ min: 0, max: 2 }) })
          .map((c) => ({ ...c, target: 'VERSION', result: 'EQUAL' })),
        { maxLength: 1 },
      ),
      success: fc.array(op, { maxLength: 4 }),
      failure: fc.array(op, { maxLength: 4 }),
    })
    .map((request) => ({ type: 'txn', request }) as ModelRequest);
}

/** Sequences of write-heavy txns with a few plain puts and reads between them. */
export function txnSequence(maxOps: number): fc.Arbitrary<ModelRequest[]> {
  const put = fc
    .constantFrom('a', 'b', 'c')
    .map((key) => ({ type: 'put', request: { key, value: 'p' } }) as ModelRequest);
  const read = fc.constant({ type: 'range', request: { key: '\0', rangeEnd: '\0' } } as ModelRequest);
  return fc.array(
    fc.oneof(
      { weight: 6, arbitrary: writeTxn() },
      { weight: 2, arbitrary: put },
      { weight: 1, arbitrary: read },
    ),
    {
      minLength: 1,
      maxLength: maxOps,
      size: 'max',
    },
  );
}

/** One template operation. */
export function operation(config: GenConfig): fc.Arbitrary<ModelRequest> {
  const ttl = config.time
    ? fc.constantFrom(-1, 0, 1, 2, 3, 5, 60, 2, 5, 9_000_000_001)
    : fc.constantFrom(600, 3600, 600, 3600, 9_000_000_001);
  const arbs: { weight: number; arbitrary: fc.Arbitrary<ModelRequest> }[] = [
    { weight: 6, arbitrary: putRequest.map((request) => ({ type: 'put', request }) as ModelRequest) },
    { weight: 4, arbitrary: rangeRequest.map((request) => ({ type: 'range', request }) as ModelRequest) },
    {
      weight: 2,
      arbitrary: deleteRequest.map((request) => ({ type: 'deleteRange', request }) as ModelRequest),
    },
    { weight: 4, arbitrary: txnRequest(2).map((request) => ({ type: 'txn', request }) as ModelRequest) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 0, max: 6 })
        .map((back) => ({ type: 'compact', request: { revision: { back } } }) as unknown as ModelRequest),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({ ttl, id: fc.oneof(fc.constant(0n), fc.bigInt(1n, 2n)) })
        .map((request) => ({ type: 'leaseGrant', request }) as ModelRequest),
    },
    {
      weight: 1,
      arbitrary: leaseTarget.map((id) => ({ type: 'leaseRevoke', request: { id } }) as ModelRequest),
    },
    {
      weight: 1,
      arbitrary: leaseTarget.map((id) => ({ type: 'leaseKeepAlive', request: { id } }) as ModelRequest),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ id: leaseTarget, keys: fc.boolean() })
        .map((request) => ({ type: 'leaseTimeToLive', request }) as ModelRequest),
    },
    { weight: 1, arbitrary: fc.constant({ type: 'leaseLeases' } as ModelRequest) },
  ];
  if (config.time) {
    arbs.push({
      weight: 2,
      arbitrary: fc
        .constantFrom(300, 999, 1000, 1500, 2500, 6000)
        .map((ms) => ({ type: 'advance', ms }) as ModelRequest),
    });
  }
  return fc.oneof(...arbs);
}

/** A sequence of template operations. */
export function sequence(config: GenConfig): fc.Arbitrary<ModelRequest[]> {
  return fc.array(operation(config), { minLength: 1, maxLength: config.maxOps, size: 'max' });
}
