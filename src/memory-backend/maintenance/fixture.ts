/**
 * Fixtures: a keyspace as a readable JSON object of key → value strings (`{ "config/a": "1" }`), to start
 * a store from, and to dump a store's current keys as. Keys and values are text (UTF-8); history,
 * leases and revisions are not part of a fixture (a snapshot has them).
 */

import { InvalidArgumentError } from '../../interface/errors.js';

/** A fixture: every key with its current value. */
export type Fixture = Record<string, string>;

/** Check a parsed fixture; the message names the first key that is wrong and why. */
export function checkFixture(doc: unknown): Fixture {
  const example = 'a JSON object of key → value strings, e.g. {"config/a": "1"}';
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InvalidArgumentError(
      `a fixture must be ${example}, found ${Array.isArray(doc) ? 'an array' : JSON.stringify(doc)}`,
    );
  }
  for (const [key, value] of Object.entries(doc)) {
    if (key === '') throw new InvalidArgumentError('a fixture key is empty (etcd keys are never empty)');
    if (typeof value !== 'string') {
      throw new InvalidArgumentError(
        `fixture key ${JSON.stringify(key)} has a ${value === null ? 'null' : typeof value} value; a fixture must be ${example}`,
      );
    }
  }
  return doc as Fixture;
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Key and value bytes as fixture text; throws when either is not UTF-8 (a fixture cannot hold it). */
export function fixtureText(bytes: Uint8Array, key: Uint8Array, what: 'key' | 'value'): string {
  try {
    return strict.decode(bytes);
  } catch {
    throw new InvalidArgumentError(
      `the ${what} of key ${JSON.stringify(Buffer.from(key).toString('latin1'))} (base64 ${Buffer.from(key).toString('base64')}) is not UTF-8 text, which a fixture cannot hold; take a snapshot instead`,
    );
  }
}

/** A fixture as the JSON text the dump writes: keys in byte order, two-space indent, a final newline. */
export function formatFixture(fixture: Fixture): string {
  // Written by hand: a JS object would put integer-like keys first whatever the order given.
  const entries = Object.entries(fixture).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (entries.length === 0) return '{}\n';
  return `{\n${entries.map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n}\n`;
}
