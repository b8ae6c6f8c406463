/**
 * `npm start`: every recipe example in turn, on the memory backend (or on etcd with ETCD_ENDPOINTS).
 */

import { backendName, openBackend } from './backend.js';
import { barrierExample } from './barrier.js';
import { configExample } from './config.js';
import { doubleBarrierExample } from './double-barrier.js';
import { electionExample } from './election.js';
import { kvExample } from './kv.js';
import { lockExample } from './lock.js';
import { priorityQueueExample } from './priority-queue.js';
import { queueExample } from './queue.js';
import { registryExample } from './registry.js';
import { rwmutexExample } from './rwmutex.js';
import { semaphoreExample } from './semaphore.js';

const examples = [
  ['kv facade', kvExample],
  ['lock', lockExample],
  ['election', electionExample],
  ['config center', configExample],
  ['service registry', registryExample],
  ['readers-writer lock', rwmutexExample],
  ['semaphore', semaphoreExample],
  ['barrier', barrierExample],
  ['double barrier', doubleBarrierExample],
  ['queue', queueExample],
  ['priority queue', priorityQueueExample],
] as const;

const started = performance.now();
console.log(`etcd-kv-kit examples on the ${backendName()}`);
const backend = await openBackend();
try {
  for (const [name, run] of examples) {
    console.log(`\n# ${name}`);
    await run(backend);
  }
} finally {
  await backend.close();
}
console.log(`\nall examples done in ${Math.round(performance.now() - started)} ms`);
