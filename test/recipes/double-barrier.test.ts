import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import {
  DoubleBarrier,
  Session,
  SessionExpiredError,
  TooManyClientsError,
  WaitTimeoutError,
} from '../../src/recipes/index.js';
import { forBackends, prng, testSeed } from './env.js';
import { withFaults } from './faults.js';
import { crash, settledAfter } from './helpers.js';

/** `n` new participants of a barrier for `count`, on `sessions` in turn. */
function participants(sessions: Session[], key: string, count: number, n: number) {
  return Array.from({ length: n }, (_, i) => new DoubleBarrier(sessions[i % sessions.length]!, key, count));
}

forBackends('double barrier', (target) => {
  it('enter blocks until count have entered, then frees all; a late comer is TooManyClients; leave empties it', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    const [a, b, c] = participants([s], key, 3, 3) as [DoubleBarrier, DoubleBarrier, DoubleBarrier];
    const ea = a.enter();
    const eb = b.enter();
    expect(await settledAfter(env, Promise.race([ea, eb]), 300)).toBe(false);
    await c.enter(); // the third completes the barrier
    await env.until(Promise.all([ea, eb]), 10_000);
    expect(a.entered && b.entered && c.entered).toBe(true);
    expect((await env.keys()).sort()).toEqual([`${key}/ready`, a.key, b.key, c.key].sort());
    const late = await new DoubleBarrier(s, key, 3).enter().catch((e: unknown) => e);
    expect(late).toBeInstanceOf(TooManyClientsError);
    expect((late as Error).message).toBe('too many clients');
    await expect(a.enter()).rejects.toBeInstanceOf(InvalidArgumentError);
    await env.until(Promise.all([a.leave(), b.leave(), c.leave()]), 10_000);
    expect(await env.keys()).toEqual([]);
    await expect(a.leave()).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('leave waits until every participant has left', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    const ps = participants([s], key, 3, 3);
    await env.until(Promise.all(ps.map((p) => p.enter())), 10_000);
    // The oldest and the newest leave; the middle one has not.
    const leaving = Promise.all([ps[0]!.leave(), ps[2]!.leave()]);
    expect(await settledAfter(env, leaving, 500)).toBe(false);
    await ps[1]!.leave();
    await env.until(leaving, 10_000);
    expect(await env.keys()).toEqual([]);
  });

  it('a participant that crashes before the barrier fills still counts while its lease lives', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const crashed = await Session.create(faults.backend, { ttl: 10 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    void new DoubleBarrier(crashed, key, 3).enter().catch(() => {});
    await env.waitFor(async () => expect((await env.keys()).length).toBe(1));
    crash(crashed, faults);
    const live = participants([s], key, 3, 2);
    // Its key is still there: with it, two live participants fill the barrier.
    await env.until(Promise.all(live.map((p) => p.enter())), 10_000);
    await env.client().leaseRevoke({ id: crashed.lease }); // let its lease end now
    await env.until(Promise.all(live.map((p) => p.leave())), 10_000);
    expect(await env.keys()).toEqual([]);
  });

  it('a participant that crashes before the barrier fills stops counting once its lease expires', async () => {
    await using env = await target.open();
    const faults = withFaults(env.backend);
    const crashed = await Session.create(faults.backend, { ttl: 1 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    void new DoubleBarrier(crashed, key, 3).enter().catch(() => {});
    await env.waitFor(async () => expect((await env.keys()).length).toBe(1));
    crash(crashed, faults);
    const b = new DoubleBarrier(s, key, 3);
    const eb = b.enter();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    // The lease expires: the crashed participant's key goes, and two live ones are not enough...
    await env.waitFor(async () => expect((await env.keys()).length).toBe(1), 20_000);
    const c = new DoubleBarrier(s, key, 3);
    const ec = c.enter();
    expect(await settledAfter(env, Promise.race([eb, ec]), 500)).toBe(false);
    // ...a third one releases them.
    const d = new DoubleBarrier(s, key, 3);
    await env.until(Promise.all([eb, ec, d.enter()]), 10_000);
    await env.until(Promise.all([b.leave(), c.leave(), d.leave()]), 10_000);
    expect(await env.keys()).toEqual([]);
  });

  it('a participant that crashes inside delays the others leave by at most its TTL', async () => {
    await using env = await target.open();
    const crashed = await Session.create(env.backend, { ttl: 2 });
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    const dead = new DoubleBarrier(crashed, key, 3);
    const live = participants([s], key, 3, 2);
    await env.until(Promise.all([dead.enter(), ...live.map((p) => p.enter())]), 10_000);
    crashed.orphan();
    const leaving = Promise.all(live.map((p) => p.leave()));
    expect(await settledAfter(env, leaving, 1_000)).toBe(false);
    await env.until(leaving, 20_000);
    // Whoever was last out deleted the ready key, or the next round cleans it up.
    const next = participants([s], key, 2, 2);
    await env.until(Promise.all(next.map((p) => p.enter())), 10_000);
    await env.until(Promise.all(next.map((p) => p.leave())), 10_000);
    expect(await env.keys()).toEqual([]);
  });

  it('a ready key left by a crashed last leaver is cleaned up by the next round', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    // What a last leaver that crashed between its leave's read and its delete leaves behind.
    await env.backend.put({ key: `${key}/ready`, value: '' });
    const ps = participants([s], key, 2, 2);
    await env.until(Promise.all(ps.map((p) => p.enter())), 10_000);
    await env.until(Promise.all(ps.map((p) => p.leave())), 10_000);
    expect(await env.keys()).toEqual([]);
  });

  it('a key of ours left by an earlier failed enter is taken over, and leave still completes', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    const p = new DoubleBarrier(s, key, 1);
    await env.backend.put({ key: p.key, value: '', lease: s.lease }); // as if a cleanup had failed
    await env.backend.put({ key: `${env.prefix}other`, value: '' }); // our key is now older than the head
    await env.until(p.enter(), 10_000);
    expect(p.entered).toBe(true);
    await env.until(p.leave(), 10_000);
    expect(await env.keys()).toEqual([`${env.prefix}other`]);
    await env.backend.deleteRange({ key: `${env.prefix}other` });
  });

  it('a cancelled or timed-out enter removes its key', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    const controller = new AbortController();
    const a = new DoubleBarrier(s, key, 2).enter({ signal: controller.signal });
    await env.waitFor(async () => expect((await env.keys()).length).toBe(1));
    controller.abort();
    await expect(env.until(a)).rejects.toThrow();
    expect(await env.keys()).toEqual([]);
    const err = await env.until(
      new DoubleBarrier(s, key, 2).enter({ timeoutMs: 500 }).catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect(await env.keys()).toEqual([]);
  });

  it('rounds in a row: every enter of a round resolves once, never before all have started it', async () => {
    await using env = await target.open();
    const seed = testSeed();
    const rng = prng(seed);
    console.log(`[double barrier ${env.kind}] seed=${seed} (replay with RECIPES_SEED=${seed})`);
    const sessions = await Promise.all([0, 1, 2].map(() => Session.create(env.backend, { ttl: 10 })));
    const key = `${env.prefix}rounds`;
    const rounds = env.kind === 'memory' ? 20 : 5;
    for (let round = 0; round < rounds; round++) {
      const count = 2 + Math.floor(rng() * 4);
      const ps = participants(sessions, key, count, count);
      let started = 0;
      const resolvedAt: number[] = [];
      const enters = ps.map(async (p, i) => {
        // Participants arrive at random moments.
        await env.advance(Math.floor(rng() * 100));
        started++;
        await p.enter();
        resolvedAt.push(started);
        return i;
      });
      const entered = await env.until(Promise.all(enters), 20_000);
      expect(entered).toEqual(ps.map((_, i) => i));
      expect(resolvedAt).toEqual(Array(count).fill(count));
      await env.until(Promise.all(ps.map((p) => p.leave())), 20_000);
      expect(await env.keys()).toEqual([]);
    }
    await Promise.all(sessions.map((s) => s.close()));
  }, 60_000);

  it('leave waits for its own round only, not for a next round begun meanwhile', async () => {
    // Found by the double barrier simulation: a leaver that saw the last of its round go only after a
    // next round had begun (it was paused) read the new round's keys and waited for them to leave, which
    // they could not do without it (Go's Leave reads every key the same way).
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const faults = withFaults(env.client());
    await using slow = await Session.create(faults.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    const first = new DoubleBarrier(s, key, 2);
    const second = new DoubleBarrier(slow, key, 2);
    // The first enters first: it is the oldest.
    const firstIn = first.enter();
    await env.waitFor(async () => expect((await env.keys()).length).toBe(1));
    await env.until(Promise.all([firstIn, second.enter()]), 10_000);
    // The second (not the oldest) deletes its key; before it reads again, the first leaves (the round
    // is over) and a newcomer enters the next round.
    const newcomer = new DoubleBarrier(s, key, 2);
    const stop = new AbortController();
    let entering: Promise<unknown> = Promise.resolve();
    faults.after('txn', async () => {
      await first.leave();
      entering = newcomer.enter({ signal: stop.signal }).catch((e: unknown) => e);
      for (let i = 0; i < 500 && (await env.backend.range({ key: newcomer.key })).kvs.length === 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 10));
    });
    await env.until(second.leave(), 5_000);
    expect((await env.keys()).sort()).toEqual([newcomer.key]);
    stop.abort();
    await env.until(entering, 5_000);
  });

  it('an enter whose key is gone by the time it marks the round full fails with SessionExpiredError', async () => {
    await using env = await target.open();
    const faults = withFaults(env.client());
    const s = await Session.create(faults.backend, { ttl: 10 });
    const key = `${env.prefix}db`;
    // Right after its key is created (the round is full at once: count 1), its lease ends.
    faults.after('txn', async () => {
      await env.backend.leaseRevoke({ id: s.lease });
    });
    const err = await env.until(
      new DoubleBarrier(s, key, 1).enter().catch((e: unknown) => e),
      10_000,
    );
    expect(err).toBeInstanceOf(SessionExpiredError);
    expect(await env.keys()).toEqual([]);
    await s.close();
  });
});
