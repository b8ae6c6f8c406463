/**
 * A distributed lock with fencing: three workers increment a shared counter. Each write is guarded by the
 * holder's isOwner() compare, so it cannot land once the lock is lost. Run: npx tsx examples/lock.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Kv, Mutex, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function lockExample(backend: KvBackend): Promise<void> {
  const kv = new Kv(backend, { namespace: 'examples/lock/' });
  const counterKey = 'examples/lock/counter';

  const worker = async (name: string): Promise<void> => {
    await using session = await Session.create(backend, { ttl: 5 });
    for (let i = 0; i < 3; i++) {
      // `await using` unlocks at the end of each iteration, whatever happens inside.
      await using mutex = await new Mutex(session, 'examples/lock/mutex').lock();
      const current = Number((await kv.getOrUndefined('counter')) ?? '0');
      const write = await mutex.guardedTxn([{ requestPut: { key: counterKey, value: String(current + 1) } }]);
      console.log(
        `  ${name} holds the lock (fencing token ${mutex.fencingToken}) -> counter ${current + 1}, ok=${write.succeeded}`,
      );
    }
  };
  await Promise.all(['worker-a', 'worker-b', 'worker-c'].map(worker));
  console.log(`  final counter: ${await kv.get('counter')} (expected 9)`);
  await kv.deletePrefix('');
}

runIfMain(import.meta.url, lockExample);
