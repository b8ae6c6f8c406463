/**
 * `etcd-kv-kit dump`: the keys of any etcd — a real one or the simulator — as a JSON fixture that
 * `serve --load` starts from. Reads one consistent revision through the etcd backend.
 */

import { writeFileSync } from 'node:fs';
import { prefixRange } from '../common/bytes.js';
import { EtcdBackend } from '../etcd-backend/index.js';
import { type Fixture, fixtureText, formatFixture } from '../memory-backend/maintenance/fixture.js';
import { FlagError, type FlagSpec, flagHelp, parseFlags } from './flags.js';

/** The flags of `dump`. */
export const DUMP_FLAGS: readonly FlagSpec[] = [
  {
    name: 'endpoints',
    kind: 'string',
    help: 'Comma-separated client URLs of the etcd to read (http:// is added when no scheme is given).',
    defaultText: 'http://127.0.0.1:2379',
  },
  { name: 'prefix', kind: 'string', help: 'Only keys with this prefix.', defaultText: 'every key' },
  { name: 'output', kind: 'string', help: 'Write the fixture to this file.', defaultText: 'standard output' },
];

/** The text of `dump --help`. */
export const DUMP_HELP = `Usage: etcd-kv-kit dump [flags]

Write the current keys of an etcd (a real one or the simulator) as a JSON fixture, {"key": "value", ...},
keys in byte order. 'etcd-kv-kit serve --load FILE' starts from it. Only text keys and values fit a
fixture; for anything else, or to keep history, leases and revisions, use 'etcdctl snapshot save' against
the simulator.

Flags:
${flagHelp(DUMP_FLAGS)}
`;

/** Run `dump` with `args`; resolves once the fixture is written. */
export async function dump(args: readonly string[]): Promise<void> {
  const values = parseFlags(args, DUMP_FLAGS);
  const endpoints = String(values.get('endpoints') ?? 'http://127.0.0.1:2379')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`));
  if (endpoints.length === 0) throw new FlagError('--endpoints needs at least one URL');
  const prefix = values.get('prefix') as string | undefined;
  await using backend = new EtcdBackend({ endpoints, dialTimeoutMs: 3_000 });
  const range = prefix === undefined || prefix === '' ? { key: '\0', rangeEnd: '\0' } : prefixRange(prefix);
  const { kvs } = await backend.range(range);
  const fixture: Fixture = Object.create(null) as Fixture;
  for (const kv of kvs) fixture[fixtureText(kv.key, kv.key, 'key')] = fixtureText(kv.value, kv.key, 'value');
  const text = formatFixture(fixture);
  const output = values.get('output') as string | undefined;
  if (output === undefined) process.stdout.write(text);
  else writeFileSync(output, text);
}
