/**
 * Model-based property test on the simulator server (the memory store on etcd's gRPC API, reached
 * through the etcd backend), on its ManualClock: the memory run's sequences, clock advances and short
 * TTLs included, each under a fresh key prefix on one server per file. Requests the etcd backend refuses
 * on every server (the 3.4 crash shape) are withheld. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { fcParams, maxOps, timeout } from './harness/budget.js';
import { sequence, txnSequence } from './harness/ops.js';
import { regressions } from './harness/regressions.js';
import { runAgainstModel } from './harness/sequence.js';
import { Tally, useServerSubject } from './harness/subjects.js';

const env = useServerSubject();

describe('[server] model-based', () => {
  it(
    'every response equals the model, with time (the server ManualClock), and watch streams pass the validators',
    async () => {
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(sequence({ time: true, maxOps: maxOps(40) }), async (templates) => {
          try {
            await runAgainstModel(env.subject, templates, { tag: 'srv', watch: true, watchTimeoutMs: 5_000 });
          } finally {
            tally.add(env.subject);
          }
        }),
        fcParams(60),
      );
      console.log(`[server] model-based: ${tally}`);
    },
    timeout(90_000),
  );

  it(
    'write-heavy nested txns (duplicate-key rules, from-key deletes) equal the model',
    async () => {
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(txnSequence(maxOps(15)), async (templates) => {
          try {
            await runAgainstModel(env.subject, templates, {
              tag: 'srv-txn',
              watch: true,
              watchTimeoutMs: 5_000,
            });
          } finally {
            tally.add(env.subject);
          }
        }),
        fcParams(30),
      );
      console.log(`[server] write-heavy txns: ${tally}`);
    },
    timeout(90_000),
  );

  for (const r of regressions) {
    it(`regression: ${r.name}`, async () => {
      await runAgainstModel(env.subject, r.sequence, { tag: 'srv-reg', watch: true, watchTimeoutMs: 5_000 });
    });
  }
});
