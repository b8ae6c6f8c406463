import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import { ServiceRegistry, type ServiceSnapshot } from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { withFaults } from './faults.js';

const ids = (s: ServiceSnapshot) => [...s.instances.keys()].sort();

forBackends('service registry', (target) => {
  it('register, discover a consistent snapshot, deregister; no keys left', async () => {
    await using env = await target.open();
    const registry = new ServiceRegistry(env.backend, { prefix: `${env.prefix}svc`, ttl: 5 });
    const a = await registry.register('api', 'a', { host: '10.0.0.1', port: 80 });
    await registry.register('api', 'b', { host: '10.0.0.2', port: 80 });
    await registry.register('db', 'x', { host: '10.0.0.9' });
    expect(a.key).toBe(`${env.prefix}svc/api/a`);
    const snap = await registry.discover<{ host: string; port: number }>('api');
    expect(ids(snap)).toEqual(['a', 'b']);
    expect(snap.instances.get('a')?.data).toEqual({ host: '10.0.0.1', port: 80 });
    expect(snap.instances.get('a')?.lease).toBe(a.session?.lease);
    await a.deregister();
    expect(ids(await registry.discover('api'))).toEqual(['b']);
    await registry.close();
    expect(await env.keys()).toEqual([]);
    expect(() => registry.keyOf('a/b', 'x')).toThrow(InvalidArgumentError);
  });

  it('watch yields the full instance set after each revision that changed it', async () => {
    await using env = await target.open();
    await using registry = new ServiceRegistry(env.backend, { prefix: `${env.prefix}svc`, ttl: 5 });
    await registry.register('api', 'a', 1);
    const controller = new AbortController();
    const snapshots: ServiceSnapshot[] = [];
    const watching = (async () => {
      for await (const s of registry.watch('api', { signal: controller.signal })) snapshots.push(s);
    })();
    await env.waitFor(async () => expect(snapshots.length).toBe(1));
    const b = await registry.register('api', 'b', 2);
    // Two instances removed in ONE revision: one snapshot, never a half-applied one.
    await env.backend.txn({
      success: [
        { requestDeleteRange: { key: registry.keyOf('api', 'a') } },
        { requestDeleteRange: { key: registry.keyOf('api', 'b') } },
      ],
    });
    await env.waitFor(async () => expect(snapshots.length).toBe(3));
    controller.abort();
    await env.until(watching);
    expect(snapshots.map(ids)).toEqual([['a'], ['a', 'b'], []]);
    for (let i = 1; i < snapshots.length; i++)
      expect(snapshots[i]!.revision).toBeGreaterThan(snapshots[i - 1]!.revision);
    expect(snapshots[1]!.instances.get('b')?.data).toBe(2);
    await b.deregister();
  });

  it('an instance whose lease is lost re-registers on a new session and reappears', async () => {
    await using env = await target.open();
    await using registry = new ServiceRegistry(env.backend, {
      prefix: `${env.prefix}svc`,
      ttl: 2,
      retryMs: 200,
    });
    const reg = await registry.register('api', 'a', { v: 1 });
    const firstLease = reg.session!.lease;
    const controller = new AbortController();
    const snapshots: ServiceSnapshot[] = [];
    const watching = (async () => {
      for await (const s of registry.watch('api', { signal: controller.signal })) snapshots.push(s);
    })();
    await env.waitFor(async () => expect(snapshots.length).toBe(1));
    // The lease is revoked behind the registration's back: the key disappears at once.
    await env.client().leaseRevoke({ id: firstLease });
    await env.waitFor(async () => expect(reg.generation).toBe(2), 10_000);
    expect(reg.session!.lease).not.toBe(firstLease);
    const snap = await registry.discover('api');
    expect(ids(snap)).toEqual(['a']);
    expect(snap.instances.get('a')?.lease).toBe(reg.session!.lease);
    await env.waitFor(async () => expect(snapshots.map(ids)).toEqual([['a'], [], ['a']]));
    controller.abort();
    await env.until(watching);
    await registry.close();
    expect(await env.keys()).toEqual([]);
  });

  it('re-registers after the server was unreachable for longer than the TTL', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using registry = new ServiceRegistry(faults.backend, {
      prefix: `${env.prefix}svc`,
      ttl: 1,
      retryMs: 200,
    });
    const reg = await registry.register('api', 'a', 'x');
    const first = reg.session!;
    faults.failing.add('leaseKeepAlive');
    await env.waitFor(async () => expect(first.keepAlive.lossReason).toBe('unreachable'), 10_000);
    faults.failing.delete('leaseKeepAlive');
    await env.waitFor(async () => expect(reg.generation).toBeGreaterThanOrEqual(2), 10_000);
    const generation = reg.generation;
    await env.advance(3_000);
    // Healthy again: the registration stays on its new lease.
    expect(reg.generation).toBe(generation);
    expect(reg.session!.lease).not.toBe(first.lease);
    const snap = await registry.discover('api');
    expect(snap.instances.get('a')?.lease).toBe(reg.session!.lease);
    await registry.close();
    expect(await env.keys()).toEqual([]);
  });

  it('after a loss whose old lease is still alive, the key moves to the new lease first: watchers see only a PUT', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using registry = new ServiceRegistry(faults.backend, {
      prefix: `${env.prefix}svc`,
      ttl: 2,
      retryMs: 200,
    });
    const reg = await registry.register('api', 'a', 'x');
    const first = reg.session!;
    const start = (await env.backend.range({ key: reg.key })).header.revision + 1;
    const controller = new AbortController();
    const events: { type: string; lease: bigint }[] = [];
    const watching = (async () => {
      const watcher = env
        .client()
        .watch({ key: reg.key, startRevision: start }, { signal: controller.signal });
      for await (const r of watcher)
        for (const e of r.events) events.push({ type: e.type, lease: e.kv.lease });
    })();
    // Keepalives reach the server (the lease stays alive there) but no reply comes back: the session
    // declares the lease lost ("unreachable") although it is not.
    faults.replyLost.add('leaseKeepAlive');
    await env.waitFor(async () => expect(first.keepAlive.lossReason).toBe('unreachable'), 10_000);
    faults.replyLost.delete('leaseKeepAlive');
    await env.waitFor(async () => expect(reg.generation).toBe(2), 10_000);
    const second = reg.session!.lease;
    // The old lease is revoked once the key is off it.
    await env.waitFor(async () =>
      expect((await env.backend.leaseTimeToLive({ id: first.lease })).ttl).toBe(-1),
    );
    await env.waitFor(async () => expect(events).toEqual([{ type: 'PUT', lease: second }]));
    const snap = await registry.discover('api');
    expect(snap.instances.get('a')?.lease).toBe(second);
    controller.abort();
    await env.until(watching);
    await registry.close();
    expect(await env.keys()).toEqual([]);
  });
});
