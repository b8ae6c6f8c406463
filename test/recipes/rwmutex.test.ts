import { expect, it } from 'vitest';
import { leaseHex, toText } from '../../src/common/bytes.js';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import {
  LockedError,
  LockReleasedError,
  RWMutex,
  Session,
  SessionExpiredError,
  WaitTimeoutError,
} from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { settledAfter } from './helpers.js';

forBackends('rwmutex', (target) => {
  it('readers share the lock; a writer waits for all of them; keys are pfx/read|write/<leaseHex>_<id>', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}rw`;
    const r1 = await new RWMutex(s, pfx).rLock();
    const r2 = await new RWMutex(s, pfx).rLock();
    expect(r1.mode).toBe('read');
    expect(r1.key).toMatch(new RegExp(`^${pfx}/read/${leaseHex(s.lease)}_[0-9a-f]{12}$`));
    expect(r1.key).not.toBe(r2.key);
    const kv = (await env.backend.range({ key: r1.key })).kvs[0]!;
    expect(kv.lease).toBe(s.lease);
    expect(r1.fencingToken).toBe(kv.createRevision);
    const w = new RWMutex(s, pfx);
    const writing = w.lock();
    expect(await settledAfter(env, writing, 300)).toBe(false);
    await r1.rUnlock();
    expect(await settledAfter(env, writing, 300)).toBe(false);
    const r2Token = r2.fencingToken;
    await r2.rUnlock();
    await env.until(writing, 10_000);
    expect(w.mode).toBe('write');
    expect(w.key).toMatch(new RegExp(`^${pfx}/write/`));
    expect(w.fencingToken).toBeGreaterThan(r2Token);
    await expect(w.rUnlock()).rejects.toBeInstanceOf(LockReleasedError);
    await w.unlock();
    expect(w.held).toBe(false);
    await expect(w.unlock()).rejects.toBeInstanceOf(LockReleasedError);
    expect(await env.keys()).toEqual([]);
  });

  it('fair: a waiting writer blocks readers that come after it; tokens follow the order of service', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}fair`;
    const r1 = await new RWMutex(s, pfx).rLock();
    const r1Token = r1.fencingToken;
    const w = new RWMutex(s, pfx);
    const writing = w.lock();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    const r2 = new RWMutex(s, pfx);
    const reading = r2.rLock();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(3));
    // Only a reader holds, yet the later reader waits behind the writer.
    expect(await settledAfter(env, reading, 300)).toBe(false);
    await r1.rUnlock();
    await env.until(writing, 10_000);
    const wToken = w.fencingToken;
    expect(wToken).toBeGreaterThan(r1Token);
    expect(await settledAfter(env, reading, 300)).toBe(false);
    await w.unlock();
    await env.until(reading, 10_000);
    expect(r2.fencingToken).toBeGreaterThan(wToken);
    await r2.rUnlock();
    expect(await env.keys()).toEqual([]);
  });

  it('tryLock / tryRLock throw LockedError and leave no key; one side per object', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}try`;
    const r = await new RWMutex(s, pfx).tryRLock();
    await new RWMutex(s, pfx).tryRLock().then((m) => m.rUnlock());
    const w = new RWMutex(s, pfx);
    const err = await w.tryLock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect(await env.keys()).toEqual([r.key]);
    await expect(r.lock()).rejects.toBeInstanceOf(InvalidArgumentError);
    await r.rUnlock();
    await w.tryLock();
    await expect(new RWMutex(s, pfx).tryRLock()).rejects.toBeInstanceOf(LockedError);
    expect(await env.keys()).toEqual([w.key]);
    await w.unlock();
    expect(await env.keys()).toEqual([]);
  });

  it('a cancelled or timed-out wait removes its key', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}cancel`;
    const w = await new RWMutex(s, pfx).lock();
    const reader = new RWMutex(s, pfx);
    const controller = new AbortController();
    const reading = reader.rLock({ signal: controller.signal });
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    controller.abort();
    await expect(env.until(reading)).rejects.toThrow();
    expect(await env.keys()).toEqual([w.key]);
    const err = await env.until(
      new RWMutex(s, pfx).lock({ timeoutMs: 1_000 }).catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toBe('rwmutex: lock: timed out after 1000 ms');
    expect(await env.keys()).toEqual([w.key]);
    await w.unlock();
  });

  it('a waiter whose lease is revoked gets SessionExpiredError and leaves nothing behind', async () => {
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 10 });
    const b = await Session.create(env.backend, { ttl: 3 }); // its loss is seen at the next keepalive (TTL/3)
    const pfx = `${env.prefix}exp`;
    const w = await new RWMutex(a, pfx).lock();
    const reading = new RWMutex(b, pfx).rLock();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    await env.client().leaseRevoke({ id: b.lease });
    const err = await env.until(
      reading.catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(SessionExpiredError);
    await w.unlock();
    expect(await env.keys()).toEqual([]);
    await b.close();
  });

  it('fencing: a writer whose lease expired cannot write once a reader holds; lost aborts', async () => {
    await using env = await target.open();
    const a = await Session.create(env.backend, { ttl: 1 });
    await using b = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}fence`;
    const w = await new RWMutex(a, pfx).lock();
    const lost = new Promise((r) => w.lost.addEventListener('abort', () => r(w.lost.reason)));
    const reader = new RWMutex(b, pfx);
    const reading = reader.rLock();
    a.orphan(); // the writer "pauses": its lease runs out
    await env.until(reading, 20_000);
    await env.until(lost);
    expect(w.held).toBe(false);
    const data = `${env.prefix}data`;
    expect((await w.guardedTxn([{ requestPut: { key: data, value: 'stale' } }])).succeeded).toBe(false);
    const read = await reader.guardedTxn([{ requestRange: { key: data } }]);
    expect(read.succeeded).toBe(true);
    expect(reader.fencingToken).toBeGreaterThan(w.fencingToken);
    expect((await env.backend.range({ key: data })).kvs).toEqual([]);
    await reader.rUnlock();
    expect(await env.keys()).toEqual([]);
  });

  it('await using releases at scope end', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    {
      await using r = await new RWMutex(s, `${env.prefix}u`).rLock();
      expect(toText((await env.backend.range({ key: r.key })).kvs[0]!.key)).toBe(r.key);
    }
    expect(await env.keys()).toEqual([]);
  });
});
