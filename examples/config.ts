/**
 * A config center: typed, validated values under a prefix, kept live by a watch that starts exactly
 * where the load ended. An invalid value is reported and the last good one kept.
 * Run: npx tsx examples/config.ts
 */

import { toText } from '../src/common/bytes.js';
import type { KvBackend } from '../src/interface/backend.js';
import { ConfigCenter, Kv } from '../src/recipes/index.js';
import { runIfMain } from './backend.js';

interface Limits {
  maxConnections: number;
}

export async function configExample(backend: KvBackend): Promise<void> {
  const prefix = 'examples/config/';
  const kv = new Kv(backend, { namespace: prefix });
  await kv.putJson('db', { maxConnections: 10 });

  await using config = await ConfigCenter.open<Limits>(backend, {
    prefix,
    parse: (raw) => JSON.parse(toText(raw)) as Limits,
    validate: (v) => Number.isInteger(v.maxConnections) && v.maxConnections > 0,
  });
  console.log(`  loaded db = ${JSON.stringify(config.get('db'))}`);
  config.onError((e) => console.log(`  rejected ${e.key} = ${toText(e.raw)} (kept the last good value)`));

  const changes = config.changes();
  await kv.putJson('db', { maxConnections: 25 });
  await kv.put('db', '{"maxConnections": -1}');
  await kv.putJson('db', { maxConnections: 50 });
  for (let i = 0; i < 3; i++) {
    const { value: event } = await changes.next();
    if (event?.type === 'put')
      console.log(
        `  change: ${event.key} ${JSON.stringify(event.previous)} -> ${JSON.stringify(event.value)}`,
      );
  }
  await changes.return?.();
  console.log(`  now db = ${JSON.stringify(config.get('db'))}`);
  await kv.deletePrefix('');
}

runIfMain(import.meta.url, configExample);
