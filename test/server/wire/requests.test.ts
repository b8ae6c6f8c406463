/**
 * Requests that decode but carry values at the edges — unknown enum numbers, int64 extremes, sizes
 * around the limits, too many txn ops, a present but empty range_end, RPCs 3.4 lacks — against a real
 * etcd and the simulator (see differential.ts); listed differences are asserted side by side.
 */

import { describe, expect, it } from 'vitest';
import { knownDifferences } from '../../../src/testing/suite/differences.js';
import { KV, LEASE, MAX, MIN, P62, range, seed, txn, unaryCases, unaryOn } from './differential.js';
import {
  b,
  decoded,
  enc,
  GRPC_LIMIT,
  hex,
  showStatus,
  useWireTargets,
  type WireTarget,
} from './wire-targets.js';

const t = useWireTargets();
seed(t);

const compare = (o: object): Buffer => txn({ compare: [{ key: b('a'), ...o }] });
/** `n` ranges of key a, the smallest ops there are. */
const ops = (n: number): object[] => Array.from({ length: n }, () => ({ request_range: { key: b('a') } }));
/** `n` compares "version of a is 1" (true). */
const compares = (n: number): object[] =>
  Array.from({ length: n }, () => ({ key: b('a'), target: 0, result: 0, version: 1 }));
const rangeOps = (n: number): object[] =>
  Array.from({ length: n }, (_, i) => ({ request_range: { key: b(`k${i}`) } }));

