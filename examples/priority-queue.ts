/**
 * A priority queue: urgent work (lower number) first, FIFO within a priority.
 * Run: npx tsx examples/priority-queue.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Kv, PriorityQueue, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function priorityQueueExample(backend: KvBackend): Promise<void> {
  const queue = new PriorityQueue(backend, 'examples/pq/tasks');
  await queue.enqueue('weekly report', 5);
  await queue.enqueue('page on-call', 0);
  await queue.enqueue('daily report', 5);
  await queue.enqueue('rotate keys', 1);
  await using session = await Session.create(backend, { ttl: 5 });
  const order: string[] = [];
  for (let task = await queue.tryDequeue(session); task; task = await queue.tryDequeue(session)) {
    order.push(`${task.text} (p${task.priority})`);
    await task.ack();
  }
  console.log(`  served: ${order.join(' → ')}`);
  await new Kv(backend, { namespace: 'examples/pq/' }).deletePrefix('');
}

runIfMain(import.meta.url, priorityQueueExample);
