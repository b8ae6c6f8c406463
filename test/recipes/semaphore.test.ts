import { expect, it } from 'vitest';
import { leaseHex, toText } from '../../src/common/bytes.js';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import type { WatchCreateRequest } from '../../src/interface/watch.js';
import {
  LockReleasedError,
  Semaphore,
  SemaphoreFullError,
  Session,
  SessionExpiredError,
  WaitTimeoutError,
} from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { settledAfter } from './helpers.js';

forBackends('semaphore', (target) => {
  it('limit 2: two hold at once, the third waits until one releases; keys and tokens', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}sem`;
    const a = await new Semaphore(s, pfx, 2).acquire();
    const b = await new Semaphore(s, pfx, 2).acquire();
    expect(a.key).toMatch(new RegExp(`^${pfx}/holders/${leaseHex(s.lease)}_[0-9a-f]{12}$`));
    const kv = (await env.backend.range({ key: a.key })).kvs[0]!;
    expect(kv.lease).toBe(s.lease);
    expect(a.fencingToken).toBe(kv.createRevision);
    expect(b.fencingToken).toBeGreaterThan(a.fencingToken);
    const c = new Semaphore(s, pfx, 2);
    const waiting = c.acquire();
    expect(await settledAfter(env, waiting, 300)).toBe(false);
    expect((await env.keys()).filter((k) => k.includes('/waiters/'))).toHaveLength(1);
    const bToken = b.fencingToken;
    await a.release();
    await env.until(waiting, 10_000);
    expect(c.held).toBe(true);
    expect(c.fencingToken).toBeGreaterThan(bToken);
    await expect(a.release()).rejects.toBeInstanceOf(LockReleasedError);
    await b.release();
    await c.release();
    expect(await env.keys()).toEqual([]);
  });

  it('waiters are served first come, first served; only the first waiter watches the holders', async () => {
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
    await using s = await Session.create(spy, { ttl: 10 });
    const pfx = `${env.prefix}fifo`;
    const holder = await new Semaphore(s, pfx, 1).acquire();
    const waiters = [0, 1, 2].map(() => new Semaphore(s, pfx, 1));
    const order: number[] = [];
    const done: Promise<void>[] = [];
    for (const [i, w] of waiters.entries()) {
      done.push(w.acquire().then(() => void order.push(i)));
      await env.waitFor(async () => expect((await env.keys()).length).toBe(i + 2));
    }
    await env.waitFor(async () => expect(watched.length).toBe(3));
    // The first waiter watches the holders; each later one, only the waiter just before it.
    expect(watched[0]).toBe(`${pfx}/holders/`);
    expect(watched.slice(1).every((k) => k.startsWith(`${pfx}/waiters/`))).toBe(true);
    await holder.release();
    for (const [i, w] of waiters.entries()) {
      await env.until(done[i]!, 10_000);
      expect(order).toEqual([0, 1, 2].slice(0, i + 1));
      expect(await settledAfter(env, done[i + 1] ?? Promise.resolve(), 200)).toBe(i === 2);
      await w.release();
    }
    expect(await env.keys()).toEqual([]);
  });

  it('tryAcquire: SemaphoreFullError when full, no key left; bad limits are rejected', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}try`;
    const a = await new Semaphore(s, pfx, 1).tryAcquire();
    const err = await new Semaphore(s, pfx, 1).tryAcquire().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SemaphoreFullError);
    expect((err as Error).message).toBe('semaphore: no permit available');
    expect(await env.keys()).toEqual([a.key]);
    expect(() => new Semaphore(s, pfx, 0)).toThrow(InvalidArgumentError);
    expect(() => new Semaphore(s, pfx, 1.5)).toThrow('limit must be an integer ≥ 1, received 1.5');
    await expect(a.acquire()).rejects.toBeInstanceOf(InvalidArgumentError);
    await a.release();
    expect(await env.keys()).toEqual([]);
  });

  it('a crashed holder frees its permit when its lease expires; its guarded write then fails', async () => {
    await using env = await target.open();
    const crashed = await Session.create(env.backend, { ttl: 1 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}crash`;
    const z = await new Semaphore(crashed, pfx, 1).acquire();
    const lost = new Promise((r) => z.lost.addEventListener('abort', () => r(z.lost.reason)));
    const next = new Semaphore(s, pfx, 1);
    const waiting = next.acquire();
    expect(await settledAfter(env, waiting, 300)).toBe(false);
    crashed.orphan();
    await env.until(waiting, 20_000);
    await env.until(lost);
    const data = `${env.prefix}data`;
    expect((await z.guardedTxn([{ requestPut: { key: data, value: 'zombie' } }])).succeeded).toBe(false);
    expect((await next.guardedTxn([{ requestPut: { key: data, value: 'live' } }])).succeeded).toBe(true);
    expect(next.fencingToken).toBeGreaterThan(z.fencingToken);
    await next.release();
    await env.backend.deleteRange({ key: data });
    expect(await env.keys()).toEqual([]);
  });

  it('cancelling the first waiter (signal or timeout) lets the next one through; no key left', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const pfx = `${env.prefix}cancel`;
    const holder = await new Semaphore(s, pfx, 1).acquire();
    const controller = new AbortController();
    const first = new Semaphore(s, pfx, 1).acquire({ signal: controller.signal });
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    const second = new Semaphore(s, pfx, 1);
    const secondWaits = second.acquire();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(3));
    controller.abort();
    await expect(env.until(first)).rejects.toThrow();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    const err = await env.until(
      new Semaphore(s, pfx, 1).acquire({ timeoutMs: 500 }).catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(await settledAfter(env, secondWaits, 200)).toBe(false);
    await holder.release();
    await env.until(secondWaits, 10_000);
    await second.release();
    expect(await env.keys()).toEqual([]);
  });

  it('a waiter whose lease is revoked gets SessionExpiredError', async () => {
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 10 });
    const b = await Session.create(env.backend, { ttl: 3 }); // its loss is seen at the next keepalive (TTL/3)
    const pfx = `${env.prefix}exp`;
    const holder = await new Semaphore(a, pfx, 1).acquire();
    const waiting = new Semaphore(b, pfx, 1).acquire();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    await env.client().leaseRevoke({ id: b.lease });
    const err = await env.until(
      waiting.catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(SessionExpiredError);
    await holder.release();
    expect(await env.keys()).toEqual([]);
    await b.close();
  });

  it('await using releases the permit at scope end', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    {
      await using p = await new Semaphore(s, `${env.prefix}u`, 3).acquire();
      expect(await env.keys()).toEqual([p.key]);
    }
    expect(await env.keys()).toEqual([]);
  });
});
