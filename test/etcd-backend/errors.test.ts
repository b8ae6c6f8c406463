/**
 * etcd's gRPC errors reach callers as the shared error classes (mapped from the gRPC status and etcd's
 * own text), wrong JS types are refused before sending, and inputs that crash etcd 3.4 never reach it.
 */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import {
  ClosedError,
  CompactedError,
  DuplicateKeyError,
  EmptyKeyError,
  FutureRevisionError,
  InvalidArgumentError,
  InvalidSortOptionError,
  KeyNotFoundError,
  LeaseExistsError,
  LeaseNotFoundError,
  LeaseProvidedError,
  LeaseTtlTooLargeError,
  RequestTooLargeError,
  TooManyOpsError,
  ValueProvidedError,
} from '../../src/interface/errors.js';
import type { SortTarget } from '../../src/interface/kv.js';

import { useEtcdBackend } from './helpers.js';

const env = useEtcdBackend();

describe('server errors map to the shared classes with etcd text', () => {
  it('key, value and lease checks', async () => {
    await expect(env.backend.put({ key: '', value: 'x' })).rejects.toBeInstanceOf(EmptyKeyError);
    await expect(env.backend.range({ key: '' })).rejects.toThrow('etcdserver: key is not provided');
    await expect(env.backend.put({ key: 'e/a', value: 'x', ignoreValue: true })).rejects.toBeInstanceOf(
      ValueProvidedError,
    );
    await expect(env.backend.put({ key: 'e/a', lease: 5n, ignoreLease: true })).rejects.toBeInstanceOf(
      LeaseProvidedError,
    );
    await expect(env.backend.put({ key: 'e/absent', ignoreValue: true })).rejects.toBeInstanceOf(
      KeyNotFoundError,
    );
  });

  it('lease not found comes from the gRPC status, not etcd3 text', async () => {
    const put = env.backend.put({ key: 'e/l', value: 'x', lease: 123_456_789n });
    await expect(put).rejects.toBeInstanceOf(LeaseNotFoundError);
    await expect(put).rejects.toThrow('etcdserver: requested lease not found');
    await expect(env.backend.leaseRevoke({ id: 987_654_321n })).rejects.toBeInstanceOf(LeaseNotFoundError);
  });

  it('lease exists and TTL too large', async () => {
    await env.backend.leaseGrant({ ttl: 30, id: 4242n });
    await expect(env.backend.leaseGrant({ ttl: 30, id: 4242n })).rejects.toBeInstanceOf(LeaseExistsError);
    await expect(env.backend.leaseGrant({ ttl: 9_000_000_001 })).rejects.toBeInstanceOf(
      LeaseTtlTooLargeError,
    );
    await env.backend.leaseRevoke({ id: 4242n });
  });

  it('compacted and future revisions', async () => {
    await env.backend.put({ key: 'e/c', value: '1' });
    const r = (await env.backend.put({ key: 'e/c', value: '2' })).header.revision;
    await env.backend.compact({ revision: r });
    await expect(env.backend.range({ key: 'e/c', revision: r - 1 })).rejects.toBeInstanceOf(CompactedError);
    await expect(env.backend.compact({ revision: r })).rejects.toBeInstanceOf(CompactedError);
    await expect(env.backend.range({ key: 'e/c', revision: r + 100 })).rejects.toBeInstanceOf(
      FutureRevisionError,
    );
  });

  it('txn checks: duplicate key, too many ops, request too large', async () => {
    const dup = env.backend.txn({
      success: [{ requestPut: { key: 'e/d' } }, { requestPut: { key: 'e/d' } }],
    });
    await expect(dup).rejects.toBeInstanceOf(DuplicateKeyError);
    const ops = Array.from({ length: 129 }, (_, i) => ({ requestPut: { key: `e/op${i}` } }));
    await expect(env.backend.txn({ success: ops })).rejects.toBeInstanceOf(TooManyOpsError);
    const big = new Uint8Array(1_600_000);
    await expect(env.backend.put({ key: 'e/big', value: big })).rejects.toBeInstanceOf(RequestTooLargeError);
  });
});

