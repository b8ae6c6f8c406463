/** The reference model against hand-worked examples from the semantics doc (§1–8, §12). */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import type { KeyValue, RangeResponse, TxnResponse } from '../../src/interface/kv.js';
import { initialState, type ModelRequest, type ModelState, step } from '../../src/testing/model/index.js';

/** Run requests, failing on the first error unless it is the last; returns the final state and last result. */
function runAll(requests: ModelRequest[], state: ModelState = initialState()) {
  let last = step(state, requests[0]!);
  for (let i = 1; i < requests.length; i++) {
    if (!last.response.ok) throw new Error(`step ${i - 1} failed: ${last.response.error.message}`);
    last = step(last.state, requests[i]!);
  }
  return last;
}
const put = (key: string, value = 'v', extra: object = {}): ModelRequest => ({
  type: 'put',
  request: { key, value, ...extra },
});
const get = (key: string, extra: object = {}): ModelRequest => ({
  type: 'range',
  request: { key, ...extra },
});
const del = (key: string, rangeEnd?: string, extra: object = {}): ModelRequest => ({
  type: 'deleteRange',
  request: { key, ...(rangeEnd === undefined ? {} : { rangeEnd }), ...extra },
});
function ok<T>(r: ReturnType<typeof step>): T {
  if (!r.response.ok) throw new Error(`unexpected error ${r.response.error.message}`);
  return r.response.value as T;
}
function err(r: ReturnType<typeof step>): string {
  if (r.response.ok) throw new Error('expected an error');
  return `${r.response.error.constructor.name}: ${r.response.error.message}`;
}
const keys = (kvs: KeyValue[]) => kvs.map((kv) => toText(kv.key));

describe('model: data model and revisions (§1)', () => {
  it('an empty store has R = 1; the first write gets 2', () => {
    expect(initialState().revision).toBe(1);
    const r = runAll([put('a', '1')]);
    expect(r.state.revision).toBe(2);
    const kv = ok<RangeResponse>(step(r.state, get('a'))).kvs[0]!;
    expect([kv.createRevision, kv.modRevision, kv.version]).toEqual([2, 2, 1]);
  });
  it('re-put bumps version and mod, keeps create; delete then re-create restarts at version 1', () => {
    const r = runAll([put('a', '1'), put('a', '2'), del('a'), put('a', '3')]);
    const kv = ok<RangeResponse>(step(r.state, get('a'))).kvs[0]!;
    expect([kv.createRevision, kv.modRevision, kv.version, toText(kv.value)]).toEqual([5, 5, 1, '3']);
  });
  it('deleting nothing leaves R; a txn with no writes leaves R; errors leave state', () => {
    const r = runAll([put('a'), del('zzz')]);
    expect(r.state.revision).toBe(2);
    expect(ok<{ header: { revision: number } }>(r).header.revision).toBe(2);
    const bad = step(r.state, put(''));
    expect(err(bad)).toBe('EmptyKeyError: etcdserver: key is not provided');
    expect(bad.state).toBe(r.state);
  });
});

