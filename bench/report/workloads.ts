/**
 * The report's workloads, each written once over {@link KvBackend} (memory and etcd backends) and once
 * over raw etcd3 calls (etcd3's generated gRPC clients, its watch builder and its `lock()`).
 * Every task makes one call at a time, except "lock 8 contenders", where 8 sessions race for one lock.
 */

import { type Etcd3, EtcdLockFailedError } from 'etcd3';
import { prefixEnd, toBytes } from '../../src/common/bytes.js';
import type { KvBackend } from '../../src/interface/backend.js';
import { Mutex } from '../../src/recipes/mutex.js';
import { Session } from '../../src/recipes/session.js';
import { compactEvery } from './compaction.js';

/** Workload names, in table order. */
export const WORKLOADS = [
  'put',
  'get',
  'range 100 keys',
  'txn compare-and-swap',
  'watch: put → event',
  'watch: throughput',
  'lock+unlock, uncontended',
  'lock+unlock, 8 contenders',
  'lease grant + put + revoke',
] as const;

/** One workload name. */
export type Workload = (typeof WORKLOADS)[number];

/** Operations one task call performs: the table reports the cost of one operation. */
export const OPS_PER_CALL: Partial<Record<Workload, number>> = {
  'watch: throughput': 100,
  'lock+unlock, 8 contenders': 8,
};

/** The KV workloads: the memory backend must be ≥ 100× faster than the etcd backend on these. */
export const KV_WORKLOADS: readonly Workload[] = ['put', 'get', 'range 100 keys', 'txn compare-and-swap'];
/** The recipe workloads: the memory backend must be ≥ 50× faster than the etcd backend on these. */
export const RECIPE_WORKLOADS: readonly Workload[] = [
  'lock+unlock, uncontended',
  'lock+unlock, 8 contenders',
];

/** Ready-to-time tasks on one target, and how to release what they hold. */
export interface TargetTasks {
  tasks: Record<Workload, () => Promise<unknown>>;
  close(): Promise<void>;
}

const VALUE = 'v'.repeat(100);
const BATCH = OPS_PER_CALL['watch: throughput']!;
const CONTENDERS = OPS_PER_CALL['lock+unlock, 8 contenders']!;

/** Counts delivered watch events; `waitFor(n)` resolves once n have arrived. */
class EventCounter {
  count = 0;
  #waiters: { n: number; resolve: () => void }[] = [];

  add(n: number): void {
    this.count += n;
    const due = this.#waiters.filter((w) => w.n <= this.count);
    this.#waiters = this.#waiters.filter((w) => w.n > this.count);
    for (const w of due) w.resolve();
  }