unaryCases(t, 'unknown enum values', [
  {
    name: 'compare result 9 on a key with a value: holds',
    path: `${KV}Txn`,
    body: compare({ result: 9, target: 3, value: b('zz') }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: 'compare result 9, VALUE target, no such key: fails',
    path: `${KV}Txn`,
    body: txn({ compare: [{ key: b('q'), result: 9, target: 3 }] }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: 'compare result 9, VERSION target, no such key: holds',
    path: `${KV}Txn`,
    body: txn({ compare: [{ key: b('q'), result: 9, target: 0 }] }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: 'compare target 9 with EQUAL: holds',
    path: `${KV}Txn`,
    body: compare({ result: 0, target: 9 }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: 'compare target 9 with NOT_EQUAL: fails',
    path: `${KV}Txn`,
    body: compare({ result: 3, target: 9 }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: 'compare target −3 with LESS, no such key: fails',
    path: `${KV}Txn`,
    body: txn({ compare: [{ key: b('q'), result: 2, target: -3 }] }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: 'compare target 9 and result 9 over a range, then a put',
    path: `${KV}Txn`,
    body: txn({
      compare: [{ key: b('a'), range_end: b('z'), result: 9, target: 9 }],
      success: [{ request_put: { key: b('e/1'), value: b('x') } }],
    }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: 'compare target 9 with an empty key: key not provided',
    path: `${KV}Txn`,
    body: txn({ compare: [{ result: 0, target: 9 }] }),
    response: 'TxnResponse',
    etcd: 'ERR 3 etcdserver: key is not provided',
  },
  {
    name: 'Alarm GET',
    path: '/etcdserverpb.Maintenance/Alarm',
    body: enc('AlarmRequest', { action: 0 }),
    response: 'AlarmResponse',
    etcd: 'OK {}',
  },
]);

unaryCases(t, 'int64 extremes', [
  {
    name: 'range at revision 2^62',
    path: `${KV}Range`,
    body: range({ revision: P62 }),
    response: 'RangeResponse',
    etcd: 'ERR 11 etcdserver: mvcc: required revision is a future revision',
  },
  {
    name: 'range at revision −5 reads the newest',
    path: `${KV}Range`,
    body: range({ revision: -5 }),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'range at revision −2^63',
    path: `${KV}Range`,
    body: range({ revision: MIN }),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'limit 2^62',
    path: `${KV}Range`,
    body: range({ range_end: b('z'), limit: P62 }),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'limit −1',
    path: `${KV}Range`,
    body: range({ range_end: b('z'), limit: -1 }),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'min_mod_revision 2^62, count only',
    path: `${KV}Range`,
    body: range({ range_end: b('z'), min_mod_revision: P62, count_only: true }),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'max_create_revision −1',
    path: `${KV}Range`,
    body: range({ range_end: b('z'), max_create_revision: -1 }),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'compact at 2^62',
    path: `${KV}Compact`,
    body: enc('CompactionRequest', { revision: P62 }),
    response: 'CompactionResponse',
    etcd: 'ERR 11 etcdserver: mvcc: required revision is a future revision',
  },
  {
    name: 'compact at −5',
    path: `${KV}Compact`,
    body: enc('CompactionRequest', { revision: -5 }),
    response: 'CompactionResponse',
    etcd: 'ERR 11 etcdserver: mvcc: required revision has been compacted',
  },
  {
    name: 'put with lease 2^63 − 1',
    path: `${KV}Put`,
    body: enc('PutRequest', { key: b('a'), lease: MAX }),
    response: 'PutResponse',
    etcd: 'ERR 5 etcdserver: requested lease not found',
  },
  {
    name: 'put with lease −2^63',
    path: `${KV}Put`,
    body: enc('PutRequest', { key: b('a'), lease: MIN }),
    response: 'PutResponse',
    etcd: 'ERR 5 etcdserver: requested lease not found',
  },
  {
    name: 'grant TTL 2^62',
    path: `${LEASE}LeaseGrant`,
    body: enc('LeaseGrantRequest', { TTL: P62, ID: 5 }),
    response: 'LeaseGrantResponse',
    etcd: 'ERR 11 etcdserver: too large lease TTL',
  },
  {
    name: 'grant ID 2^63 − 1 with TTL −2^63 (raised to the minimum)',
    path: `${LEASE}LeaseGrant`,
    body: enc('LeaseGrantRequest', { TTL: MIN, ID: MAX }),
    response: 'LeaseGrantResponse',
    etcd: `OK {"header":{"revision":"5"},"ID":"${MAX}","TTL":"1"}`,
  },
  {
    name: 'grant ID 2^63 − 1 again',
    path: `${LEASE}LeaseGrant`,
    body: enc('LeaseGrantRequest', { TTL: 100, ID: MAX }),
    response: 'LeaseGrantResponse',
    etcd: 'ERR 9 etcdserver: lease already exists',
  },
  {
    name: 'revoke ID 2^63 − 1',
    path: `${LEASE}LeaseRevoke`,
    body: enc('LeaseRevokeRequest', { ID: MAX }),
    response: 'LeaseRevokeResponse',
    etcd: 'OK',
  },
  {
    name: 'grant ID −2^63',
    path: `${LEASE}LeaseGrant`,
    body: enc('LeaseGrantRequest', { TTL: 100, ID: MIN }),
    response: 'LeaseGrantResponse',
    etcd: `OK {"header":{"revision":"5"},"ID":"${MIN}","TTL":"100"}`,
  },
  {
    name: 'revoke ID −2^63',
    path: `${LEASE}LeaseRevoke`,
    body: enc('LeaseRevokeRequest', { ID: MIN }),
    response: 'LeaseRevokeResponse',
    etcd: 'OK',
  },
  {
    name: 'revoke ID 2^62 (unknown)',
    path: `${LEASE}LeaseRevoke`,
    body: enc('LeaseRevokeRequest', { ID: P62 }),
    response: 'LeaseRevokeResponse',
    etcd: 'ERR 5 etcdserver: requested lease not found',
  },
  {
    name: 'time-to-live of ID 2^63 − 1 (gone)',
    path: `${LEASE}LeaseTimeToLive`,
    body: enc('LeaseTimeToLiveRequest', { ID: MAX, keys: true }),
    response: 'LeaseTimeToLiveResponse',
    etcd: 'OK',
  },
  {
    name: 'time-to-live of ID −2^63 (gone)',
    path: `${LEASE}LeaseTimeToLive`,
    body: enc('LeaseTimeToLiveRequest', { ID: MIN }),
    response: 'LeaseTimeToLiveResponse',
    etcd: 'OK',
  },
  {
    name: 'leases: only the seeded one is left',
    path: `${LEASE}LeaseLeases`,
    body: Buffer.alloc(0),
    response: 'LeaseLeasesResponse',
    etcd: 'OK {"header":{"revision":"5"},"leases":[{"ID":"77"}]}',
  },
]);

unaryCases(
  t,
  'sizes: writes over --max-request-bytes, messages over the gRPC limit; reads are not size-checked',
  [
    {
      name: 'put over max-request-bytes',
      path: `${KV}Put`,
      body: enc('PutRequest', { key: b('a'), value: Buffer.alloc(1100, 0x78) }),
      response: 'PutResponse',
      etcd: 'ERR 3 etcdserver: request is too large',
    },
    {
      name: 'delete with a key over max-request-bytes',
      path: `${KV}DeleteRange`,
      body: enc('DeleteRangeRequest', { key: Buffer.alloc(1100, 0x78) }),
      response: 'DeleteRangeResponse',
      etcd: 'ERR 3 etcdserver: request is too large',
    },
    {
      name: 'txn with a large put in the branch not taken',
      path: `${KV}Txn`,
      body: txn({
        compare: [{ key: b('a'), target: 3, value: b('nope') }],
        success: [{ request_put: { key: b('w'), value: Buffer.alloc(1100, 0x78) } }],
        failure: [{ request_range: { key: b('a') } }],
      }),
      response: 'TxnResponse',
      etcd: 'ERR 3 etcdserver: request is too large',
    },
    {
      name: 'range with a key over max-request-bytes',
      path: `${KV}Range`,
      body: range({ key: Buffer.alloc(1100, 0x78) }),
      response: 'RangeResponse',
      etcd: 'OK {"header":{"revision":"5"}}',
    },
    {
      name: 'read-only txn over max-request-bytes',
      path: `${KV}Txn`,
      body: txn({ success: [{ request_range: { key: Buffer.alloc(1100, 0x78) } }] }),
      response: 'TxnResponse',
      etcd: 'OK',
    },
    {
      name: 'a message of exactly the gRPC limit is read',
      path: `${KV}Range`,
      body: range({ key: Buffer.alloc(GRPC_LIMIT - 4, 0x78) }),
      response: 'RangeResponse',
      etcd: 'OK {"header":{"revision":"5"}}',
    },
    {
      name: 'one byte over the gRPC limit',
      path: `${KV}Range`,
      body: range({ key: Buffer.alloc(GRPC_LIMIT - 3, 0x78) }),
      response: 'RangeResponse',
      etcd: `ERR 8 grpc: received message larger than max (${GRPC_LIMIT + 1} vs. ${GRPC_LIMIT})`,
    },
    {
      name: 'a put far over the gRPC limit',
      path: `${KV}Put`,
      body: enc('PutRequest', { key: b('a'), value: Buffer.alloc(600_000, 0x78) }),
      response: 'PutResponse',
      etcd: `ERR 8 grpc: received message larger than max (600007 vs. ${GRPC_LIMIT})`,
    },
    {
      name: 'a put under max-request-bytes',
      path: `${KV}Put`,
      body: enc('PutRequest', { key: b('big'), value: Buffer.alloc(900, 0x79) }),
      response: 'PutResponse',
      etcd: 'OK {"header":{"revision":"6"}}',
    },
  ],
);

unaryCases(t, 'too many txn ops (--max-txn-ops 128, nested txns share the budget)', [
  {
    name: '128 ops',
    path: `${KV}Txn`,
    body: txn({ success: rangeOps(128) }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: '129 ops',
    path: `${KV}Txn`,
    body: txn({ success: rangeOps(129) }),
    response: 'TxnResponse',
    etcd: 'ERR 3 etcdserver: too many operations in txn request',
  },
  {
    name: '129 puts',
    path: `${KV}Txn`,
    body: txn({ failure: Array.from({ length: 129 }, (_, i) => ({ request_put: { key: b(`p${i}`) } })) }),
    response: 'TxnResponse',
    etcd: 'ERR 3 etcdserver: too many operations in txn request',
  },
  {
    name: '129 compares',
    path: `${KV}Txn`,
    body: txn({ compare: Array.from({ length: 129 }, () => ({ key: b('a') })) }),
    response: 'TxnResponse',
    etcd: 'ERR 3 etcdserver: too many operations in txn request',
  },
  // The budget left for a nested txn is 128 minus the largest of compares, success and failure. A
  // nested txn makes a txn a write (etcd's isTxnReadonly), so these are kept under the size limit.
  {
    name: '100 compares and a nested txn of 28 ops',
    path: `${KV}Txn`,
    body: txn({ compare: compares(100), success: [{ request_txn: { success: ops(28) } }] }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
  {
    name: '100 compares and a nested txn of 29 ops',
    path: `${KV}Txn`,
    body: txn({ compare: compares(100), success: [{ request_txn: { success: ops(29) } }] }),
    response: 'TxnResponse',
    etcd: 'ERR 3 etcdserver: too many operations in txn request',
  },
  {
    name: '100 ops and a nested txn of 27 ranges: a write, so over the size limit',
    path: `${KV}Txn`,
    body: txn({ success: [...rangeOps(100), { request_txn: { success: rangeOps(27) } }] }),
    response: 'TxnResponse',
    etcd: 'ERR 3 etcdserver: request is too large',
  },
]);

unaryCases(t, 'a present but empty range_end: from-key on reads, one key on writes', [
  {
    name: 'Range',
    path: `${KV}Range`,
    body: Buffer.concat([range({ key: b('b') }), hex('1200')]),
    response: 'RangeResponse',
    etcd: 'OK',
  },
  {
    name: 'DeleteRange of a missing key',
    path: `${KV}DeleteRange`,
    body: Buffer.concat([enc('DeleteRangeRequest', { key: b('nokey'), prev_kv: true }), hex('1200')]),
    response: 'DeleteRangeResponse',
    etcd: 'OK {"header":{"revision":"6"}}',
  },
  {
    name: 'read-only txn: the compare covers a.. (fails)',
    path: `${KV}Txn`,
    body: txn({
      compare: [{ key: b('a'), range_end: Buffer.alloc(0), target: 2, result: 2, mod_revision: 3 }],
      success: [{ request_range: { key: b('a') } }],
    }),
    response: 'TxnResponse',
    etcd: 'OK {"header":{"revision":"6"}}',
  },
  {
    name: 'write txn: the same compare covers a alone (holds)',
    path: `${KV}Txn`,
    body: txn({
      compare: [{ key: b('a'), range_end: Buffer.alloc(0), target: 2, result: 2, mod_revision: 3 }],
      success: [{ request_put: { key: b('e/2'), value: b('y') } }],
    }),
    response: 'TxnResponse',
    etcd: 'OK',
  },
]);

unaryCases(t, 'a nested txn, even one that only reads, puts a txn on the write path', [
  {
    // The nested txn sits in the branch not taken; the compare covers a alone, so it holds.
    name: 'a present but empty range_end then covers one key',
    path: `${KV}Txn`,
    body: txn({
      compare: [{ key: b('a'), range_end: Buffer.alloc(0), target: 2, result: 2, mod_revision: 3 }],
      success: [{ request_range: { key: b('a'), count_only: true } }],
      failure: [{ request_txn: {} }],
    }),
    response: 'TxnResponse',
    etcd: 'OK {"header":{"revision":"7"},"succeeded":true,"responses":[{"response_range":{"header":{"revision":"7"},"count":"1"}}]}',
  },
]);

unaryCases(t, 'RPCs etcd 3.4 does not have', [
  {
    name: 'Auth/AuthStatus',
    path: '/etcdserverpb.Auth/AuthStatus',
    body: Buffer.alloc(0),
    response: 'AuthStatusResponse',
    etcd: 'ERR 12 unknown method AuthStatus for service etcdserverpb.Auth',
  },
  {
    name: 'Maintenance/Downgrade',
    path: '/etcdserverpb.Maintenance/Downgrade',
    body: Buffer.alloc(0),
    response: 'DowngradeResponse',
    etcd: 'ERR 12 unknown method Downgrade for service etcdserverpb.Maintenance',
  },
]);

describe('listed differences, each side as it is', () => {
  it('an unknown sort order: etcd 3.4 ignores it, the simulator refuses it as etcd 3.5 does', async () => {
    expect(knownDifferences.invalidSortOption.applies({ target: 'etcd', serverVersion: '3.4.23' })).toBe(
      true,
    );
    for (const order of [7, -1]) {
      const c = {
        path: `${KV}Range`,
        body: range({ range_end: b('z'), sort_order: order, limit: 2 }),
        response: 'RangeResponse',
      };
      const etcd = await unaryOn(t.etcd(), c);
      expect(etcd).toMatch(/^OK .*"kvs":\[\{"key":"YQ==".*\{"key":"Yg==".*"more":true/);
      expect(await unaryOn(t.server(), c)).toBe('ERR 3 etcdserver: invalid sort option');
    }
  });

  it('the largest write: one byte more on etcd when its member ID makes a 9-byte request ID', async () => {
    expect(knownDifferences.requestSizeBoundary.applies({ target: 'etcd', serverVersion: '3.4.23' })).toBe(
      true,
    );
    const largest = async (target: WireTarget): Promise<number> => {
      let lo = 900;
      let hi = 1100;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        const put = enc('PutRequest', { key: b('size'), value: Buffer.alloc(mid, 0x7a) });
        if ((await target.raw.unary(`${KV}Put`, put)).ok) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const status = await t.etcd().raw.unary('/etcdserverpb.Maintenance/Status', Buffer.alloc(0));
    if (!status.ok) throw new Error(`etcd Status failed: ${showStatus(status.status)}`);
    const member = BigInt((decoded('StatusResponse', status.bytes) as { leader: string }).leader);
    const etcdIdBytes = (member & 0xffffn) >= 0x8000n ? 10 : 9;
    // 4-byte key: the largest value fills the limit with a 10-byte ID; a 9-byte one leaves a byte more.
    expect(await largest(t.etcd())).toBe(etcdIdBytes === 10 ? 998 : 999);
    expect(await largest(t.server())).toBe(998);
  });

  it('an unknown method or service: UNIMPLEMENTED on both, in grpc-js words on the simulator', async () => {
    expect(knownDifferences.unknownMethodText.applies({ target: 'server', serverVersion: '3.6.0' })).toBe(
      true,
    );
    const answers = async (target: WireTarget, path: string): Promise<string> =>
      unaryOn(target, { path, body: Buffer.alloc(0), response: 'RangeResponse' });
    expect(await answers(t.etcd(), `${KV}Nope`)).toBe(
      'ERR 12 unknown method Nope for service etcdserverpb.KV',
    );
    expect(await answers(t.etcd(), '/etcdserverpb.Nope/Range')).toBe(
      'ERR 12 unknown service etcdserverpb.Nope',
    );
    for (const path of [`${KV}Nope`, '/etcdserverpb.Nope/Range', '/nope']) {
      expect(await answers(t.server(), path)).toBe(`ERR 12 The server does not implement the method ${path}`);
    }
  });
});
