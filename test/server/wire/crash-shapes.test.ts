/**
 * Requests that crash etcd 3.4.23 (listed in src/testing/suite/differences.ts), sent to the simulator
 * only: each gets a clear error, the store is unchanged, and the server keeps serving.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { type RunningServer, startServer } from '../../../src/server/index.js';
import { knownDifferences } from '../../../src/testing/suite/differences.js';
import { KV, range, STREAM_UNMARSHAL, txn, UNMARSHAL, unaryOn, WATCH } from './differential.js';
import { RawClient } from './raw-grpc.js';
import { b, enc, hex, showStatus, type WireTarget } from './wire-targets.js';

let server: RunningServer;
let target: WireTarget;

beforeAll(async () => {
  server = await startServer({ clock: new ManualClock() });
  target = { name: 'server', endpoint: server.endpoints[0]!, raw: new RawClient(server.endpoints[0]!) };
  expect((await target.raw.unary(`${KV}Put`, enc('PutRequest', { key: b('a'), value: b('1') }))).ok).toBe(
    true,
  );
});

afterAll(async () => {
  target.raw.close();
  await server.close();
});

/** `body` is refused with `expected`, nothing changes (unaryOn checks), and the server still answers. */
async function refused(path: string, body: Buffer, expected: string): Promise<void> {
  expect(await unaryOn(target, { path, body, response: 'RangeResponse' })).toBe(expected);
  const after = await target.raw.unary(`${KV}Range`, range({}));
  expect(after.ok, 'the simulator still serves').toBe(true);
}

it('an unknown sort target, in a Range, a read-only txn and a write txn', async () => {
  expect(knownDifferences.invalidSortOption.what).toContain('unknown sort target crashes');
  const invalid = 'ERR 3 etcdserver: invalid sort option';
  const op = { request_range: { key: b('a'), sort_target: 9 } };
  await refused(`${KV}Range`, range({ sort_target: 9 }), invalid);
  await refused(`${KV}Txn`, txn({ success: [op] }), invalid);
  await refused(`${KV}Txn`, txn({ success: [op, { request_put: { key: b('e') } }] }), invalid);
});

it('an unknown alarm action', async () => {
  expect(knownDifferences.unknownAlarmAction.applies({ target: 'etcd', serverVersion: '3.4.23' })).toBe(true);
  await refused(
    '/etcdserverpb.Maintenance/Alarm',
    enc('AlarmRequest', { action: 7 }),
    'ERR 3 alarm action must be GET, ACTIVATE or DEACTIVATE, received number 7',
  );
});

it('length prefixes that overflow int64 at their offset', async () => {
  expect(knownDifferences.lengthOverflowCrash.applies({ target: 'etcd', serverVersion: '3.4.23' })).toBe(
    true,
  );
  const negative = `${UNMARSHAL} proto: negative length found during unmarshaling`;
  // The three shapes measured on 3.4.23: a key of length 2^63 − 1; 2^63 − 2 after another field; an
  // unknown field whose end overflows only once its offset is added.
  await refused(`${KV}Range`, hex('0a ffffffffffffffff7f 61'), negative);
  await refused(`${KV}Range`, hex('1801 0a feffffffffffffff7f 61'), negative);
  await refused(
    `${KV}Range`,
    hex('0a0161 1801 2001 2801 3001 3801 4001 4801 5001 5801 6001 6801 fa07 f0ffffffffffffff7f'),
    negative,
  );
  // Nested: a txn op whose range request holds such a key (offsets count from the nested message).
  await refused(`${KV}Txn`, hex('12 0e 0a 0c 0a ffffffffffffffff7f 6161'), negative);
  // And inside an unknown group, against the group's start.
  await refused(`${KV}Range`, hex('0a0161 fb07 0a ffffffffffffffff7f'), negative);
  const stream = await target.raw.bidi(WATCH, [hex('0a 0d 0a ffffffffffffffff7f 0a0161')]);
  expect(showStatus(stream.status)).toBe(
    `${STREAM_UNMARSHAL} proto: negative length found during unmarshaling`,
  );
});
