/**
 * Many workers contend for one lock while some crash (their leases expire). Mutual exclusion is shown by
 * a fencing-guarded counter: each holder reads the counter, holds the lock a while, then writes counter+1
 * in a txn guarded by its isOwner() compare and records its fencing token. Two overlapping holders would
 * lose an increment or commit tokens out of order. Crashed holders come back as zombies and try their
 * guarded write after their lease expired: it must fail.
 *
 * Memory: 20 workers, 500 acquisitions, on the manual clock. etcd: 5 workers, 40 acquisitions, real time
 * with TTL 2 s (each crash costs ~2–2.5 s of lease expiry), so the test stays within ~30 s.
 */

import { expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import type { KvBackend } from '../../src/interface/backend.js';
import { Mutex, Session, SessionExpiredError, WaitTimeoutError } from '../../src/recipes/index.js';
import { sleep } from '../../src/recipes/internal.js';
import { type Env, forBackends, prng, testSeed } from './env.js';

interface Plan {
  workers: number;
  acquisitions: number;
  ttl: number;
  crashP: number;
  holdMs: number;
  maxTimeMs: number;
}

async function contend(env: Env, plan: Plan, seed: number) {
  const rng = prng(seed);
  const backend: KvBackend = env.backend;
  const clock = backend.clock;
  const pfx = `${env.prefix}lock`;
  const counterKey = `${env.prefix}counter`;
  let started = 0;
  let holders = 0;
  let maxHolders = 0;
  let crashes = 0;
  let zombieAttempts = 0;
  let waitTimeouts = 0;
  let expiredWhileWaiting = 0;
  const commits: { token: number; revision: number; value: number }[] = [];
  const zombieWrites: boolean[] = [];
  const background: Promise<void>[] = [];

  const readCounter = async (): Promise<number> => {
    const kv = (await backend.range({ key: counterKey })).kvs[0];
    return kv ? Number(toText(kv.value)) : 0;
  };

  const worker = async (): Promise<void> => {
    while (started < plan.acquisitions) {
      const session = await Session.create(backend, { ttl: plan.ttl });
      const mutex = new Mutex(session, pfx);
      try {
        // Some waits time out: that path must clean up its key too.
        await mutex.lock(rng() < 0.05 ? { timeoutMs: Math.floor(rng() * 2_000) + 1 } : {});
      } catch (error) {
        if (error instanceof WaitTimeoutError) waitTimeouts++;
        else if (error instanceof SessionExpiredError) expiredWhileWaiting++;
        else throw error;
        await session.close();
        continue;
      }
      if (started >= plan.acquisitions) {
        await mutex.unlock();
        await session.close();
        return;
      }
      started++;
      holders++;
      maxHolders = Math.max(maxHolders, holders);
      const value = await readCounter();
      await sleep(clock, Math.floor(rng() * plan.holdMs));
      if (rng() < plan.crashP) {
        // Crash before writing: no unlock, no revoke; the lease runs out. The process "pauses" and later
        // wakes up to do its write anyway: a zombie that fencing must stop.
        crashes++;
        holders--;
        session.orphan();
        background.push(
          (async () => {
            await sleep(clock, plan.ttl * 1000 * 2 + 1000);
            zombieAttempts++;
            const r = await mutex.guardedTxn([{ requestPut: { key: counterKey, value: String(value + 1) } }]);
            zombieWrites.push(r.succeeded);
          })(),
        );
        continue;
      }
      const r = await mutex.guardedTxn([{ requestPut: { key: counterKey, value: String(value + 1) } }]);
      if (r.succeeded)
        commits.push({ token: mutex.fencingToken, revision: r.header.revision, value: value + 1 });
      holders--;
      await mutex.unlock();
      await session.close();
    }
  };

  await env.until(Promise.all(Array.from({ length: plan.workers }, worker)), plan.maxTimeMs);
  await env.until(Promise.all(background), plan.maxTimeMs);

  // Every successful guarded write incremented the value its holder read: no lost increment.
  commits.sort((a, b) => a.revision - b.revision);
  commits.forEach((c, i) => {
    expect(c.value).toBe(i + 1);
    if (i > 0) expect(c.token).toBeGreaterThan(commits[i - 1]!.token);
  });
  expect(await readCounter()).toBe(commits.length);
  expect(maxHolders).toBe(1);
  expect(zombieWrites.every((ok) => !ok)).toBe(true);
  expect(started).toBe(plan.acquisitions);
  // Crashed sessions' keys expire; everything else was deleted by unlock/close.
  await backend.deleteRange({ key: counterKey });
  await env.waitFor(async () => expect(await env.keys()).toEqual([]), plan.ttl * 1000 + 5_000);
  return { commits: commits.length, crashes, zombieAttempts, waitTimeouts, expiredWhileWaiting };
}

forBackends('lock contention', (target) => {
  it('workers contending with random crashes: never two holders (fencing-guarded counter)', async () => {
    await using env = await target.open();
    const seed = testSeed();
    const plan: Plan =
      env.kind === 'memory'
        ? { workers: 20, acquisitions: 500, ttl: 2, crashP: 0.05, holdMs: 200, maxTimeMs: 3_600_000 }
        : { workers: 5, acquisitions: 40, ttl: 2, crashP: 0.1, holdMs: 20, maxTimeMs: 90_000 };
    console.log(`[lock contention ${env.kind}] seed=${seed} (replay with RECIPES_SEED=${seed})`);
    const stats = await contend(env, plan, seed);
    console.log(`[lock contention ${env.kind}] ${JSON.stringify(stats)}`);
    expect(stats.commits + stats.crashes).toBe(plan.acquisitions);
    expect(stats.zombieAttempts).toBe(stats.crashes);
  }, 120_000);
});