  waitFor(n: number): Promise<void> {
    if (n <= this.count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }
}

function rangeKey(prefix: string, i: number): string {
  return `${prefix}/range/${i.toString().padStart(3, '0')}`;
}

/** Tasks over a {@link KvBackend}; keys live under `prefix`. */
export async function backendTasks(backend: KvBackend, prefix: string): Promise<TargetTasks> {
  for (let i = 0; i < 100; i++) await backend.put({ key: rangeKey(prefix, i), value: VALUE });
  const casKey = `${prefix}/cas`;
  let casRev = (await backend.put({ key: casKey, value: VALUE })).header.revision;
  const events = new EventCounter();
  const watchPrefix = `${prefix}/watch/`;
  const watcher = backend.watch({ key: watchPrefix, rangeEnd: prefixEnd(toBytes(watchPrefix)) });
  await watcher.created;
  // Caught here: closing the backend ends the iteration with an error, which must not go unhandled.
  const consumed = (async () => {
    for await (const response of watcher) events.add(response.events.length);
  })().catch((error: unknown) => error);
  const sessions = await Promise.all(
    Array.from({ length: CONTENDERS + 1 }, () => Session.create(backend, { ttl: 60 })),
  );
  const solo = new Mutex(sessions[0]!, `${prefix}/lock1`);
  const contenders = sessions.slice(1).map((s) => new Mutex(s, `${prefix}/lock8`));
  let n = 0;
  // Compact after every 100k writes, as an application would (the memory backend's history also slows
  // etcd3's client in this process). Checked at the start of a call, before its writes, when the watcher has
  // consumed every earlier event, so it is never compacted away.
  const wrote = compactEvery(backend);
  const put = (key: string) => backend.put({ key, value: VALUE });
  const watchPut = () => put(`${watchPrefix}${n++ % 1024}`);
  const tasks: Record<Workload, () => Promise<unknown>> = {
    put: async () => {
      await wrote(1);
      return put(`${prefix}/put/${n++ % 1024}`);
    },
    get: () => backend.range({ key: rangeKey(prefix, n++ % 100) }),
    'range 100 keys': () => backend.range({ key: rangeKey(prefix, 0), rangeEnd: rangeKey(prefix, 100) }),
    'txn compare-and-swap': async () => {
      await wrote(1);
      const r = await backend.txn({
        compare: [{ key: casKey, target: 'MOD', result: 'EQUAL', modRevision: casRev }],
        success: [{ requestPut: { key: casKey, value: VALUE } }],
      });
      if (!r.succeeded) throw new Error('CAS failed: the bench is the only writer of its key');
      casRev = r.header.revision;
    },
    'watch: put → event': async () => {
      await wrote(1);
      const target = events.count + 1;
      await watchPut();
      await events.waitFor(target);
    },
    'watch: throughput': async () => {
      await wrote(BATCH);
      const target = events.count + BATCH;
      for (let i = 0; i < BATCH; i++) await watchPut();
      await events.waitFor(target);
    },
    'lock+unlock, uncontended': async () => {
      await wrote(2);
      await solo.lock();
      await solo.unlock();
    },
    'lock+unlock, 8 contenders': async () => {
      await wrote(2 * CONTENDERS);
      await Promise.all(
        contenders.map(async (m) => {
          await m.lock();
          await m.unlock();
        }),
      );
    },
    'lease grant + put + revoke': async () => {
      await wrote(2);
      const { id } = await backend.leaseGrant({ ttl: 60 });
      await backend.put({ key: `${prefix}/lease`, value: VALUE, lease: id });
      await backend.leaseRevoke({ id });
    },
  };
  return {
    tasks,
    async close() {
      await watcher.cancel();
      await consumed;
      for (const s of sessions) await s.close();
    },
  };
}

/** The same tasks with raw etcd3 calls on `client`; keys live under `prefix`. */
export async function rawTasks(client: Etcd3, prefix: string): Promise<TargetTasks> {
  const b = (s: string) => Buffer.from(s);
  const value = b(VALUE);
  for (let i = 0; i < 100; i++) await client.kv.put({ key: b(rangeKey(prefix, i)), value });
  const casKey = b(`${prefix}/cas`);
  let casRev = Number((await client.kv.put({ key: casKey, value })).header.revision);
  const events = new EventCounter();
  const watchPrefix = `${prefix}/watch/`;
  const watcher = await client.watch().prefix(watchPrefix).create();
  watcher.on('put', () => events.add(1));
  let n = 0;
  const watchPut = () => client.kv.put({ key: b(`${watchPrefix}${n++ % 1024}`), value });
  // etcd3's lock is a try-lock (lease grant, create-if-absent txn, revoke on failure): contenders retry.
  // TTL 2 s: etcd3 leaves a keepalive watchdog timer of one TTL per lease after revoke, which would
  // hold the process open that long after the run.
  const lockAndRelease = async (key: string) => {
    for (;;) {
      const lock = client.lock(key).ttl(2);
      try {
        await lock.acquire();
      } catch (error) {
        if (error instanceof EtcdLockFailedError) continue;
        throw error;
      }
      await lock.release();
      return;
    }
  };
  const tasks: Record<Workload, () => Promise<unknown>> = {
    put: () => client.kv.put({ key: b(`${prefix}/put/${n++ % 1024}`), value }),
    get: () => client.kv.range({ key: b(rangeKey(prefix, n++ % 100)) }),
    'range 100 keys': () =>
      client.kv.range({ key: b(rangeKey(prefix, 0)), range_end: b(rangeKey(prefix, 100)) }),
    'txn compare-and-swap': async () => {
      const r = await client.kv.txn({
        compare: [{ key: casKey, target: 'Mod', result: 'Equal', mod_revision: casRev }],
        success: [{ request_put: { key: casKey, value } }],
      });
      if (!r.succeeded) throw new Error('CAS failed: the bench is the only writer of its key');
      casRev = Number(r.header.revision);
    },
    'watch: put → event': async () => {
      const target = events.count + 1;
      await watchPut();
      await events.waitFor(target);
    },
    'watch: throughput': async () => {
      const target = events.count + BATCH;
      for (let i = 0; i < BATCH; i++) await watchPut();
      await events.waitFor(target);
    },
    'lock+unlock, uncontended': () => lockAndRelease(`${prefix}/lock1`),
    'lock+unlock, 8 contenders': () =>
      Promise.all(Array.from({ length: CONTENDERS }, () => lockAndRelease(`${prefix}/lock8`))),
    'lease grant + put + revoke': async () => {
      const { ID } = await client.leaseClient.leaseGrant({ TTL: 60 });
      await client.kv.put({ key: b(`${prefix}/lease`), value, lease: ID });
      await client.leaseClient.leaseRevoke({ ID });
    },
  };
  return {
    tasks,
    async close() {
      await watcher.cancel();
    },
  };
}
