/**
 * Differential test: the same random operation sequences on the memory backend and on a real etcd;
 * normalized responses (revisions, versions, counts, more, prev_kvs, errors by class, code and message)
 * must be identical. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { fcParams, maxOps, timeout } from './harness/budget.js';
import { runDifferential } from './harness/differential.js';
import { sequence } from './harness/ops.js';
import type { Subject } from './harness/sequence.js';
import { etcdSubject, memorySubject, Tally } from './harness/subjects.js';

let server: EtcdServer;
let etcd: Subject;

beforeAll(async () => {
  server = await startEtcd();
  etcd = etcdSubject(server);
}, 60_000);

afterAll(async () => {
  await etcd?.backend.close();
  await server?.stop();
}, 60_000);

describe('differential: memory vs etcd', () => {
  it(
    'identical normalized responses for the same sequences',
    async () => {
      const memTally = new Tally();
      const etcdTally = new Tally();
      await fc.assert(
        fc.asyncProperty(sequence({ time: false, maxOps: maxOps(30) }), async (templates) => {
          const memory = memorySubject(server.minLeaseTtl);
          try {
            await runDifferential(memory, etcd, templates);
          } finally {
            memTally.add(memory);
            etcdTally.add(etcd);
            await memory.backend.close();
          }
        }),
        fcParams(50),
      );
      console.log(`[differential] etcd: ${etcdTally}\n[differential] memory: ${memTally}`);
    },
    timeout(90_000),
  );
});