describe('client-side checks', () => {
  it('wrong JS types are InvalidArgumentError naming what was received', async () => {
    await expect(env.backend.put({ key: 42 as unknown as string })).rejects.toThrow(
      /key must be a string or Uint8Array, received number 42/,
    );
    await expect(env.backend.put({ key: 'a', lease: 5 as unknown as bigint })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(env.backend.range(null as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      env.backend.txn({ compare: [{ key: 'a', target: 'MOD', result: 'SAME' as 'EQUAL', modRevision: 1 }] }),
    ).rejects.toThrow(/compare.result must be one of/);
    expect(() => env.backend.watchStream().create({ key: 'a', filters: ['NOTHING' as 'NOPUT'] })).toThrow(
      InvalidArgumentError,
    );
  });

  it('an invalid sort option is refused before sending (3.4 would crash), and the server stays up', async () => {
    await expect(env.backend.range({ key: 'a', sortTarget: 'SIZE' as SortTarget })).rejects.toBeInstanceOf(
      InvalidSortOptionError,
    );
    await expect(
      env.backend.txn({ success: [{ requestRange: { key: 'a', sortOrder: 'UP' as 'ASCEND' } }] }),
    ).rejects.toBeInstanceOf(InvalidSortOptionError);
    expect((await env.backend.status()).version).toMatch(/^3\./);
  });

  it('the txn shape that crashes etcd 3.4.23 is answered with KeyNotFoundError and changes nothing', async () => {
    await env.backend.put({ key: 'crash/c', value: 'keep' });
    const before = (await env.backend.status()).header.revision;
    const shapes = [
      [
        { requestDeleteRange: { key: 'crash/b', rangeEnd: '\0' } },
        { requestPut: { key: 'crash/c', ignoreValue: true } },
      ],
      [
        { requestDeleteRange: { key: 'crash/', rangeEnd: '\0' } },
        { requestPut: { key: 'crash/c', ignoreLease: true } },
      ],
      [
        { requestDeleteRange: { key: 'crash/a', rangeEnd: '\0' } },
        { requestTxn: { success: [{ requestPut: { key: 'crash/c', ignoreValue: true } }] } },
      ],
    ];
    for (const success of shapes) {
      await expect(env.backend.txn({ success })).rejects.toBeInstanceOf(KeyNotFoundError);
    }
    // The server is alive and the store unchanged.
    const status = await env.backend.status();
    expect(status.header.revision).toBe(before);
    expect(toText((await env.backend.range({ key: 'crash/c' })).kvs[0]!.value)).toBe('keep');
    // A put after a from-key delete that does not cover it, or before it, goes through.
    const ok = await env.backend.txn({
      success: [
        { requestDeleteRange: { key: 'crash/d', rangeEnd: '\0' } },
        { requestPut: { key: 'crash/c', ignoreValue: true } },
      ],
    });
    expect(ok.succeeded).toBe(true);
  });

  it('calls after close fail with ClosedError', async () => {
    const b = new EtcdBackend({ endpoints: env.server.endpoint });
    await b.status();
    await b.close();
    await expect(b.range({ key: 'a' })).rejects.toBeInstanceOf(ClosedError);
    await expect(b.leaseKeepAlive({ id: 1n })).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('namespace', () => {
  it('prefixes keys, ranges, compares and watches, and strips the prefix from responses', async () => {
    const ns = new EtcdBackend({ endpoints: env.server.endpoint, namespace: 'tenant1/' });
    try {
      await ns.put({ key: 'a', value: '1' });
      await ns.put({ key: 'b', value: '2' });
      await env.backend.put({ key: 'tenant2/a', value: 'other' });
      const raw = await env.backend.range({ key: 'tenant1/a' });
      expect(toText(raw.kvs[0]!.value)).toBe('1');
      const all = await ns.range({ key: '\0', rangeEnd: '\0' });
      expect(all.kvs.map((kv) => toText(kv.key))).toEqual(['a', 'b']);
      const t = await ns.txn({
        compare: [{ key: 'a', target: 'VALUE', result: 'EQUAL', value: '1' }],
        success: [{ requestDeleteRange: { key: 'a', rangeEnd: '\0', prevKv: true } }],
      });
      expect(t.succeeded).toBe(true);
      const del = t.responses[0]!;
      expect(
        'responseDeleteRange' in del && del.responseDeleteRange.prevKvs.map((kv) => toText(kv.key)),
      ).toEqual(['a', 'b']);
      expect((await env.backend.range({ key: 'tenant2/a' })).count).toBe(1); // outside the namespace: untouched
      await expect(ns.put({ key: '', value: 'x' })).rejects.toBeInstanceOf(EmptyKeyError);
    } finally {
      await ns.close();
    }
  });
});