describe('model: range (§2)', () => {
  const base = runAll([put('a', 'z'), put('b', 'y'), put('c', 'x'), put('b', 'w'), put('d', 'v')]).state;
  it('count is before limit and filters; more is set by limit', () => {
    const r = ok<RangeResponse>(step(base, get('a', { rangeEnd: 'd', limit: 2 })));
    expect([keys(r.kvs), r.count, r.more]).toEqual([['a', 'b'], 3, true]);
    const f = ok<RangeResponse>(step(base, get('a', { rangeEnd: '\0', minModRevision: 4 })));
    expect([keys(f.kvs), f.count]).toEqual([['c', 'b', 'd'].sort(), 4]);
  });
  it('order NONE with a non-key target and a limit sorts only the first limit + 1 keys (etcd rangeLimit)', () => {
    // mod revisions: a 2, b 5, c 4, d 6. Reading a, b, c and sorting by mod gives a, c; d is never read.
    const none = ok<RangeResponse>(step(base, get('a', { rangeEnd: '\0', limit: 2, sortTarget: 'MOD' })));
    expect([keys(none.kvs), none.more, none.count]).toEqual([['a', 'c'], true, 4]);
    const desc = ok<RangeResponse>(
      step(base, get('a', { rangeEnd: '\0', limit: 2, sortTarget: 'MOD', sortOrder: 'DESCEND' })),
    );
    expect(keys(desc.kvs)).toEqual(['d', 'b']);
  });
  it('an inverted range is empty, not an error; "\\0" is from-key', () => {
    expect(ok<RangeResponse>(step(base, get('c', { rangeEnd: 'a' }))).count).toBe(0);
    expect(keys(ok<RangeResponse>(step(base, get('b', { rangeEnd: '\0' }))).kvs)).toEqual(['b', 'c', 'd']);
    expect(ok<RangeResponse>(step(base, get('\0', { rangeEnd: '\0' }))).count).toBe(4);
  });
  it('sorting by a non-key target with order NONE means ASCEND; DESCEND reverses', () => {
    const all = { rangeEnd: '\0' };
    expect(keys(ok<RangeResponse>(step(base, get('a', { ...all, sortTarget: 'VALUE' }))).kvs)).toEqual([
      'd',
      'b',
      'c',
      'a',
    ]);
    expect(
      keys(ok<RangeResponse>(step(base, get('a', { ...all, sortTarget: 'MOD', sortOrder: 'DESCEND' }))).kvs),
    ).toEqual(['d', 'b', 'c', 'a']);
    expect(keys(ok<RangeResponse>(step(base, get('a', { ...all, sortOrder: 'DESCEND' }))).kvs)).toEqual([
      'd',
      'c',
      'b',
      'a',
    ]);
  });
  it('historical reads: header is current R; future and compacted revisions fail; rev == C works', () => {
    const r = ok<RangeResponse>(step(base, get('b', { revision: 3 })));
    expect([toText(r.kvs[0]!.value), r.header.revision]).toEqual(['y', 6]);
    expect(err(step(base, get('b', { revision: 7 })))).toBe(
      'FutureRevisionError: etcdserver: mvcc: required revision is a future revision',
    );
    const compacted = ok<unknown>(step(base, { type: 'compact', request: { revision: 4 } }));
    expect(compacted).toBeTruthy();
    const c = step(base, { type: 'compact', request: { revision: 4 } }).state;
    expect(ok<RangeResponse>(step(c, get('b', { revision: 4 }))).count).toBe(1);
    expect(err(step(c, get('b', { revision: 3 })))).toBe(
      'CompactedError: etcdserver: mvcc: required revision has been compacted',
    );
  });
  it('keys_only empties values; count_only returns just the count with more = false', () => {
    const k = ok<RangeResponse>(step(base, get('a', { rangeEnd: 'c', keysOnly: true })));
    expect(k.kvs.map((kv) => kv.value.length)).toEqual([0, 0]);
    const c = ok<RangeResponse>(step(base, get('a', { rangeEnd: '\0', countOnly: true, limit: 1 })));
    expect([c.kvs.length, c.count, c.more]).toEqual([0, 4, false]);
  });
  it('an invalid sort target is rejected (3.5 rule) and flagged as crashing 3.4', () => {
    const r = step(base, get('a', { sortTarget: 'BOGUS' }));
    expect(err(r)).toBe('InvalidSortOptionError: etcdserver: invalid sort option');
    expect(r.crashesEtcd34).toBe(true);
  });
});

describe('model: put (§3)', () => {
  it('validation order and apply-time errors', () => {
    const s = runAll([put('a')]).state;
    expect(err(step(s, put('a', 'x', { ignoreValue: true })))).toContain('value is provided');
    expect(err(step(s, put('a', '', { ignoreLease: true, lease: 5n })))).toContain('lease is provided');
    expect(err(step(s, put('b', '', { ignoreValue: true })))).toBe(
      'KeyNotFoundError: etcdserver: key not found',
    );
    expect(err(step(s, put('b', 'x', { lease: 9n })))).toBe(
      'LeaseNotFoundError: etcdserver: requested lease not found',
    );
    // Top-level put: the lease lookup comes before the ignore_value key check.
    expect(err(step(s, put('b', '', { ignoreValue: true, lease: 9n })))).toContain(
      'requested lease not found',
    );
  });
  it('ignore_value keeps the value, a plain put detaches the lease, prev_kv is the old kv', () => {
    const g = runAll([{ type: 'leaseGrant', request: { ttl: 10, id: 7n } }, put('a', 'one', { lease: 7n })]);
    const kept = runAll([put('a', '', { ignoreValue: true, prevKv: true })], g.state);
    const pv = ok<{ prevKv?: KeyValue }>(kept).prevKv!;
    expect([toText(pv.value), pv.lease]).toEqual(['one', 7n]);
    const now = ok<RangeResponse>(step(kept.state, get('a'))).kvs[0]!;
    expect([toText(now.value), now.lease, now.version]).toEqual(['one', 0n, 2]);
  });
  it('oversized values are "request is too large"', () => {
    expect(err(step(initialState(), put('a', 'x'.repeat(1_600_000))))).toContain('request is too large');
  });
});

