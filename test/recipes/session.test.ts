import { expect, it } from 'vitest';
import { InvalidArgumentError, LeaseNotFoundError } from '../../src/interface/errors.js';
import { keepAlive } from '../../src/lease/keep-alive.js';
import { LeaseLostError, Mutex, Session, SessionClosedError } from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { withFaults } from './faults.js';

forBackends('session', (target) => {
  it('keeps its lease alive across several TTLs, then close() revokes it and deletes its keys', async () => {
    await using env = await target.open();
    const { backend } = env;
    const session = await Session.create(backend, { ttl: 2 });
    await backend.put({ key: `${env.prefix}k`, value: 'v', lease: session.lease });
    await env.advance(5_000);
    expect(session.alive).toBe(true);
    expect(session.keepAlive.renewals).toBeGreaterThanOrEqual(3);
    const ttl = await backend.leaseTimeToLive({ id: session.lease });
    expect(ttl.ttl).toBeGreaterThan(0);
    expect(await env.keys()).toEqual([`${env.prefix}k`]);
    await session.close();
    expect(session.done.aborted).toBe(true);
    expect(session.done.reason).toBeInstanceOf(SessionClosedError);
    expect(await env.keys()).toEqual([]);
    expect((await backend.leaseTimeToLive({ id: session.lease })).ttl).toBe(-1);
    await session.close(); // idempotent
  });

  it('done aborts with reason "expired" when another client revokes the lease; its keys are gone then', async () => {
    await using env = await target.open();
    const session = await Session.create(env.backend, { ttl: 3 });
    await env.backend.put({ key: `${env.prefix}k`, value: 'v', lease: session.lease });
    await env.client().leaseRevoke({ id: session.lease });
    const reason = await env.until(session.finished, 10_000);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('expired');
    // "expired" is the server's word: the lease and every key on it are gone.
    expect(await env.keys()).toEqual([]);
    await session.close(); // already gone: not an error
  });

  it('"unreachable" does not mean the lease is gone: its keys stay and guarded writes commit until it expires there', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const session = await Session.create(faults.backend, { ttl: 2 });
    const lock = await new Mutex(session, `${env.prefix}m`).lock();
    const write = `${env.prefix}w`;
    const guardedWrite = async () =>
      (await lock.guardedTxn([{ requestPut: { key: write, value: 'late' } }])).succeeded;
    // Keepalives reach the server, renewing the lease there, but their replies are lost.
    faults.replyLost.add('leaseKeepAlive');
    const reason = await env.until(session.finished, 10_000);
    faults.replyLost.delete('leaseKeepAlive');
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect((reason as LeaseLostError).reason).toBe('unreachable');
    expect(lock.held).toBe(false);
    // The server still has the lease: others still see the lock key, and a guarded write still commits.
    expect((await env.client().leaseTimeToLive({ id: session.lease })).ttl).toBeGreaterThan(0);
    expect(await env.keys()).toEqual([lock.key]);
    expect(await guardedWrite()).toBe(true);
    // With no more renewals the server expires it within one TTL; only then do guarded writes fail.
    await env.waitFor(async () => expect(await env.keys()).toEqual([write]), 5_000);
    expect(await guardedWrite()).toBe(false);
    await env.backend.deleteRange({ key: write });
  });

  it('orphan() stops renewing: the lease and its keys expire after the TTL', async () => {
    await using env = await target.open();
    const session = await Session.create(env.backend, { ttl: 1 });
    await env.backend.put({ key: `${env.prefix}o`, value: 'v', lease: session.lease });
    session.orphan();
    expect(session.done.reason).toBeInstanceOf(SessionClosedError);
    expect(await env.keys()).toEqual([`${env.prefix}o`]);
    await env.waitFor(async () => expect(await env.keys()).toEqual([]), 5_000);
  });

  it('adopts an existing lease and keeps it alive', async () => {
    await using env = await target.open();
    const grant = await env.backend.leaseGrant({ ttl: 2 });
    await using session = await Session.create(env.backend, { lease: grant.id });
    expect(session.lease).toBe(grant.id);
    expect(session.ttl).toBe(2);
    await env.advance(4_500);
    expect(session.alive).toBe(true);
    expect((await env.backend.leaseTimeToLive({ id: grant.id })).ttl).toBeGreaterThan(0);
  });

  it('the default TTL is 60 s, as in etcd', async () => {
    await using env = await target.open();
    await using session = await Session.create(env.backend);
    expect(session.ttl).toBe(60);
    expect((await env.backend.leaseTimeToLive({ id: session.lease })).grantedTtl).toBe(60);
  });

  it('adopting an unknown lease fails with LeaseNotFoundError', async () => {
    await using env = await target.open();
    await expect(Session.create(env.backend, { lease: 0x7eadbeefn })).rejects.toBeInstanceOf(
      LeaseNotFoundError,
    );
  });

  it('await using revokes the lease at scope end', async () => {
    await using env = await target.open();
    let lease = 0n;
    {
      await using session = await Session.create(env.backend, { ttl: 5 });
      lease = session.lease;
      await env.backend.put({ key: `${env.prefix}u`, value: 'v', lease });
    }
    expect(await env.keys()).toEqual([]);
    expect((await env.backend.leaseTimeToLive({ id: lease })).ttl).toBe(-1);
  });

  it('keepAlive reports "unreachable" when no renewal succeeds within the TTL', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const grant = await env.backend.leaseGrant({ ttl: 2 });
    const ka = keepAlive(faults.backend, grant.id, { ttl: grant.ttl });
    await env.advance(1_000);
    expect(ka.renewals).toBeGreaterThanOrEqual(1);
    faults.failing.add('leaseKeepAlive');
    const lost = new Promise((resolve) => ka.lost.addEventListener('abort', () => resolve(ka.lost.reason)));
    const reason = await env.until(lost, 10_000);
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(ka.lossReason).toBe('unreachable');
    expect(ka.stopped).toBe(true);
    await env.backend.leaseRevoke({ id: grant.id }).catch(() => {});
  });

  it('keepAlive survives transient failures shorter than the TTL', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const grant = await env.backend.leaseGrant({ ttl: 3 });
    const ka = keepAlive(faults.backend, grant.id, { ttl: grant.ttl });
    await env.advance(500);
    faults.failing.add('leaseKeepAlive');
    await env.advance(1_500);
    faults.failing.delete('leaseKeepAlive');
    await env.advance(3_000);
    expect(ka.lost.aborted).toBe(false);
    expect((await env.backend.leaseTimeToLive({ id: grant.id })).ttl).toBeGreaterThan(0);
    await ka.revoke();
    expect(ka.lossReason).toBe('revoked');
  });

  it('keepAlive abandons a renewal that never answers and recovers when the server answers again', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const grant = await env.backend.leaseGrant({ ttl: 3 });
    const ka = keepAlive(faults.backend, grant.id, { ttl: grant.ttl });
    await env.advance(500);
    faults.hanging.add('leaseKeepAlive');
    await env.advance(1_200);
    faults.hanging.delete('leaseKeepAlive');
    await env.advance(3_000);
    expect(ka.lost.aborted).toBe(false);
    expect((await env.backend.leaseTimeToLive({ id: grant.id })).ttl).toBeGreaterThan(0);
    await ka.revoke();
  });

  it('invalid arguments are rejected with InvalidArgumentError', async () => {
    await using env = await target.open();
    const before = (await env.backend.leaseLeases()).leases.length;
    await expect(Session.create(env.backend, { ttl: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(Session.create(env.backend, { ttl: 1.5 })).rejects.toThrow(/received 1.5/);
    expect(() => keepAlive(env.backend, 1n, { ttl: -1 })).toThrow(InvalidArgumentError);
    expect(() => keepAlive(env.backend, 1 as unknown as bigint, { ttl: 1 })).toThrow(InvalidArgumentError);
    expect((await env.backend.leaseLeases()).leases.length).toBe(before);
  });

  it('keepAlive stops when its signal aborts, without reporting a loss', async () => {
    await using env = await target.open();
    const grant = await env.backend.leaseGrant({ ttl: 1 });
    const controller = new AbortController();
    const ka = keepAlive(env.backend, grant.id, { ttl: grant.ttl, signal: controller.signal });
    await env.advance(200);
    controller.abort();
    expect(ka.stopped).toBe(true);
    expect(ka.lost.aborted).toBe(false);
    await env.waitFor(
      async () => expect((await env.backend.leaseTimeToLive({ id: grant.id })).ttl).toBe(-1),
      5_000,
    );
  });
});
