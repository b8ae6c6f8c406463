import { expect, it } from 'vitest';
import { leaseHex, toText } from '../../src/common/bytes.js';
import { UnavailableError, UnknownOutcomeError } from '../../src/interface/errors.js';
import type { WatchCreateRequest } from '../../src/interface/watch.js';
import {
  LockCleanupError,
  LockedError,
  LockReleasedError,
  Mutex,
  Session,
  SessionExpiredError,
  WaitTimeoutError,
} from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { withFaults } from './faults.js';

/** Settles? Lets the backend work for a moment, then tells whether `p` has settled. */
async function settledAfter(env: { advance(ms: number): Promise<void> }, p: Promise<unknown>, ms: number) {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await env.advance(ms);
  return settled;
}

forBackends('mutex', (target) => {
  it('lock puts pfx/<leaseHex>, the fencing token is its create revision, unlock deletes it', async () => {
    await using env = await target.open();
    const { backend } = env;
    await using session = await Session.create(backend, { ttl: 5 });
    const m = new Mutex(session, `${env.prefix}lock`);
    await expect(m.unlock()).rejects.toBeInstanceOf(LockReleasedError);
    await m.lock();
    expect(m.key).toBe(`${env.prefix}lock/${leaseHex(session.lease)}`);
    const kv = (await backend.range({ key: m.key })).kvs[0]!;
    expect(kv.lease).toBe(session.lease);
    expect(m.fencingToken).toBe(kv.createRevision);
    expect(m.held).toBe(true);
    const guarded = await m.guardedTxn([{ requestPut: { key: `${env.prefix}data`, value: 'x' } }]);
    expect(guarded.succeeded).toBe(true);
    await m.unlock();
    expect(m.held).toBe(false);
    expect(await env.keys()).toEqual([`${env.prefix}data`]);
    const err = await m.unlock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockReleasedError);
    expect((err as Error).message).toBe('mutex: lock has already been released');
    await backend.deleteRange({ key: `${env.prefix}data` });
  });

  it('tryLock on a held mutex throws LockedError and removes its own key', async () => {
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 5 });
    await using b = await Session.create(env.backend, { ttl: 5 });
    const ma = await new Mutex(a, `${env.prefix}l`).tryLock();
    const mb = new Mutex(b, `${env.prefix}l`);
    const err = await mb.tryLock().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toBe('mutex: Locked by another session');
    expect(await env.keys()).toEqual([ma.key]);
    await ma.unlock();
    await mb.tryLock();
    expect(mb.held).toBe(true);
    await mb.unlock();
    expect(await env.keys()).toEqual([]);
  });

  it('waiters are served in create order, each watching only its predecessor (no herd)', async () => {
    await using env = await target.open();
    const watched: string[] = [];
    const spy = new Proxy(env.backend, {
      get(t, p, r) {
        const v = Reflect.get(t, p, r);
        if (p === 'watch') {
          return (req: WatchCreateRequest, o?: unknown) => {
            watched.push(typeof req.key === 'string' ? req.key : toText(req.key));
            return (v as (...a: unknown[]) => unknown).call(t, req, o);
          };
        }
        return typeof v === 'function' ? v.bind(t) : v;
      },
    });
    const sessions = await Promise.all([0, 1, 2, 3].map(() => Session.create(spy, { ttl: 10 })));
    const mutexes = sessions.map((s) => new Mutex(s, `${env.prefix}q`));
    await mutexes[0]!.lock();
    const order: number[] = [];
    const waits: Promise<void>[] = [];
    for (const i of [1, 2, 3]) {
      waits.push(
        mutexes[i]!.lock().then(() => {
          order.push(i);
        }),
      );
      // Let each contender create its key before the next one: their create order is 1, 2, 3.
      await env.waitFor(async () => expect((await env.keys()).length).toBe(i + 1));
    }
    await env.waitFor(async () => expect(watched.length).toBe(3));
    expect(watched).toEqual([mutexes[0]!.key, mutexes[1]!.key, mutexes[2]!.key]);
    for (const i of [1, 2, 3]) {
      const holder = mutexes[i - 1]!;
      expect(await settledAfter(env, waits[i - 1]!, 300)).toBe(false);
      const previousToken = holder.fencingToken;
      await holder.unlock();
      await env.until(waits[i - 1]!, 10_000);
      expect(order).toEqual([1, 2, 3].slice(0, i));
      expect(mutexes[i]!.fencingToken).toBeGreaterThan(previousToken);
    }
    // Each waiter watched once: unlocking one holder woke exactly one waiter.
    expect(watched.length).toBe(3);
    await mutexes[3]!.unlock();
    await Promise.all(sessions.map((s) => s.close()));
    expect(await env.keys()).toEqual([]);
  });

  it('cancelling a waiting lock (signal or timeout) removes its key', async () => {
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 10 });
    await using b = await Session.create(env.backend, { ttl: 10 });
    const ma = await new Mutex(a, `${env.prefix}c`).lock();
    const mb = new Mutex(b, `${env.prefix}c`);
    const controller = new AbortController();
    const waiting = mb.lock({ signal: controller.signal });
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    controller.abort();
    await expect(env.until(waiting)).rejects.toThrow();
    expect(await env.keys()).toEqual([ma.key]);
    const timed = mb.lock({ timeoutMs: 1_000 });
    const err = await env.until(
      timed.catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(await env.keys()).toEqual([ma.key]);
    await ma.unlock();
    expect(await env.keys()).toEqual([]);
  });

  it('a waiter whose lease is revoked while waiting gets SessionExpiredError (#11456), no key left', async () => {
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 10 });
    const b = await Session.create(env.backend, { ttl: 10 });
    const ma = await new Mutex(a, `${env.prefix}e`).lock();
    const mb = new Mutex(b, `${env.prefix}e`);
    const waiting = mb.lock();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    await env.client().leaseRevoke({ id: b.lease });
    await ma.unlock();
    const err = await env.until(
      waiting.catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(SessionExpiredError);
    expect((err as Error).message).toBe('mutex: session is expired');
    expect(mb.held).toBe(false);
    expect(await env.keys()).toEqual([]);
    await b.close();
  });

  it('fencing: once the holder lease is gone and another holds the lock, the stale guarded write fails', async () => {
    await using env = await target.open();
    const a = await Session.create(env.backend, { ttl: 1 });
    await using b = await Session.create(env.backend, { ttl: 10 });
    const ma = await new Mutex(a, `${env.prefix}f`).lock();
    const lostA = new Promise((r) => ma.lost.addEventListener('abort', () => r(ma.lost.reason)));
    const mb = new Mutex(b, `${env.prefix}f`);
    const waiting = mb.lock();
    // A "pauses": its keepalive stops, the lease expires, B takes over.
    a.orphan();
    await env.until(waiting, 20_000);
    await env.until(lostA);
    expect(mb.fencingToken).toBeGreaterThan(ma.fencingToken);
    const counter = `${env.prefix}counter`;
    const stale = await ma.guardedTxn([{ requestPut: { key: counter, value: 'stale' } }]);
    expect(stale.succeeded).toBe(false);
    const fresh = await mb.guardedTxn([{ requestPut: { key: counter, value: 'fresh' } }]);
    expect(fresh.succeeded).toBe(true);
    expect(toText((await env.backend.range({ key: counter })).kvs[0]!.value)).toBe('fresh');
    await mb.unlock();
    await env.backend.deleteRange({ key: counter });
    expect(await env.keys()).toEqual([]);
  });

  it('lock.lost aborts when the session lease is revoked while held', async () => {
    await using env = await target.open();
    const s = await Session.create(env.backend, { ttl: 3 });
    const m = await new Mutex(s, `${env.prefix}x`).lock();
    const lost = new Promise((r) => m.lost.addEventListener('abort', () => r(m.lost.reason)));
    await env.client().leaseRevoke({ id: s.lease });
    await env.until(lost, 10_000);
    expect(m.held).toBe(false);
    expect((await m.guardedTxn([{ requestPut: { key: `${env.prefix}y`, value: '1' } }])).succeeded).toBe(
      false,
    );
    expect(await env.keys()).toEqual([]);
  });

  it('await using releases the lock at scope end', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 5 });
    {
      await using m = await new Mutex(s, `${env.prefix}u`).lock();
      expect(await env.keys()).toEqual([m.key]);
    }
    expect(await env.keys()).toEqual([]);
  });

  it('a lock whose acquire txn applied but lost its reply removes its key: the next contender is not blocked', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using a = await Session.create(faults.backend, { ttl: 10 });
    await using b = await Session.create(env.backend, { ttl: 10 });
    const ma = new Mutex(a, `${env.prefix}lost`);
    faults.replyLost.add('txn');
    const err = await env.until(ma.lock().catch((e: unknown) => e));
    faults.replyLost.delete('txn');
    expect(err).toBeInstanceOf(UnknownOutcomeError);
    expect(ma.held).toBe(false);
    expect(await env.keys()).toEqual([]);
    // Nobody holds the lock, so another session gets it at once.
    const mb = await new Mutex(b, `${env.prefix}lost`).tryLock();
    expect(mb.held).toBe(true);
    await mb.unlock();
  });

  it('the key of a failed lock is removed even when the first deletes fail (retried with backoff)', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using a = await Session.create(faults.backend, { ttl: 10 });
    const ma = new Mutex(a, `${env.prefix}retry`);
    faults.replyLost.add('txn');
    faults.failNext('deleteRange', 3);
    const err = await env.until(ma.lock().catch((e: unknown) => e));
    faults.replyLost.delete('txn');
    expect(err).toBeInstanceOf(UnknownOutcomeError);
    expect(await env.keys()).toEqual([]);
    await ma.lock();
    expect(ma.held).toBe(true);
    await ma.unlock();
  });

  it('when the key of a failed lock cannot be removed within the session TTL, the error says it may remain', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const ttl = Math.max(env.minTtl, 2);
    const a = await Session.create(faults.backend, { ttl });
    const ma = new Mutex(a, `${env.prefix}left`);
    faults.replyLost.add('txn');
    faults.failing.add('deleteRange');
    const err = await env.until(ma.lock().catch((e: unknown) => e));
    faults.replyLost.delete('txn');
    faults.failing.delete('deleteRange');
    expect(err).toBeInstanceOf(LockCleanupError);
    const cleanup = err as LockCleanupError;
    expect(cleanup.message).toMatch(/may remain.* until the session ends/);
    expect(cleanup.key).toBe(`${env.prefix}left/${leaseHex(a.lease)}`);
    expect(cleanup.cause).toBeInstanceOf(UnknownOutcomeError);
    expect(cleanup.cleanupError).toBeInstanceOf(UnavailableError);
    expect(await env.keys()).toEqual([cleanup.key]);
    await a.close(); // ending the session removes it
    expect(await env.keys()).toEqual([]);
  });

  it('a failed unlock leaves the mutex held, and unlock can be retried', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using a = await Session.create(faults.backend, { ttl: 10 });
    const m = await new Mutex(a, `${env.prefix}unl`).lock();
    const { key, fencingToken } = m;
    faults.failing.add('deleteRange');
    await expect(m.unlock()).rejects.toBeInstanceOf(UnavailableError);
    await expect(m[Symbol.asyncDispose]()).rejects.toBeInstanceOf(UnavailableError);
    faults.failing.delete('deleteRange');
    expect(m.held).toBe(true);
    expect(m.key).toBe(key);
    expect(m.fencingToken).toBe(fencingToken);
    expect(await env.keys()).toEqual([key]);
    // A delete whose reply was lost may have been applied: the state still waits for a confirmed one.
    faults.replyLost.add('deleteRange');
    await expect(m.unlock()).rejects.toBeInstanceOf(UnknownOutcomeError);
    faults.replyLost.delete('deleteRange');
    expect(m.held).toBe(true);
    await m.unlock();
    expect(m.held).toBe(false);
    expect(m.key).toBe('\u0000');
    expect(await env.keys()).toEqual([]);
    await expect(m.unlock()).rejects.toBeInstanceOf(LockReleasedError);
  });
});