describe('model: txn (§5, §12)', () => {
  const t = (request: object): ModelRequest => ({ type: 'txn', request });
  const pOp = (key: string, value = 'v', extra: object = {}) => ({ requestPut: { key, value, ...extra } });
  const dOp = (key: string, rangeEnd?: string) => ({
    requestDeleteRange: { key, ...(rangeEnd === undefined ? {} : { rangeEnd }) },
  });
  const rOp = (key: string, extra: object = {}) => ({ requestRange: { key, ...extra } });
  it('compares on a missing key: create == 0 is true, VALUE is always false (NOT_EQUAL too)', () => {
    const s = initialState();
    expect(
      ok<TxnResponse>(
        step(s, t({ compare: [{ key: 'x', target: 'CREATE', result: 'EQUAL', createRevision: 0 }] })),
      ).succeeded,
    ).toBe(true);
    expect(
      ok<TxnResponse>(
        step(s, t({ compare: [{ key: 'x', target: 'VALUE', result: 'NOT_EQUAL', value: 'q' }] })),
      ).succeeded,
    ).toBe(false);
  });
  it('a range compare holds only if every key satisfies it', () => {
    const s = runAll([put('a', '1'), put('b', '2')]).state;
    const c = (result: string) =>
      ok<TxnResponse>(
        step(s, t({ compare: [{ key: 'a', rangeEnd: 'c', target: 'VALUE', result, value: '0' }] })),
      ).succeeded;
    expect([c('GREATER'), c('EQUAL')]).toEqual([true, false]);
  });
  it('ranges read own writes; nested compares see the pre-txn snapshot; one revision for all', () => {
    const s = runAll([put('a', '1')]).state;
    const r = ok<TxnResponse>(
      step(
        s,
        t({
          success: [
            pOp('a', '2'),
            rOp('a'),
            {
              requestTxn: {
                compare: [{ key: 'a', target: 'VALUE', result: 'EQUAL', value: '1' }],
                success: [pOp('b')],
                failure: [pOp('c')],
              },
            },
          ],
        }),
      ),
    );
    expect(r.header.revision).toBe(3);
    const read = (r.responses[1] as { responseRange: RangeResponse }).responseRange.kvs[0]!;
    expect([toText(read.value), read.modRevision]).toEqual(['2', 3]);
    expect((r.responses[2] as { responseTxn: TxnResponse }).responseTxn.succeeded).toBe(true);
  });
  it('duplicate keys: put/put and put in a bounded delete rejected; from-key delete accepted (§12)', () => {
    const s = runAll([put('x')]).state;
    const dup = 'DuplicateKeyError: etcdserver: duplicate key given in txn request';
    expect(err(step(s, t({ success: [pOp('a'), pOp('a')] })))).toBe(dup);
    expect(err(step(s, t({ success: [dOp('a', 'c'), pOp('b')] })))).toBe(dup);
    expect(err(step(s, t({ success: [pOp('b'), { requestTxn: { success: [dOp('a', 'c')] } }] })))).toBe(dup);
    // then/else of one nested txn may put the same key; overlapping deletes are fine.
    ok(step(s, t({ success: [{ requestTxn: { success: [pOp('a')], failure: [pOp('a')] } }] })));
    ok(step(s, t({ success: [dOp('a', 'c'), dOp('b', 'd')] })));
    const r = step(s, t({ success: [pOp('x', 'new'), dOp('a', '\0')] }));
    expect(ok<TxnResponse>(r).header.revision).toBe(3);
    expect(r.state.kvs.size).toBe(0);
    expect(r.state.log.slice(-2).map((e) => e.type)).toEqual(['PUT', 'DELETE']);
    const recreate = step(s, t({ success: [dOp('b', '\0'), pOp('c')] }));
    expect([...recreate.state.kvs.keys()]).toEqual(['c']);
  });
  it('3.4 crash case: ignore_value after a from-key delete → key not found, no effect, flagged', () => {
    const s = runAll([put('c', 'old')]).state;
    const r = step(s, t({ success: [dOp('b', '\0'), pOp('c', '', { ignoreValue: true })] }));
    expect(err(r)).toBe('KeyNotFoundError: etcdserver: key not found');
    expect(r.crashesEtcd34).toBe(true);
    expect(r.state).toBe(s);
  });
  it('validation covers both branches; apply-time checks only the taken path', () => {
    const s = initialState();
    expect(err(step(s, t({ failure: [{}] })))).toBe('KeyNotFoundError: etcdserver: key not found');
    expect(err(step(s, t({ failure: [pOp('')] })))).toContain('key is not provided');
    ok(step(s, t({ failure: [pOp('a', 'v', { lease: 5n })] })));
    expect(err(step(s, t({ success: [pOp('a', 'v', { lease: 5n })] })))).toContain(
      'requested lease not found',
    );
    expect(err(step(s, t({ success: [rOp('a', { revision: 9 })] })))).toContain('future revision');
    // In a txn the key check comes before the lease check.
    expect(err(step(s, t({ success: [pOp('a', '', { lease: 5n, ignoreValue: true })] })))).toContain(
      'key not found',
    );
  });
  it("too many ops; a nested txn gets 128 minus its parent's count", () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => rOp(`k${i}`));
    expect(err(step(initialState(), t({ success: ops(129) })))).toContain('too many operations');
    ok(step(initialState(), t({ success: ops(128) })));
    const nested = (inner: number) => t({ success: [...ops(99), { requestTxn: { success: ops(inner) } }] });
    ok(step(initialState(), nested(28)));
    expect(err(step(initialState(), nested(29)))).toContain('too many operations');
  });
});

