/**
 * A crash-safe work queue: a consumer takes a job and dies before acknowledging it; when its session's
 * lease ends the job comes back, in its place, and another consumer finishes it. The ack writes the job's
 * result in the same txn, so the result is written exactly once. Run: npx tsx examples/queue.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Kv, Queue, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function queueExample(backend: KvBackend): Promise<void> {
  const queue = new Queue(backend, 'examples/queue/jobs');
  for (const job of ['resize:1.png', 'resize:2.png']) await queue.enqueue(job);

  const doomed = await Session.create(backend, { ttl: 5 });
  const taken = await queue.dequeue(doomed);
  console.log(`  consumer A took ${taken.text} (id ${taken.id}) and crashes before its ack`);
  doomed.orphan();
  await backend.leaseRevoke({ id: doomed.lease }); // its lease ends (here at once, normally after its TTL)

  await using session = await Session.create(backend, { ttl: 5 });
  for (let i = 0; i < 2; i++) {
    await using job = await queue.dequeue(session, { timeoutMs: 5_000 }); // released if the handler throws
    const result = { requestPut: { key: `examples/queue/results/${job.id}`, value: `done:${job.text}` } };
    await job.ack({ ops: [result] }); // removes the job and writes its result in one txn
    const again = job.id === taken.id ? ', the id A had: use it as the idempotency key' : '';
    console.log(`  consumer B handled ${job.text} (id ${job.id}${again})`);
  }
  const results = await new Kv(backend, { namespace: 'examples/queue/results/' }).getPrefix('');
  console.log(`  results: ${[...results.values()].join(', ')}; queue size ${await queue.size()}`);
  await new Kv(backend, { namespace: 'examples/queue/' }).deletePrefix('');
}

runIfMain(import.meta.url, queueExample);
