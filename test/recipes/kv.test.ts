import { expect, it } from 'vitest';
import { Kv, NotFoundError } from '../../src/recipes/index.js';
import { forBackends } from './env.js';

forBackends('kv facade', (target) => {
  it('get / getOrUndefined / put / delete with a namespace', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    const err = await kv.get('missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).key).toBe('missing');
    expect(await kv.getOrUndefined('missing')).toBeUndefined();
    const put = await kv.put('a', 'one');
    expect(await kv.get('a')).toBe('one');
    const entry = await kv.getEntry('a');
    expect(entry).toMatchObject({
      key: 'a',
      text: 'one',
      createRevision: put.revision,
      version: 1,
      lease: 0n,
    });
    expect(await env.keys()).toEqual([`${env.prefix}a`]);
    expect(await kv.delete('a')).toBe(true);
    expect(await kv.delete('a')).toBe(false);
    expect(await env.keys()).toEqual([]);
  });

  it('prefix reads as Map and entries, count, deletePrefix', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    await kv.putAll([
      ['cfg/a', '1'],
      ['cfg/b', '2'],
      ['other', '3'],
    ]);
    expect(await kv.getPrefix('cfg/')).toEqual(
      new Map([
        ['cfg/a', '1'],
        ['cfg/b', '2'],
      ]),
    );
    expect((await kv.getPrefixEntries('cfg/')).map((e) => e.key)).toEqual(['cfg/a', 'cfg/b']);
    expect(await kv.count()).toBe(3);
    expect(await kv.deletePrefix('cfg/')).toBe(2);
    expect(await kv.getPrefix('')).toEqual(new Map([['other', '3']]));
    await kv.deletePrefix('');
    expect(await env.keys()).toEqual([]);
  });

  it('putAll writes every key at one revision', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    const r = await kv.putAll({ x: '1', y: '2', z: '3' });
    const entries = await kv.getPrefixEntries('');
    expect(entries.map((e) => e.modRevision)).toEqual([r.revision, r.revision, r.revision]);
    await kv.deletePrefix('');
  });

  it('put with a TTL grants a lease; the key disappears after it', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    const r = await kv.put('temp', 'v', { ttl: 1 });
    expect(r.lease).not.toBe(0n);
    expect((await kv.getEntry('temp'))?.lease).toBe(r.lease);
    await env.waitFor(async () => expect(await kv.getOrUndefined('temp')).toBeUndefined(), 5_000);
    expect(await env.keys()).toEqual([]);
  });

  it('compareAndSwap, putIfAbsent, compareAndDelete', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    expect(await kv.putIfAbsent('k', 'v1')).toBe(true);
    expect(await kv.putIfAbsent('k', 'v2')).toBe(false);
    expect(await kv.compareAndSwap('k', 'nope', 'v3')).toBe(false);
    expect(await kv.compareAndSwap('k', 'v1', 'v3')).toBe(true);
    const e = (await kv.getEntry('k'))!;
    expect(await kv.compareAndSwap('k', { modRevision: e.modRevision - 1 }, 'v4')).toBe(false);
    expect(await kv.compareAndSwap('k', { modRevision: e.modRevision }, 'v4')).toBe(true);
    expect(await kv.compareAndSwap('absent', undefined, 'new')).toBe(true);
    expect(await kv.get('k')).toBe('v4');
    expect(await kv.compareAndDelete('k', 'v3')).toBe(false);
    expect(await kv.compareAndDelete('k', 'v4')).toBe(true);
    await kv.delete('absent');
    expect(await env.keys()).toEqual([]);
  });

  it('JSON helpers round-trip', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    await kv.putJson('j', { a: [1, 2], b: 'x' });
    expect(await kv.getJson('j')).toEqual({ a: [1, 2], b: 'x' });
    await kv.delete('j');
  });

  it('transaction: concurrent transfers conflict and retry, the total is conserved', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    await kv.putAll({ a: '100', b: '100' });
    const transfer = (from: string, to: string, amount: number) =>
      kv.transaction(async (tx) => {
        const f = Number(await tx.get(from));
        const t = Number(await tx.get(to));
        tx.put(from, String(f - amount));
        tx.put(to, String(t + amount));
      });
    await env.until(
      Promise.all([...Array(10)].map((_, i) => transfer(i % 2 ? 'a' : 'b', i % 2 ? 'b' : 'a', i + 1))),
    );
    const a = Number(await kv.get('a'));
    const b = Number(await kv.get('b'));
    expect(a + b).toBe(200);
    // Odd i move i+1 from a to b (2+4+6+8+10 = 30), even i move i+1 from b to a (1+3+5+7+9 = 25).
    expect(a).toBe(95);
    await kv.deletePrefix('');
    expect(await env.keys()).toEqual([]);
  });

  it('transaction sees its own writes and deletes; read-committed never conflicts', async () => {
    await using env = await target.open();
    const kv = new Kv(env.backend, { namespace: env.prefix });
    await kv.put('x', '1');
    const out = await kv.transaction(async (tx) => {
      tx.put('y', '2');
      tx.del('x');
      return [await tx.get('x'), await tx.get('y')];
    });
    expect(out).toEqual([undefined, '2']);
    expect(await kv.getPrefix('')).toEqual(new Map([['y', '2']]));
    await kv.transaction((tx) => tx.put('y', '3'), { isolation: 'read-committed' });
    expect(await kv.get('y')).toBe('3');
    await kv.deletePrefix('');
  });
});