describe('model: compaction (§6)', () => {
  it('compact(C) fails, compact above R fails, a second compact(0) on a fresh store fails', () => {
    const s = runAll([put('a'), put('a')]).state;
    const c = runAll([{ type: 'compact', request: { revision: 2 } }], s);
    expect(err(step(c.state, { type: 'compact', request: { revision: 2 } }))).toContain('compacted');
    expect(err(step(c.state, { type: 'compact', request: { revision: 4 } }))).toContain('future');
    const z = runAll([{ type: 'compact', request: { revision: 0 } }]);
    expect(err(step(z.state, { type: 'compact', request: { revision: 0 } }))).toContain('compacted');
  });
});

describe('model: leases (§8)', () => {
  it('grant raises TTL to the minimum, rejects duplicates and huge TTLs', () => {
    const g = runAll([{ type: 'leaseGrant', request: { ttl: -3, id: -7n } }]);
    expect(ok<{ ttl: number; id: bigint }>(g)).toMatchObject({ ttl: 1, id: -7n });
    expect(err(step(g.state, { type: 'leaseGrant', request: { ttl: 5, id: -7n } }))).toContain(
      'lease already exists',
    );
    expect(err(step(g.state, { type: 'leaseGrant', request: { ttl: 9_000_000_001 } }))).toContain(
      'too large lease TTL',
    );
  });
  it('revoke deletes attached keys at one revision in key order; unknown revoke fails', () => {
    const r = runAll([
      { type: 'leaseGrant', request: { ttl: 10, id: 1n } },
      put('b', 'v', { lease: 1n }),
      put('a', 'v', { lease: 1n }),
      put('c'),
      { type: 'leaseRevoke', request: { id: 1n } },
    ]);
    expect(r.state.revision).toBe(5);
    expect(r.state.log.filter((e) => e.revision === 5).map((e) => toText(e.kv.key))).toEqual(['a', 'b']);
    expect(err(step(r.state, { type: 'leaseRevoke', request: { id: 1n } }))).toContain(
      'requested lease not found',
    );
    // A lease with no keys revokes without a revision.
    const e = runAll([
      { type: 'leaseGrant', request: { ttl: 10, id: 2n } },
      { type: 'leaseRevoke', request: { id: 2n } },
    ]);
    expect(e.state.revision).toBe(1);
  });
  it('expiry as time passes: one revision per lease with keys; keepalive pushes it back; unknown keepalive is TTL 0', () => {
    const s = runAll([
      { type: 'leaseGrant', request: { ttl: 5, id: 1n } },
      { type: 'leaseGrant', request: { ttl: 5, id: 2n } },
      { type: 'leaseGrant', request: { ttl: 5, id: 3n } },
      put('a', 'v', { lease: 1n }),
      put('b', 'v', { lease: 2n }),
      { type: 'advance', ms: 3000 },
      { type: 'leaseKeepAlive', request: { id: 2n } },
    ]).state;
    const later = step(s, { type: 'advance', ms: 2500 });
    expect(ok<{ expired: bigint[] }>(later).expired).toEqual([1n, 3n]);
    expect(later.state.revision).toBe(4);
    const ttl = step(later.state, { type: 'leaseTimeToLive', request: { id: 2n, keys: true } });
    expect(ok<{ ttl: number; grantedTtl: number }>(ttl)).toMatchObject({ ttl: 2, grantedTtl: 5 });
    expect(ok<{ ttl: number }>(step(later.state, { type: 'leaseKeepAlive', request: { id: 1n } })).ttl).toBe(
      0,
    );
    expect(ok<{ ttl: number }>(step(later.state, { type: 'leaseTimeToLive', request: { id: 1n } })).ttl).toBe(
      -1,
    );
  });
});
