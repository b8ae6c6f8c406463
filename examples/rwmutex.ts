/**
 * A readers-writer lock: three readers read a config together, a writer updates it alone, and a reader
 * that arrives while the writer waits queues behind it. Run: npx tsx examples/rwmutex.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Kv, RWMutex, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function rwmutexExample(backend: KvBackend): Promise<void> {
  const kv = new Kv(backend, { namespace: 'examples/rwmutex/' });
  await kv.put('config', 'v1');
  await using session = await Session.create(backend, { ttl: 5 });
  const pfx = 'examples/rwmutex/lock';
  const log: string[] = [];

  const reader = async (name: string) => {
    await using lock = await new RWMutex(session, pfx).rLock();
    log.push(`${name} reads ${await kv.get('config')} (token ${lock.fencingToken})`);
  };
  const readers = await Promise.all([0, 1, 2].map(() => new RWMutex(session, pfx).rLock()));
  console.log(`  3 readers hold the lock together: ${readers.map((r) => r.mode).join(', ')}`);
  const writer = (async () => {
    await using lock = await new RWMutex(session, pfx).lock(); // waits for the three readers
    const ok = await lock.guardedTxn([{ requestPut: { key: 'examples/rwmutex/config', value: 'v2' } }]);
    log.push(`writer writes v2 (token ${lock.fencingToken}, ok=${ok.succeeded})`);
  })();
  // Give the writer time to queue, then a reader comes: it waits behind the writer (fair order).
  await new Promise((r) => setTimeout(r, 50));
  const late = reader('late reader');
  for (const r of readers) await r.rUnlock();
  await Promise.all([writer, late]);
  for (const line of log) console.log(`  ${line}`);
  await kv.deletePrefix('');
}

runIfMain(import.meta.url, rwmutexExample);
