/** The checkers themselves: each must accept a correct history and reject a broken one. */

import { describe, expect, it } from 'vitest';
import type { WatchCreateRequest, WatchEvent, WatchResponse } from '../../src/interface/watch.js';
import { checkLinearizable, etcdSpecification, type Operation } from '../../src/testing/linearizability.js';
import {
  canonicalResponse,
  initialState,
  type ModelRequest,
  type ModelState,
  step,
} from '../../src/testing/model/index.js';
import {
  checkAtomic,
  checkBookmarkable,
  checkFilters,
  checkOrdered,
  checkPrevKv,
  checkReliable,
  checkResumable,
  checkUnique,
  checkWatch,
  type WatchHistory,
} from '../../src/testing/watch-checks.js';

const spec = etcdSpecification(() => initialState());
const put = (key: string, value: string): ModelRequest => ({ type: 'put', request: { key, value } });
const get = (key: string): ModelRequest => ({ type: 'range', request: { key } });

/** The canonical output the model gives for `request` after `before`. */
function out(before: ModelRequest[], request: ModelRequest): string {
  let s: ModelState = initialState();
  for (const r of before) s = step(s, r).state;
  return canonicalResponse(request, step(s, request).response);
}
function op(clientId: number, input: ModelRequest, call: number, ret: number, output: string) {
  return { clientId, input, call, return: ret, output } satisfies Operation<ModelRequest, string>;
}

describe('linearizability checker', () => {
  it('rejects a read that misses a write completed before it started', () => {
    const history = [
      op(0, put('x', '1'), 0, 10, out([], put('x', '1'))),
      op(1, get('x'), 20, 30, out([], get('x'))), // sees the empty store after the put returned
    ];
    expect(checkLinearizable(spec, history).result).toBe('illegal');
  });
  it('accepts the same read when it overlaps the write', () => {
    const history = [
      op(0, put('x', '1'), 0, 10, out([], put('x', '1'))),
      op(1, get('x'), 5, 30, out([], get('x'))),
    ];
    expect(checkLinearizable(spec, history).result).toBe('ok');
  });
  it('rejects two reads that see concurrent writes in opposite orders', () => {
    const a = put('x', 'a');
    const b = put('x', 'b');
    // Both puts claim revision 2: impossible for any order.
    const history = [op(0, a, 0, 100, out([], a)), op(1, b, 0, 100, out([], b))];
    expect(checkLinearizable(spec, history).result).toBe('illegal');
    const legal = [op(0, a, 0, 100, out([], a)), op(1, b, 0, 100, out([a], b))];
    expect(checkLinearizable(spec, legal).result).toBe('ok');
  });
  it('rejects a stale read after a newer read (reads are ordered in real time)', () => {
    const w1 = put('x', '1');
    const w2 = put('x', '2');
    const history = [
      op(0, w1, 0, 1, out([], w1)),
      op(0, w2, 2, 50, out([w1], w2)),
      op(1, get('x'), 3, 4, out([w1, w2], get('x'))), // sees 2
      op(2, get('x'), 5, 6, out([w1], get('x'))), // then sees 1 again
    ];
    expect(checkLinearizable(spec, history).result).toBe('illegal');
  });
  it('an operation with unknown outcome may or may not have happened', () => {
    const w = put('x', '1');
    const history = [op(0, w, 0, Infinity, 'whatever'), op(1, get('x'), 5, 6, out([], get('x')))];
    expect(checkLinearizable(spec, history).result).toBe('ok');
    const seen = [op(0, w, 0, Infinity, 'whatever'), op(1, get('x'), 5, 6, out([w], get('x')))];
    expect(checkLinearizable(spec, seen).result).toBe('ok');
  });
});

