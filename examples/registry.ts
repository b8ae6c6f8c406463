/**
 * Service registry: instances register on leases (they vanish if their process dies, and re-register
 * if their lease is lost), clients discover a consistent snapshot and watch changes.
 * Run: npx tsx examples/registry.ts
 */

import type { KvBackend } from '../src/interface/backend.js';
import { ServiceRegistry, type ServiceSnapshot } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

interface Endpoint {
  host: string;
  port: number;
}

export async function registryExample(backend: KvBackend): Promise<void> {
  await using registry = new ServiceRegistry(backend, { prefix: 'examples/services', ttl: 5 });
  const stop = new AbortController();
  const seen: ServiceSnapshot<Endpoint>[] = [];
  const watching = (async () => {
    for await (const snap of registry.watch<Endpoint>('api', { signal: stop.signal })) {
      seen.push(snap);
      console.log(`  watch @${snap.revision}: [${[...snap.instances.keys()].join(', ')}]`);
    }
  })();

  const waitFor = async (ok: (s: ServiceSnapshot<Endpoint>) => boolean) => {
    while (!seen.some(ok)) await new Promise((r) => setTimeout(r, 10));
  };
  await waitFor(() => true); // the watch has its first snapshot

  const a = await registry.register('api', 'api-1', { host: '10.0.0.1', port: 8080 });
  await registry.register('api', 'api-2', { host: '10.0.0.2', port: 8080 });
  const snap = await registry.discover<Endpoint>('api');
  for (const inst of snap.instances.values())
    console.log(`  discovered ${inst.id} at ${inst.data.host}:${inst.data.port}`);
  await a.deregister();
  await waitFor((s) => s.revision > snap.revision && !s.instances.has('api-1'));
  stop.abort();
  await watching;
}

runIfMain(import.meta.url, registryExample);
