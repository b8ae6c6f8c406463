/**
 * The recipes' uncontended cycles (issue 17): one caller, nothing else on the prefix, on the memory
 * backend and on the etcd backend against a fresh etcd. Each cycle is what a caller does once per unit of
 * work: lock and unlock, acquire and release, hold-release-wait, enter and leave, enqueue-dequeue-ack.
 * The requests a cycle sends are counted on a proxy, not assumed.
 *
 * Both stores are compacted every 10k writes: every queue item is a new key, and until compaction its
 * tombstone stays in the key index, where each dequeue's range walks past it (on etcd as on memory). With
 * the report's 100k interval the queue rows would measure mostly that history.
 */

import { EtcdBackend } from '../../src/etcd-backend/index.js';
import type { KvBackend } from '../../src/interface/backend.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import {
  Barrier,
  DoubleBarrier,
  Mutex,
  PriorityQueue,
  Queue,
  RWMutex,
  Semaphore,
  Session,
} from '../../src/recipes/index.js';
import { startEtcd } from '../../src/testing/etcd-server.js';
import { compactEvery } from './compaction.js';
import { type MeasureOptions, measure, type Timing } from './measure.js';

/** Writes between compactions (see the file comment). */
export const COMPACT_EVERY = 10_000;

/** Cycle names, in table order. */
export const CYCLES = [
  'Mutex lock + unlock (reference)',
  'RWMutex rLock + rUnlock',
  'RWMutex lock + unlock',
  'Semaphore(3) acquire + release',
  'Barrier hold + release + wait',
  'DoubleBarrier(1) enter + leave',
  'Queue enqueue + dequeue + ack',
  'PriorityQueue enqueue + dequeue + ack',
] as const;

/** One cycle name. */
export type Cycle = (typeof CYCLES)[number];

/** Timings of one cycle on both backends, and the requests it sends. */
export interface CycleRow {
  cycle: Cycle;
  /** KV requests (range, put, delete, txn) and watches one cycle sends, counted. */
  requests: number;
  memory: Timing;
  etcd: Timing;
}

/** Counts KV calls and watches made through it. */
function counting(inner: KvBackend): { backend: KvBackend; calls(): number } {
  let calls = 0;
  const counted = new Set(['range', 'put', 'deleteRange', 'txn', 'watch']);
  const backend = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (counted.has(String(prop))) calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { backend, calls: () => calls };
}

/** The cycles on `inner` under `prefix`, with a session made beforehand; `close` ends it. */
async function cycleTasks(inner: KvBackend, prefix: string) {
  const { backend, calls } = counting(inner);
  const session = await Session.create(backend, { ttl: 60 });
  const wrote = compactEvery(inner, COMPACT_EVERY);
  const mutex = new Mutex(session, `${prefix}/mutex`);
  const rw = new RWMutex(session, `${prefix}/rw`);
  const sem = new Semaphore(session, `${prefix}/sem`, 3);
  const barrier = new Barrier(backend, `${prefix}/barrier`);
  const double = new DoubleBarrier(session, `${prefix}/double`, 1);
  const queue = new Queue(backend, `${prefix}/queue`);
  const pq = new PriorityQueue(backend, `${prefix}/pq`);
  const tasks: Record<Cycle, () => Promise<unknown>> = {
    'Mutex lock + unlock (reference)': async () => {
      await wrote(2);
      await mutex.lock();
      await mutex.unlock();
    },
    'RWMutex rLock + rUnlock': async () => {
      await wrote(2);
      await rw.rLock();
      await rw.rUnlock();
    },
    'RWMutex lock + unlock': async () => {
      await wrote(2);
      await rw.lock();
      await rw.unlock();
    },
    'Semaphore(3) acquire + release': async () => {
      await wrote(3);
      await sem.acquire();
      await sem.release();
    },
    'Barrier hold + release + wait': async () => {
      await wrote(2);
      await barrier.hold(session);
      await barrier.release();
      await barrier.wait();
    },
    'DoubleBarrier(1) enter + leave': async () => {
      await wrote(3);
      await double.enter();
      await double.leave();
    },
    'Queue enqueue + dequeue + ack': async () => {
      await wrote(3);
      await queue.enqueue('job');
      const item = await queue.dequeue(session);
      await item.ack();
    },
    'PriorityQueue enqueue + dequeue + ack': async () => {
      await wrote(4);
      await pq.enqueue('job', 1);
      const item = await pq.dequeue(session);
      await item.ack();
    },
  };
  // One counted run of each cycle (it also checks that each works on this target).
  const requests = {} as Record<Cycle, number>;
  for (const cycle of CYCLES) {
    const before = calls();
    await tasks[cycle]();
    requests[cycle] = calls() - before;
  }
  return { tasks, requests, close: () => session.close() };
}

/** Measure every cycle on a memory backend and on a fresh etcd it starts and stops. */
export async function recipeCycles(
  options: MeasureOptions,
): Promise<{ rows: CycleRow[]; etcdVersion: string }> {
  const server = await startEtcd();
  const memory = new MemoryBackend({ minLeaseTtl: server.minLeaseTtl });
  const etcd = new EtcdBackend({ endpoints: server.endpoint });
  try {
    const etcdVersion = (await etcd.status()).version;
    const m = await cycleTasks(memory, 'bench/recipes/m');
    const e = await cycleTasks(etcd, 'bench/recipes/e');
    const rows: CycleRow[] = [];
    for (const cycle of CYCLES) {
      if (m.requests[cycle] !== e.requests[cycle])
        throw new Error(`${cycle}: ${m.requests[cycle]} requests on memory, ${e.requests[cycle]} on etcd`);
      const t = await measure({ memory: m.tasks[cycle], etcd: e.tasks[cycle] }, options);
      rows.push({ cycle, requests: m.requests[cycle], memory: t.memory!, etcd: t.etcd! });
    }
    await m.close();
    await e.close();
    return { rows, etcdVersion };
  } finally {
    await etcd.close();
    await memory.close();
    await server.stop();
  }
}