describe('watch checks', () => {
  // History: put a (2), put b (3), txn put a + delete b (4), compacted nothing.
  const requests: ModelRequest[] = [
    put('a', '1'),
    put('b', '1'),
    {
      type: 'txn',
      request: { success: [{ requestPut: { key: 'a', value: '2' } }, { requestDeleteRange: { key: 'b' } }] },
    },
  ];
  let s = initialState();
  for (const r of requests) s = step(s, r).state;
  const history: WatchHistory = { events: s.log, compactRevision: s.compactRevision };
  const request: WatchCreateRequest = { key: 'a', rangeEnd: 'c', prevKv: true };
  const ev = (i: number): WatchEvent => {
    const e = s.log[i]!;
    return { type: e.type, kv: e.kv, ...(e.prevKv ? { prevKv: e.prevKv } : {}) };
  };
  const resp = (events: WatchEvent[], extra: Partial<WatchResponse> = {}): WatchResponse => ({
    header: {
      revision: events[events.length - 1]?.kv.modRevision ?? 4,
      clusterId: 0n,
      memberId: 0n,
      raftTerm: 0,
    },
    watchId: 0,
    created: false,
    canceled: false,
    compactRevision: 0,
    cancelReason: '',
    fragment: false,
    events,
    ...extra,
  });
  const good = [resp([ev(0)]), resp([ev(1)]), resp([ev(2), ev(3)])];

  it('accept a correct stream', () => {
    expect(checkWatch(good, request, history, { from: 2, through: 4 })).toEqual([]);
  });
  it('reject a gap, a reorder, a duplicate, a split revision', () => {
    expect(checkReliable([good[0]!, good[2]!], request, history, 2, 4)).toHaveLength(1);
    expect(checkOrdered([good[1]!, good[0]!])).toHaveLength(1);
    expect(checkUnique([...good, resp([ev(1)])])).toHaveLength(1);
    expect(checkUnique([...good, resp([ev(1)])], history)).toHaveLength(1);
    expect(checkAtomic([good[0]!, good[1]!, resp([ev(2)]), resp([ev(3)])])).toHaveLength(1);
  });
  it('reject an event after a progress notice covering it', () => {
    const progress = resp([], {
      header: { revision: 3, clusterId: 0n, memberId: 0n, raftTerm: 0 },
      watchId: -1,
    });
    expect(checkBookmarkable([good[0]!, progress, good[1]!])).toHaveLength(1);
    expect(checkBookmarkable([good[0]!, good[1]!, progress, good[2]!])).toEqual([]);
  });
  it('reject a wrong or missing prev_kv, and a prev_kv nobody asked for', () => {
    const wrong = resp([{ ...ev(2), prevKv: s.log[1]!.kv }]);
    expect(checkPrevKv([wrong], request, history)).toHaveLength(1);
    const missing = resp([{ type: 'PUT', kv: s.log[2]!.kv }]);
    expect(checkPrevKv([missing], request, history)).toHaveLength(1);
    expect(checkPrevKv([good[2]!], { key: 'a', rangeEnd: 'c' }, history)).toHaveLength(2);
    // Below the compact revision a missing prev_kv is allowed.
    expect(checkPrevKv([missing], request, { ...history, compactRevision: 4 })).toEqual([]);
  });
  it('a re-created key (create == mod) has no prev_kv, as etcd sends it', () => {
    let t = step(initialState(), put('a', '1')).state;
    t = step(t, {
      type: 'txn',
      request: {
        success: [
          { requestDeleteRange: { key: '\0', rangeEnd: '\0' } },
          { requestPut: { key: 'a', value: '2' } },
        ],
      },
    }).state;
    const h: WatchHistory = { events: t.log, compactRevision: -1 };
    const [del, re] = [t.log[1]!, t.log[2]!];
    expect([re.kv.createRevision, re.kv.modRevision, re.prevKv?.version]).toEqual([3, 3, 1]);
    const etcdLike = resp([
      { type: 'DELETE', kv: del.kv, prevKv: del.prevKv! },
      { type: 'PUT', kv: re.kv },
    ]);
    expect(checkPrevKv([etcdLike], { key: 'a', prevKv: true }, h)).toEqual([]);
    const withPrev = resp([
      { type: 'DELETE', kv: del.kv, prevKv: del.prevKv! },
      { type: 'PUT', kv: re.kv, prevKv: re.prevKv! },
    ]);
    expect(checkPrevKv([withPrev], { key: 'a', prevKv: true }, h)).toHaveLength(1);
  });
  it('unique allows what etcd sends for one key touched three times in one txn', () => {
    let t = step(initialState(), put('c', 'p')).state;
    const fromA = { requestDeleteRange: { key: 'a', rangeEnd: '\0' } };
    t = step(t, {
      type: 'txn',
      request: {
        success: [fromA, { requestTxn: { success: [{ requestPut: { key: 'c', value: '' } }] } }, fromA],
      },
    }).state;
    const h: WatchHistory = { events: t.log, compactRevision: -1 };
    expect(t.log.slice(1).map((e) => `${e.revision} ${e.type}`)).toEqual(['3 DELETE', '3 PUT', '3 DELETE']);
    const all = resp(t.log.slice(1).map((e) => ({ type: e.type, kv: e.kv })));
    expect(checkUnique([all], h)).toEqual([]);
    expect(checkUnique([all])).toEqual([]);
    expect(checkUnique([all, resp([{ type: 'DELETE', kv: t.log[1]!.kv }])], h)).toHaveLength(1);
  });
  it('reject events a filter or the range excludes', () => {
    expect(checkFilters(good, { ...request, filters: ['NODELETE'] })).toHaveLength(1);
    expect(checkFilters(good, { key: 'a' })).toHaveLength(2);
    expect(
      checkReliable([good[0]!, good[2]!], { ...request, filters: ['NOPUT'] }, history, 2, 4),
    ).toHaveLength(1);
  });
  it('resumable: a second watch from last + 1 must continue exactly', () => {
    expect(checkResumable([good[0]!], [good[1]!, good[2]!], request, history, 4)).toEqual([]);
    expect(checkResumable([good[0]!], [good[2]!], request, history, 4)).toHaveLength(1);
  });
});
