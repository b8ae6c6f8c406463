/**
 * Differential test: the same random operation sequences on the memory backend and on a real etcd, and
 * on the simulator server (through the etcd backend) and on a real etcd;
 * normalized responses (revisions, versions, counts, more, prev_kvs, errors by class, code and message)
 * must be identical. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParams, maxOps, timeout } from './harness/budget.js';
import { runDifferential } from './harness/differential.js';
import { sequence } from './harness/ops.js';
import { memorySubject, Tally, useEtcdSubject, useServerSubject } from './harness/subjects.js';

const env = useEtcdSubject();
// The server's minimum lease TTL is the test etcd's (1 s with the harness's raft timers).
const sim = useServerSubject(1);

describe('differential: memory and the simulator server vs etcd', () => {
  it(
    'the memory backend: identical normalized responses for the same sequences',
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

  it(
    'the simulator server: identical normalized responses for the same sequences',
    async () => {
      expect(sim.subject.minLeaseTtl).toBe(env.server.minLeaseTtl);
      const serverTally = new Tally();
      const etcdTally = new Tally();
      await fc.assert(
        fc.asyncProperty(sequence({ time: false, maxOps: maxOps(30) }), async (templates) => {
          try {
            await runDifferential(sim.subject, env.subject, templates);
          } finally {
            serverTally.add(sim.subject);
            etcdTally.add(env.subject);
          }
        }),
        fcParams(50),
      );
      console.log(`[differential] etcd: ${etcdTally}\n[differential] server: ${serverTally}`);
    },
    timeout(90_000),
  );
});
