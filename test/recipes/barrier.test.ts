import { expect, it } from 'vitest';
import { Barrier, KeyExistsError, Session, WaitTimeoutError } from '../../src/recipes/index.js';
import { forBackends } from './env.js';
import { withFaults } from './faults.js';
import { settledAfter } from './helpers.js';

forBackends('barrier', (target) => {
  it('wait passes an absent barrier; a held one blocks every waiter until release, which frees them all', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}gate`;
    const barrier = new Barrier(env.backend, key);
    await barrier.wait(); // not held: returns at once
    await barrier.hold(s);
    expect(barrier.held).toBe(true);
    expect((await env.backend.range({ key })).kvs[0]!.lease).toBe(s.lease);
    let passed = 0;
    const waits = Array.from({ length: 5 }, () =>
      new Barrier(env.client(), key).wait().then((h) => {
        passed++;
        return h.revision;
      }),
    );
    expect(await settledAfter(env, Promise.all(waits), 300)).toBe(false);
    expect(passed).toBe(0);
    const released = await env.backend.deleteRange({ key }); // what release() does
    const revisions = await env.until(Promise.all(waits), 10_000);
    expect(passed).toBe(5);
    // Each waiter was freed by that very delete.
    expect(revisions).toEqual(Array(5).fill(released.header.revision));
    await barrier.release(); // a no-op now
    expect(await env.keys()).toEqual([]);
  });

  it('hold by another session is KeyExistsError; by the same session a no-op; release frees waiters', async () => {
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 10 });
    await using b = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}gate`;
    const barrier = await new Barrier(env.backend, key).hold(a);
    await barrier.hold(a);
    const err = await new Barrier(env.backend, key).hold(b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyExistsError);
    expect((err as Error).message).toBe('key already exists');
    const waiting = new Barrier(env.backend, key).wait();
    expect(await settledAfter(env, waiting, 200)).toBe(false);
    await barrier.release();
    await env.until(waiting, 10_000);
    expect(barrier.held).toBe(false);
    expect(await env.keys()).toEqual([]);
  });

  it('a crashed holder does not block forever: waiters pass once its lease has expired, not before', async () => {
    await using env = await target.open();
    const crashed = await Session.create(env.backend, { ttl: 2 });
    const key = `${env.prefix}gate`;
    await new Barrier(env.backend, key).hold(crashed);
    const waiting = new Barrier(env.backend, key).wait();
    crashed.orphan();
    expect(await settledAfter(env, waiting, 1_000)).toBe(false);
    await env.until(waiting, 20_000);
    expect(await env.keys()).toEqual([]);
  });

  it('wait times out with WaitTimeoutError; await using releases a hold at scope end', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}gate`;
    {
      await using held = await new Barrier(env.backend, key).hold(s);
      expect(held.held).toBe(true);
      const err = await env.until(
        new Barrier(env.backend, key).wait({ timeoutMs: 500 }).catch((e: unknown) => e),
        10_000,
      );
      expect(err).toBeInstanceOf(WaitTimeoutError);
      expect((err as Error).message).toBe('barrier: wait: timed out after 500 ms');
    }
    expect(await env.keys()).toEqual([]);
  });

  it('a wait whose watch was compacted away is released by the raise it waited on, though the barrier is up again', async () => {
    // Found by the barrier simulation (a partition, then the watch canceled as compacted): the wait read
    // the barrier again, saw a newer raise, and waited for that one too, missing the release.
    await using env = await target.open();
    await using a = await Session.create(env.backend, { ttl: 10 });
    await using b = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}gate`;
    const first = await new Barrier(env.backend, key).hold(a);
    const raisedAt = (await env.backend.range({ key })).kvs[0]!.createRevision;
    // Between the waiter's read (it sees the first raise) and its watch: the barrier goes down and up
    // again, and the history is compacted, so the watch is canceled as compacted.
    const faults = withFaults(env.client());
    faults.after('range', async () => {
      await first.release();
      await new Barrier(env.backend, key).hold(b);
      await env.backend.compact({ revision: (await env.backend.range({ key })).header.revision });
    });
    const header = await env.until(new Barrier(faults.backend, key).wait(), 5_000);
    const now = (await env.backend.range({ key })).kvs[0]!;
    expect(now.createRevision).toBeGreaterThan(raisedAt); // up again: the second raise
    expect(header.revision).toBeGreaterThanOrEqual(now.createRevision);
  });
});
