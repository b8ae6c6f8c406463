/**
 * Exact numbers and enum encoding on a real etcd: lease IDs above 2^53 round-trip as bigint, revisions
 * are checked conversions, sort/compare/filter enums reach the server as meant, and an empty range end
 * is never sent as an open range.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import type { EtcdBackend } from '../../src/etcd-backend/index.js';
import { toSafeNumber } from '../../src/etcd-backend/numbers.js';
import { InvalidArgumentError, PrecisionLossError } from '../../src/interface/errors.js';
import { collect, useEtcdBackend } from './helpers.js';

const env = useEtcdBackend();

describe('lease IDs are exact bigints', () => {
  it('an explicit ID above 2^53 round-trips through grant, put, range, TTL, leases, keepalive and revoke', async () => {
    const id = 2n ** 62n + 12_345n; // not representable as a double
    expect(Number(id) === Number(id + 1n)).toBe(true); // a Number() anywhere would merge these
    const granted = await env.backend.leaseGrant({ ttl: 30, id });
    expect(granted.id).toBe(id);
    await env.backend.put({ key: 'lease/a', value: 'v', lease: id });
    expect((await env.backend.range({ key: 'lease/a' })).kvs[0]!.lease).toBe(id);
    const ttl = await env.backend.leaseTimeToLive({ id, keys: true });
    expect(ttl.id).toBe(id);
    expect(ttl.keys.map(toText)).toEqual(['lease/a']);
    expect((await env.backend.leaseLeases()).leases.map((l) => l.id)).toContain(id);
    const renewed = await env.backend.leaseKeepAlive({ id });
    expect(renewed.id).toBe(id);
    expect(renewed.ttl).toBe(30);
    // The neighbour ID must not exist: only exact encoding keeps them apart.
    expect((await env.backend.leaseTimeToLive({ id: id + 1n })).ttl).toBe(-1);
    await env.backend.leaseRevoke({ id });
    expect((await env.backend.range({ key: 'lease/a' })).count).toBe(0);
  });

  it('server-chosen IDs (above 2^53 on etcd) are usable as returned', async () => {
    const { id } = await env.backend.leaseGrant({ ttl: 30 });
    expect(id > 2n ** 53n).toBe(true);
    await env.backend.put({ key: 'lease/b', value: 'v', lease: id });
    expect((await env.backend.range({ key: 'lease/b' })).kvs[0]!.lease).toBe(id);
    await env.backend.leaseRevoke({ id });
  });

  it('a negative explicit ID is accepted as etcd does', async () => {
    const granted = await env.backend.leaseGrant({ ttl: 30, id: -7n });
    expect(granted.id).toBe(-7n);
    await env.backend.put({ key: 'lease/neg', value: 'v', lease: -7n });
    expect((await env.backend.range({ key: 'lease/neg' })).kvs[0]!.lease).toBe(-7n);
    expect((await env.backend.leaseKeepAlive({ id: -7n })).id).toBe(-7n);
    await env.backend.leaseRevoke({ id: -7n });
  });
});

describe('revisions and counts', () => {
  it('the checked conversion refuses values above 2^53 − 1 instead of rounding', () => {
    expect(toSafeNumber('rev', '9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => toSafeNumber('rev', '9007199254740992')).toThrow(PrecisionLossError);
    expect(() => toSafeNumber('rev', '-9007199254740993')).toThrow(PrecisionLossError);
    expect(toSafeNumber('rev', '0')).toBe(0);
  });

  it('a revision that is not a safe integer is refused before sending', async () => {
    await expect(env.backend.range({ key: 'a', revision: 2 ** 53 })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(env.backend.range({ key: 'a', revision: 1.5 })).rejects.toThrow(
      /revision must be a safe integer, received number 1.5/,
    );
  });

  it('revisions, versions and counts arrive as numbers with the right values', async () => {
    const first = await env.backend.put({ key: 'rev/a', value: '1' });
    const second = await env.backend.put({ key: 'rev/a', value: '2' });
    expect(second.header.revision).toBe(first.header.revision + 1);
    const got = await env.backend.range({ key: 'rev/', rangeEnd: 'rev0' });
    expect(got.count).toBe(1);
    expect(got.kvs[0]).toMatchObject({
      createRevision: first.header.revision,
      modRevision: second.header.revision,
      version: 2,
    });
  });
});

describe('enums reach the server as meant', () => {
  // Keys whose key order, create order, mod order and value order all differ, so a mis-encoded enum
  // (sent as 0 = KEY/NONE) gives a visibly different answer.
  const prefix = 'sort/';
  beforeAll(async () => {
    await env.backend.put({ key: `${prefix}b`, value: 'm' });
    await env.backend.put({ key: `${prefix}c`, value: 'z' });
    await env.backend.put({ key: `${prefix}a`, value: 'q' });
    await env.backend.put({ key: `${prefix}b`, value: 'k' }); // b: created first, modified last
  });
  const keys = (r: { kvs: { key: Uint8Array }[] }) => r.kvs.map((kv) => toText(kv.key).slice(prefix.length));
  const all = { key: prefix, rangeEnd: 'sort0' };

  it('MOD DESCEND sorts by mod revision, newest first', async () => {
    const r = await env.backend.range({ ...all, sortTarget: 'MOD', sortOrder: 'DESCEND' });
    expect(keys(r)).toEqual(['b', 'a', 'c']);
  });
  it('CREATE ASCEND sorts by create revision', async () => {
    const r = await env.backend.range({ ...all, sortTarget: 'CREATE', sortOrder: 'ASCEND' });
    expect(keys(r)).toEqual(['b', 'c', 'a']);
  });
  it('VALUE DESCEND sorts by value; limit cuts and sets more', async () => {
    const r = await env.backend.range({ ...all, sortTarget: 'VALUE', sortOrder: 'DESCEND' });
    expect(keys(r)).toEqual(['c', 'a', 'b']);
    const asc = await env.backend.range({ ...all, sortTarget: 'VALUE', sortOrder: 'ASCEND', limit: 1 });
    expect(keys(asc)).toEqual(['b']);
    expect(asc.more).toBe(true);
  });
  it('VERSION with NONE order sorts ascending (etcd rule); KEY DESCEND reverses key order', async () => {
    const r = await env.backend.range({ ...all, sortTarget: 'VERSION', sortOrder: 'NONE' });
    expect(keys(r).at(-1)).toBe('b');
    const d = await env.backend.range({ ...all, sortTarget: 'KEY', sortOrder: 'DESCEND' });
    expect(keys(d)).toEqual(['c', 'b', 'a']);
  });

  it('compare results and targets are evaluated as written (not all as EQUAL/VERSION)', async () => {
    const kv = (await env.backend.range({ key: `${prefix}b` })).kvs[0]!;
    const check = async (c: Parameters<EtcdBackend['txn']>[0]['compare']) =>
      (await env.backend.txn({ compare: c })).succeeded;
    const key = `${prefix}b`;
    expect(await check([{ key, target: 'MOD', result: 'EQUAL', modRevision: kv.modRevision }])).toBe(true);
    expect(await check([{ key, target: 'MOD', result: 'GREATER', modRevision: kv.modRevision - 1 }])).toBe(
      true,
    );
    expect(await check([{ key, target: 'MOD', result: 'LESS', modRevision: kv.modRevision }])).toBe(false);
    expect(await check([{ key, target: 'CREATE', result: 'LESS', createRevision: kv.modRevision }])).toBe(
      true,
    );
    expect(await check([{ key, target: 'VERSION', result: 'NOT_EQUAL', version: 1 }])).toBe(true);
    expect(await check([{ key, target: 'VALUE', result: 'EQUAL', value: 'k' }])).toBe(true);
    expect(await check([{ key, target: 'VALUE', result: 'GREATER', value: 'a' }])).toBe(true);
    expect(await check([{ key, target: 'LEASE', result: 'EQUAL', lease: 0n }])).toBe(true);
    expect(await check([{ key, target: 'LEASE', result: 'GREATER', lease: 0n }])).toBe(false);
    // A range compare (range_end set): every key in the range has version ≥ 1.
    expect(
      await check([{ key: prefix, rangeEnd: 'sort0', target: 'VERSION', result: 'GREATER', version: 0 }]),
    ).toBe(true);
    expect(
      await check([{ key: prefix, rangeEnd: 'sort0', target: 'VERSION', result: 'GREATER', version: 1 }]),
    ).toBe(false);
  });

  it('watch filters NOPUT and NODELETE drop the right events', async () => {
    const noPut = env.backend.watch({ key: 'filt/', rangeEnd: 'filt0', filters: ['NOPUT'] });
    const noDelete = env.backend.watch({ key: 'filt/', rangeEnd: 'filt0', filters: ['NODELETE'] });
    await Promise.all([noPut.created, noDelete.created]);
    await env.backend.put({ key: 'filt/x', value: '1' });
    await env.backend.deleteRange({ key: 'filt/x' });
    const [a, b] = await Promise.all([
      collect(noPut, (all) => all.some((r) => r.events.length > 0)),
      collect(noDelete, (all) => all.some((r) => r.events.length > 0)),
    ]);
    expect(a.flatMap((r) => r.events.map((e) => e.type))).toEqual(['DELETE']);
    expect(b.flatMap((r) => r.events.map((e) => e.type))).toEqual(['PUT']);
  });
});

describe('range ends', () => {
  it('an empty rangeEnd means the single key, never an open range', async () => {
    await env.backend.put({ key: 'end/a', value: '1' });
    await env.backend.put({ key: 'end/b', value: '2' });
    const r = await env.backend.range({ key: 'end/a', rangeEnd: '' });
    expect(r.kvs.map((kv) => toText(kv.key))).toEqual(['end/a']);
    const t = await env.backend.txn({
      success: [{ requestRange: { key: 'end/a', rangeEnd: new Uint8Array() } }],
    });
    const inner = t.responses[0]!;
    expect('responseRange' in inner && inner.responseRange.count).toBe(1);
    const c = await env.backend.txn({
      compare: [{ key: 'end/a', rangeEnd: '', target: 'VALUE', result: 'EQUAL', value: '1' }],
    });
    expect(c.succeeded).toBe(true);
  });

  it('"\\0" as rangeEnd is from-key', async () => {
    const r = await env.backend.range({ key: 'end/a', rangeEnd: '\0', keysOnly: true });
    expect(r.kvs.map((kv) => toText(kv.key))).toContain('end/b');
  });
});
