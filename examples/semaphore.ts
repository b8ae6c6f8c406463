/**
 * A semaphore of 2 permits: five workers share two slots of a rate-limited resource; never more than two
 * run at once. Run: npx tsx examples/semaphore.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Semaphore, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function semaphoreExample(backend: KvBackend): Promise<void> {
  await using session = await Session.create(backend, { ttl: 5 });
  let running = 0;
  let most = 0;
  const worker = async (name: string) => {
    // Each holder's key is on its session's lease: a crashed worker frees its slot when the lease expires.
    await using permit = await new Semaphore(session, 'examples/semaphore/api', 2).acquire({
      timeoutMs: 5_000,
    });
    running++;
    most = Math.max(most, running);
    console.log(`  ${name} runs (fencing token ${permit.fencingToken}, ${running} running)`);
    await new Promise((r) => setTimeout(r, 20));
    running--;
  };
  await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5'].map(worker));
  console.log(`  at most ${most} ran at once (limit 2)`);
}

runIfMain(import.meta.url, semaphoreExample);
