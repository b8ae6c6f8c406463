/**
 * HashKV is etcd's own formula on the memory store: the same history on a fresh memory store, a fresh
 * simulator server and a fresh real etcd gives the same hash at every revision, before and after
 * compactions. First the history the reference measured (its published values asserted exactly), then a
 * seeded random history (the seed is printed; replay with HASHKV_SEED=<seed>).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import type { MaintenanceBackend } from '../../src/interface/maintenance.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

let etcd: EtcdServer;
let server: RunningServer;
const targets: { name: string; backend: MaintenanceBackend }[] = [];

beforeAll(async () => {
  [etcd, server] = await Promise.all([startEtcd(), startServer()]);
  targets.push(
    { name: 'memory', backend: new MemoryBackend() },
    { name: 'server', backend: new EtcdBackend({ endpoints: server.endpoints }) },
    { name: 'etcd', backend: new EtcdBackend({ endpoints: [etcd.endpoint] }) },
  );
}, 60_000);

afterAll(async () => {
  for (const t of targets) await t.backend.close();
  await server?.close();
  await etcd?.stop();
});

/**
 * Run `op` on every target; they must all succeed, or all fail with the same error class. `op` runs once
 * per target: draw random choices before calling this, never inside `op`.
 */
async function onAll(op: (b: MaintenanceBackend) => Promise<unknown>): Promise<void> {
  const outcomes = await Promise.all(
    targets.map(async (t) => {
      try {
        await op(t.backend);
        return 'ok';
      } catch (error) {
        return (error as Error).constructor.name;
      }
    }),
  );
  expect(new Set(outcomes).size, `outcomes ${outcomes.join(', ')}`).toBe(1);
}

/** HashKV at `revision` on every target; they must agree. Returns the hash (or the error class). */
async function hashes(revision = 0): Promise<number | string> {
  const got = await Promise.all(
    targets.map((t) =>
      t.backend.hashKv({ revision }).then(
        (r) => `${r.hash}/${r.compactRevision}/${r.header.revision}`,
        (e: Error) => e.constructor.name,
      ),
    ),
  );
  expect(got, `HashKV(${revision}) on ${targets.map((t) => t.name).join(', ')}`).toEqual([
    got[0],
    got[0],
    got[0],
  ]);
  const [hash] = got[0]!.split('/');
  return Number.isNaN(Number(hash)) ? hash! : Number(hash);
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('HashKV agrees across memory, the simulator server and etcd', () => {
  it('the reference history gives the values measured on etcd 3.4.23', async () => {
    expect(await hashes()).toBe(1084519789); // nothing but the bucket name
    for (let i = 0; i < 20; i++) await onAll((b) => b.put({ key: `k${i % 7}`, value: `v${i}` }));
    await onAll((b) => b.deleteRange({ key: 'k3' }));
    expect(await hashes()).toBe(1457598519);
    expect(await hashes(22)).toBe(1457598519);
    expect(await hashes(10)).toBe(754725784);
    expect(await hashes(-1)).toBe(1084519789);
    await onAll((b) => b.compact({ revision: 8, physical: true }));
    expect(await hashes()).toBe(1760604446);
    expect(await hashes(10)).toBe(3705150218);
    expect(await hashes(8)).toBe('CompactedError');
    expect(await hashes(23)).toBe('FutureRevisionError');
  });

  it('a seeded random history agrees at every step and at past revisions', { timeout: 60_000 }, async () => {
    const seed = Number(process.env.HASHKV_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`[hash-kv] seed ${seed} (replay: HASHKV_SEED=${seed})`);
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const keys = ['a', 'b', 'c', 'd/1', 'd/2', 'e', '\u00ff', 'z'];
    const leases: bigint[] = [];
    let nextLease = 100n;
    const revisions: number[] = [];
    for (let step = 0; step < 150; step++) {
      const roll = rnd();
      if (roll < 0.45) {
        const lease = leases.length > 0 && rnd() < 0.3 ? pick(leases) : undefined;
        const request = { key: pick(keys), value: 'x'.repeat(Math.floor(rnd() * 40)) };
        await onAll((b) => b.put(lease === undefined ? request : { ...request, lease }));
      } else if (roll < 0.55) {
        const key = pick(keys);
        const request = rnd() < 0.5 ? { key } : { key, rangeEnd: '\0' };
        await onAll((b) => b.deleteRange(request));
      } else if (roll < 0.7) {
        const [p, q] = [pick(keys), pick(keys)];
        if (p === q) continue;
        await onAll((b) =>
          b.txn({
            compare: [{ key: p, target: 'VERSION', result: 'GREATER', version: 0 }],
            success: [{ requestPut: { key: q, value: 's' } }, { requestDeleteRange: { key: p } }],
            failure: [{ requestPut: { key: p, value: 'f' } }, { requestPut: { key: q, value: 'f' } }],
          }),
        );
      } else if (roll < 0.8) {
        const id = nextLease++;
        await onAll((b) => b.leaseGrant({ ttl: 600, id }));
        leases.push(id);
      } else if (roll < 0.87 && leases.length > 0) {
        const id = leases.splice(Math.floor(rnd() * leases.length), 1)[0]!;
        await onAll((b) => b.leaseRevoke({ id }));
      } else if (roll < 0.92) {
        const s = await targets[0]!.backend.status();
        const floor = Math.max(1, (await targets[0]!.backend.hashKv()).compactRevision + 1);
        const at = floor + Math.floor(rnd() * (s.header.revision - floor + 1));
        await onAll((b) => b.compact({ revision: at, physical: true }));
      }
      await hashes();
      revisions.push((await targets[0]!.backend.status()).header.revision);
    }
    const { compactRevision } = await targets[0]!.backend.hashKv();
    for (const rev of new Set(revisions)) if (rev > compactRevision) await hashes(rev);
    // Hash (the whole backend) never matches a real etcd's, but the memory store and the simulator
    // server, given the same writes and lease IDs, agree on it.
    const [memoryHash, serverHash] = await Promise.all(
      targets.slice(0, 2).map(async (t) => (await t.backend.hash()).hash),
    );
    expect(serverHash).toBe(memoryHash);
  });
});
