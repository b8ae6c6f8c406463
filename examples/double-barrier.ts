/**
 * A double barrier: three workers start a phase together and finish it together.
 * Run: npx tsx examples/double-barrier.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { DoubleBarrier, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function doubleBarrierExample(backend: KvBackend): Promise<void> {
  await using session = await Session.create(backend, { ttl: 5 });
  const events: string[] = [];
  const worker = async (name: string, workMs: number) => {
    const phase = new DoubleBarrier(session, 'examples/double-barrier/phase-1', 3);
    await phase.enter({ timeoutMs: 10_000 }); // until all 3 have entered
    events.push(`${name} in`);
    await new Promise((r) => setTimeout(r, workMs));
    await phase.leave({ timeoutMs: 10_000 }); // until all 3 have left
    events.push(`${name} out`);
  };
  await Promise.all([worker('a', 30), worker('b', 5), worker('c', 15)]);
  console.log(`  ${events.join(', ')}`); // every "in" before any "out"
}

runIfMain(import.meta.url, doubleBarrierExample);
