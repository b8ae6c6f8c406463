/**
 * Candidates campaign over and over while leaders resign or crash (their leases expire). Each leader writes
 * a leader-guarded record (isLeader compare) that increments a counter and records its term. An observer
 * follows the election. Checked: terms strictly increase in commit order, no increment is lost, crashed
 * leaders' late writes fail, and the observer never sees two leaders at one revision.
 *
 * Memory: 8 candidates, 150 terms, manual clock. etcd: 4 candidates, 15 terms, TTL 2 s, real time.
 */

import { expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { Election, type LeaderInfo, Session, SessionExpiredError } from '../../src/recipes/index.js';
import { sleep } from '../../src/recipes/internal.js';
import { forBackends, prng, testSeed } from './env.js';

forBackends('election churn', (target) => {
  it('leaders come and go (resign or crash): one leader per revision, guarded writes in term order', async () => {
    await using env = await target.open();
    const seed = testSeed();
    const plan =
      env.kind === 'memory'
        ? { candidates: 8, terms: 150, ttl: 2, crashP: 0.15, maxTimeMs: 3_600_000 }
        : { candidates: 4, terms: 15, ttl: 2, crashP: 0.2, maxTimeMs: 90_000 };
    console.log(`[election churn ${env.kind}] seed=${seed} (replay with RECIPES_SEED=${seed})`);
    const rng = prng(seed);
    const { backend } = env;
    const clock = backend.clock;
    const pfx = `${env.prefix}el`;
    const counterKey = `${env.prefix}counter`;
    let terms = 0;
    let crashes = 0;
    const commits: { term: number; revision: number; value: number }[] = [];
    const lateWrites: boolean[] = [];
    const background: Promise<void>[] = [];

    await using watcherSession = await Session.create(backend, { ttl: 10 });
    const stopObserving = new AbortController();
    const observed: LeaderInfo[] = [];
    const observing = (async () => {
      for await (const l of new Election(watcherSession, pfx).observe({ signal: stopObserving.signal }))
        observed.push(l);
    })();

    const candidate = async (name: string): Promise<void> => {
      while (terms < plan.terms) {
        const session = await Session.create(backend, { ttl: plan.ttl });
        const election = new Election(session, pfx);
        try {
          await election.campaign(name);
        } catch (error) {
          if (!(error instanceof SessionExpiredError)) throw error;
          await session.close();
          continue;
        }
        if (terms >= plan.terms) {
          await election.resign();
          await session.close();
          return;
        }
        terms++;
        const cur = (await backend.range({ key: counterKey })).kvs[0];
        const value = cur ? Number(toText(cur.value)) : 0;
        await sleep(clock, Math.floor(rng() * 100));
        const write = () =>
          backend.txn({
            compare: [election.isLeader()],
            success: [{ requestPut: { key: counterKey, value: String(value + 1) } }],
          });
        if (rng() < plan.crashP) {
          crashes++;
          session.orphan();
          background.push(
            (async () => {
              await sleep(clock, plan.ttl * 2000 + 1000);
              lateWrites.push((await write()).succeeded);
            })(),
          );
          continue;
        }
        const r = await write();
        if (r.succeeded) commits.push({ term: election.rev, revision: r.header.revision, value: value + 1 });
        if (rng() < 0.5) await election.proclaim(`${name}-again`);
        await election.resign();
        await session.close();
      }
    };

    await env.until(
      Promise.all(Array.from({ length: plan.candidates }, (_, i) => candidate(`c${i}`))),
      plan.maxTimeMs,
    );
    await env.until(Promise.all(background), plan.maxTimeMs);
    stopObserving.abort();
    await env.until(observing);

    commits.sort((a, b) => a.revision - b.revision);
    commits.forEach((c, i) => {
      expect(c.value).toBe(i + 1);
      if (i > 0) expect(c.term).toBeGreaterThan(commits[i - 1]!.term);
    });
    expect(commits.length + crashes).toBe(plan.terms);
    expect(lateWrites.every((ok) => !ok)).toBe(true);
    const leaderAt = new Map<number, string>();
    for (let i = 0; i < observed.length; i++) {
      const l = observed[i]!;
      const other = leaderAt.get(l.revision);
      if (other !== undefined) expect(other).toBe(l.key);
      leaderAt.set(l.revision, l.key);
      if (i > 0) {
        expect(l.revision).toBeGreaterThan(observed[i - 1]!.revision);
        expect(l.createRevision).toBeGreaterThanOrEqual(observed[i - 1]!.createRevision);
      }
    }
    expect(observed.length).toBeGreaterThan(0);
    console.log(
      `[election churn ${env.kind}] ${JSON.stringify({ commits: commits.length, crashes, observed: observed.length })}`,
    );
    await backend.deleteRange({ key: counterKey });
    await watcherSession.close();
    await env.waitFor(async () => expect(await env.keys()).toEqual([]), plan.ttl * 1000 + 5_000);
  }, 120_000);
});
