/**
 * The KV facade: namespaced get/put, prefix reads, TTL puts, compare-and-swap and an STM transaction.
 * Run: npx tsx examples/kv.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Kv, NotFoundError } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function kvExample(backend: KvBackend): Promise<void> {
  const kv = new Kv(backend, { namespace: 'examples/kv/' });
  await kv.put('greeting', 'hello');
  console.log(`  get greeting = ${await kv.get('greeting')}`);
  try {
    await kv.get('missing');
  } catch (error) {
    if (error instanceof NotFoundError) console.log(`  get missing -> ${error.message}`);
  }
  await kv.putAll({ 'users/1': 'ada', 'users/2': 'grace' });
  console.log(`  users: ${JSON.stringify([...(await kv.getPrefix('users/'))])}`);
  const session = await kv.put('session/abc', 'token', { ttl: 30 });
  console.log(`  session/abc on lease ${session.lease.toString(16)} (expires in 30 s)`);
  console.log(`  putIfAbsent greeting: ${await kv.putIfAbsent('greeting', 'hi')}`);
  console.log(`  CAS hello->bonjour: ${await kv.compareAndSwap('greeting', 'hello', 'bonjour')}`);
  await kv.putAll({ 'acct/a': '100', 'acct/b': '0' });
  await kv.transaction(async (tx) => {
    const a = Number(await tx.get('acct/a'));
    const b = Number(await tx.get('acct/b'));
    tx.put('acct/a', String(a - 30));
    tx.put('acct/b', String(b + 30));
  });
  console.log(`  after transfer: a=${await kv.get('acct/a')} b=${await kv.get('acct/b')}`);
  await backend.leaseRevoke({ id: session.lease });
  console.log(`  deleted ${await kv.deletePrefix('')} keys`);
}

runIfMain(import.meta.url, kvExample);
