/**
 * Leader election: two candidates campaign, an observer follows the leader, the leader proclaims a new
 * value and resigns, and the other candidate takes over. Run: npx tsx examples/election.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { Election, Session } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

export async function electionExample(backend: KvBackend): Promise<void> {
  const pfx = 'examples/election';
  await using s1 = await Session.create(backend, { ttl: 5 });
  await using s2 = await Session.create(backend, { ttl: 5 });
  await using s3 = await Session.create(backend, { ttl: 5 });

  const stop = new AbortController();
  const observed: string[] = [];
  const observer = (async () => {
    for await (const leader of new Election(s3, pfx).observe({ signal: stop.signal })) {
      observed.push(leader.text);
      console.log(`  observer: leader is now "${leader.text}" (term ${leader.createRevision})`);
    }
  })();

  const alice = new Election(s1, pfx);
  const bob = new Election(s2, pfx);
  await alice.campaign('alice@10.0.0.1');
  const bobWins = bob.campaign('bob@10.0.0.2'); // waits: alice leads
  await alice.proclaim('alice@10.0.0.1 (v2)');
  await alice.resign();
  await bobWins;
  console.log(`  leader(): ${(await bob.leader()).text}`);
  // Observe reports the latest leader, possibly skipping values: wait until it has seen bob.
  while (!observed.includes('bob@10.0.0.2')) await new Promise((r) => setTimeout(r, 10));
  await bob.resign();
  stop.abort();
  await observer;
}

runIfMain(import.meta.url, electionExample);
