import { expect, it } from 'vitest';
import { leaseHex } from '../../src/common/bytes.js';
import {
  Election,
  type LeaderInfo,
  NoLeaderError,
  NotLeaderError,
  Session,
  SessionExpiredError,
} from '../../src/recipes/index.js';
import { forBackends } from './env.js';

forBackends('election', (target) => {
  it('campaign wins an empty election; leader(), proclaim and resign; NoLeaderError when none', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 5 });
    const e = new Election(s, `${env.prefix}el`);
    const err = await e.leader().catch((x: unknown) => x);
    expect(err).toBeInstanceOf(NoLeaderError);
    expect((err as Error).message).toBe('election: no leader');
    await expect(e.proclaim('x')).rejects.toBeInstanceOf(NotLeaderError);
    await e.campaign('v1');
    expect(e.key).toBe(`${env.prefix}el/${leaseHex(s.lease)}`);
    let leader = await e.leader();
    expect(leader.text).toBe('v1');
    expect(leader.createRevision).toBe(e.rev);
    await e.proclaim('v2');
    leader = await e.leader();
    expect(leader.text).toBe('v2');
    expect(leader.createRevision).toBe(e.rev);
    await e.resign();
    await expect(e.leader()).rejects.toBeInstanceOf(NoLeaderError);
    expect(await env.keys()).toEqual([]);
  });

  it('proclaim after losing leadership throws NotLeaderError ("election: not leader")', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 5 });
    const e = new Election(s, `${env.prefix}el`);
    await e.campaign('a');
    await env.backend.deleteRange({ key: e.key });
    const err = await e.proclaim('b').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as Error).message).toBe('election: not leader');
    expect(await env.keys()).toEqual([]);
  });

  it('the leader crashes and the next candidate becomes leader only after the TTL', async () => {
    await using env = await target.open();
    const s1 = await Session.create(env.backend, { ttl: 2 });
    await using s2 = await Session.create(env.backend, { ttl: 10 });
    const e1 = new Election(s1, `${env.prefix}el`);
    const e2 = new Election(s2, `${env.prefix}el`);
    await e1.campaign('one');
    const second = e2.campaign('two');
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    s1.orphan(); // crash: no resign, no revoke
    const crashedAt = env.kind === 'memory' ? env.clock!.now() : performance.now();
    let settled = false;
    second.then(() => {
      settled = true;
    });
    await env.advance(1_000);
    expect(settled).toBe(false);
    expect((await e2.leader()).text).toBe('one');
    await env.until(second, 20_000);
    const took = (env.kind === 'memory' ? env.clock!.now() : performance.now()) - crashedAt;
    expect(took).toBeGreaterThanOrEqual(1_500);
    const leader = await e2.leader();
    expect(leader.text).toBe('two');
    expect(leader.createRevision).toBe(e2.rev);
    await e2.resign();
    expect(await env.keys()).toEqual([]);
  });

  it('cancelling a campaign withdraws the candidacy', async () => {
    await using env = await target.open();
    await using s1 = await Session.create(env.backend, { ttl: 10 });
    await using s2 = await Session.create(env.backend, { ttl: 10 });
    const e1 = new Election(s1, `${env.prefix}el`);
    const e2 = new Election(s2, `${env.prefix}el`);
    await e1.campaign('one');
    const controller = new AbortController();
    const waiting = e2.campaign('two', { signal: controller.signal });
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    controller.abort();
    await expect(env.until(waiting)).rejects.toThrow();
    expect(await env.keys()).toEqual([e1.key]);
    await e1.resign();
    expect(await env.keys()).toEqual([]);
  });

  it('a candidate whose lease is revoked while waiting gets SessionExpiredError, not leadership', async () => {
    await using env = await target.open();
    await using s1 = await Session.create(env.backend, { ttl: 10 });
    const s2 = await Session.create(env.backend, { ttl: 10 });
    const e1 = new Election(s1, `${env.prefix}el`);
    const e2 = new Election(s2, `${env.prefix}el`);
    await e1.campaign('one');
    const waiting = e2.campaign('two');
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    await env.client().leaseRevoke({ id: s2.lease });
    await e1.resign();
    const err = await env.until(
      waiting.catch((x: unknown) => x),
      10_000,
    );
    expect(err).toBeInstanceOf(SessionExpiredError);
    await expect(e1.leader()).rejects.toBeInstanceOf(NoLeaderError);
    await s2.close();
    expect(await env.keys()).toEqual([]);
  });

  it('observe yields the leader, its proclamations and each new leader; never two leaders at one revision', async () => {
    await using env = await target.open();
    const sessions = await Promise.all([1, 2, 3].map(() => Session.create(env.backend, { ttl: 10 })));
    const elections = sessions.map((s) => new Election(s, `${env.prefix}el`));
    await using observer = await Session.create(env.backend, { ttl: 10 });
    const controller = new AbortController();
    const seen: LeaderInfo[] = [];
    const observing = (async () => {
      for await (const leader of new Election(observer, `${env.prefix}el`).observe({
        signal: controller.signal,
      })) {
        seen.push(leader);
      }
    })();
    const waitSeen = (text: string) =>
      env.waitFor(async () => expect(seen.map((l) => l.text)).toContain(text));
    await elections[0]!.campaign('a1');
    await waitSeen('a1');
    // One candidate at a time: two campaigns sent together may reach etcd in either order, and the key
    // created first is next in line.
    const c2 = elections[1]!.campaign('b1');
    await env.waitFor(async () => expect((await env.keys()).length).toBe(2));
    const c3 = elections[2]!.campaign('c1');
    await env.waitFor(async () => expect((await env.keys()).length).toBe(3));
    await elections[0]!.proclaim('a2');
    await waitSeen('a2');
    await elections[0]!.resign();
    await env.until(c2);
    await waitSeen('b1');
    await elections[1]!.proclaim('b2');
    await waitSeen('b2');
    await sessions[1]!.close(); // leader gone by revoke
    await env.until(c3);
    await waitSeen('c1');
    controller.abort();
    await env.until(observing);
    expect(seen.map((l) => l.text)).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    const byRevision = new Map<number, string>();
    for (const l of seen) {
      const other = byRevision.get(l.revision);
      if (other !== undefined) expect(other).toBe(l.key);
      byRevision.set(l.revision, l.key);
    }
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.revision).toBeGreaterThan(seen[i - 1]!.revision);
      expect(seen[i]!.createRevision).toBeGreaterThanOrEqual(seen[i - 1]!.createRevision);
    }
    await elections[2]!.resign();
    await Promise.all(sessions.map((s) => s.close()));
    expect(await env.keys()).toEqual([]);
  });

  it('observe waits for a first leader when there is none, and ends when aborted', async () => {
    await using env = await target.open();
    await using s = await Session.create(env.backend, { ttl: 10 });
    const e = new Election(s, `${env.prefix}el`);
    const controller = new AbortController();
    const it = e.observe({ signal: controller.signal });
    const first = it.next();
    await env.advance(200);
    await e.campaign('first');
    const r = await env.until(first);
    expect(r.done).toBe(false);
    expect(r.value?.text).toBe('first');
    controller.abort();
    expect((await it.next()).done).toBe(true);
    await e.resign();
    expect(await env.keys()).toEqual([]);
  });
});
