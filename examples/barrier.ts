/**
 * A barrier: workers wait until a coordinator has finished preparing, then all start. The hold is on the
 * coordinator's session lease, so a coordinator that dies does not block them forever.
 * Run: npx tsx examples/barrier.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Barrier, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function barrierExample(backend: KvBackend): Promise<void> {
  const key = 'examples/barrier/migration';
  await using coordinator = await Session.create(backend, { ttl: 5 });
  const gate = await new Barrier(backend, key).hold(coordinator);
  const started: string[] = [];
  const workers = ['w1', 'w2', 'w3'].map(async (name) => {
    await new Barrier(backend, key).wait({ timeoutMs: 10_000 });
    started.push(name);
  });
  await new Promise((r) => setTimeout(r, 50));
  console.log(`  before release: ${started.length} workers started`);
  await gate.release();
  await Promise.all(workers);
  console.log(`  after release: ${started.sort().join(', ')} started`);
}

runIfMain(import.meta.url, barrierExample);
