/**
 * Differential test: the same random operation sequences on the memory backend and on a real etcd;
 * normalized responses (revisions, versions, counts, more, prev_kvs, errors by class, code and message)
 * must be identical. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { fcParams, maxOps, timeout } from './harness/budget.js';
import { runDifferential } from './harness/differential.js';
import { sequence } from './harness/ops.js';
import { memorySubject, Tally, useEtcdSubject } from './harness/subjects.js';

const env = useEtcdSubject();

describe('differential: memory vs etcd', () => {
  it(
    'identical normalized responses for the same sequences',
    async () => {
      const memTally = new Tally();
      const etcdTally = new Tally();
      await fc.assert(
        fc.asyncProperty(sequence({ time: false, maxOps: maxOps(30) }), async (templates) => {
          const memory = memorySubject(env.server.minLeaseTtl);
          try {
            await runDifferential(memory, env.subject, templates);
          } finally {
            memTally.add(memory);
            etcdTally.add(env.subject);
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
