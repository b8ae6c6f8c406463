/**
 * A recipe write applied by the server whose reply is lost (UnknownOutcomeError, as the etcd backend
 * reports a write sent before the connection failed) must not leave its key behind to block others; a
 * release that fails leaves the thing held, so that it can be released again.
 */

import { expect, it } from 'vitest';
import { UnavailableError, UnknownOutcomeError } from '../../src/interface/errors.js';
import {
  Barrier,
  DoubleBarrier,
  LockCleanupError,
  Queue,
  RWMutex,
  Semaphore,
  Session,
} from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { type Faults, withFaults } from './faults.js';

/** Lose the reply of the `n`-th txn from now (1 = the next): it is applied, then the call fails. */
function loseTxnReply(faults: Faults, n: number): void {
  faults.after('txn', async () => {
    if (n > 1) loseTxnReply(faults, n - 1);
    else throw new UnknownOutcomeError('injected: txn applied, reply lost');
  });
}

forBackends('recipes with a lost reply', (target) => {
  it('RWMutex lock and Semaphore acquire (create and promote) leave no key', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using s = await Session.create(faults.backend, { ttl: 10 });
    loseTxnReply(faults, 1);
    await expect(new RWMutex(s, `${env.prefix}rw`).lock()).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect(await env.keys()).toEqual([]);
    loseTxnReply(faults, 1);
    await expect(new Semaphore(s, `${env.prefix}sem`, 2).acquire()).rejects.toBeInstanceOf(
      UnknownOutcomeError,
    );
    expect(await env.keys()).toEqual([]);
    loseTxnReply(faults, 2); // the promote: waiter key deleted and holder key put, unseen
    await expect(new Semaphore(s, `${env.prefix}sem`, 2).acquire()).rejects.toBeInstanceOf(
      UnknownOutcomeError,
    );
    expect(await env.keys()).toEqual([]);
  });

  it('a key that cannot be removed within the session TTL: LockCleanupError names the operation and key', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const s = await Session.create(faults.backend, { ttl: Math.max(env.minTtl, 2) });
    faults.after('txn', async () => {
      faults.failing.add('txn'); // every cleanup fails from now on,
      throw new UnknownOutcomeError('injected: txn applied, reply lost'); // after the waiter key was put, unseen
    });
    const err = await env.until(new Semaphore(s, `${env.prefix}sem`, 2).acquire().catch((e: unknown) => e));
    faults.failing.delete('txn');
    expect(err).toBeInstanceOf(LockCleanupError);
    const cleanup = err as LockCleanupError;
    expect(cleanup.message).toMatch(
      /^semaphore: acquire failed and its key .* may remain.* until the session ends$/,
    );
    expect(cleanup.cause).toBeInstanceOf(UnknownOutcomeError);
    expect(cleanup.cleanupError).toBeInstanceOf(UnavailableError);
    expect(await env.keys()).toEqual([cleanup.key]);
    await s.close(); // ending the session removes it
    expect(await env.keys()).toEqual([]);
  });

  it('Barrier hold and DoubleBarrier enter leave no key', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using s = await Session.create(faults.backend, { ttl: 10 });
    loseTxnReply(faults, 1);
    await expect(new Barrier(faults.backend, `${env.prefix}b`).hold(s)).rejects.toBeInstanceOf(
      UnknownOutcomeError,
    );
    expect(await env.keys()).toEqual([]);
    loseTxnReply(faults, 1);
    await expect(new DoubleBarrier(s, `${env.prefix}db`, 2).enter()).rejects.toBeInstanceOf(
      UnknownOutcomeError,
    );
    expect(await env.keys()).toEqual([]);
  });

  it('a queue claim whose reply is lost is removed: the item goes to the next consumer at once', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using lossy = await Session.create(faults.backend, { ttl: 10 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const q = new Queue(env.backend, `${env.prefix}q`);
    await q.enqueue('job');
    loseTxnReply(faults, 2); // the read, then the claim
    await expect(new Queue(faults.backend, `${env.prefix}q`).dequeue(lossy)).rejects.toBeInstanceOf(
      UnknownOutcomeError,
    );
    const item = await q.tryDequeue(s);
    expect(item?.text).toBe('job');
    await item!.ack();
    expect(await env.keys()).toEqual([]);
  });

  it('a release that fails leaves the lock, permit or claim held; a second call releases it', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    await using s = await Session.create(faults.backend, { ttl: 10 });
    const rw = await new RWMutex(s, `${env.prefix}rw`).lock();
    const sem = await new Semaphore(s, `${env.prefix}sem`, 1).acquire();
    const q = new Queue(faults.backend, `${env.prefix}q`);
    await q.enqueue('job');
    const item = await q.dequeue(s);
    faults.failing.add('txn');
    await expect(rw.unlock()).rejects.toBeInstanceOf(UnavailableError);
    await expect(sem.release()).rejects.toBeInstanceOf(UnavailableError);
    await expect(item.release()).rejects.toBeInstanceOf(UnavailableError);
    expect([rw.mode, sem.held, item.claimed]).toEqual(['write', true, true]);
    faults.failing.delete('txn');
    await rw.unlock();
    await sem.release();
    await item.release();
    expect([rw.mode, sem.held, item.claimed]).toEqual([undefined, false, false]);
    const again = await q.dequeue(s);
    await again.ack();
    expect(await env.keys()).toEqual([]);
  });
});
