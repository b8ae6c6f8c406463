/**
 * Model-based property test on a real etcd (the ground truth): the same generated sequences as on
 * memory minus clock advances and short TTLs, each under a fresh key prefix, with revisions relative to
 * the baseline and lease IDs mapped by grant order. Requests the model flags as crashing etcd 3.4 are
 * never sent. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { fcParams, maxOps, timeout } from './harness/budget.js';
import { sequence, txnSequence } from './harness/ops.js';
import { regressions } from './harness/regressions.js';
import { runAgainstModel } from './harness/sequence.js';
import { Tally, useEtcdSubject } from './harness/subjects.js';

const env = useEtcdSubject();

describe('[etcd] model-based', () => {
  it(
    'every response equals the model, and watch streams pass the validators',
    async () => {
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(sequence({ time: false, maxOps: maxOps(30) }), async (templates) => {
          try {
            await runAgainstModel(env.subject, templates, {
              tag: 'etcd',
              watch: true,
              watchTimeoutMs: 5_000,
            });
          } finally {
            tally.add(env.subject);
          }
        }),
        fcParams(60),
      );
      console.log(`[etcd] model-based: ${tally}`);
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
              tag: 'etcd-txn',
              watch: true,
              watchTimeoutMs: 5_000,
            });
          } finally {
            tally.add(env.subject);
          }
        }),
        fcParams(40),
      );
      console.log(`[etcd] write-heavy txns: ${tally}`);
    },
    timeout(90_000),
  );

  for (const r of regressions) {
    it(`regression: ${r.name}`, async () => {
      await runAgainstModel(env.subject, r.sequence, { tag: 'etcd-reg', watch: true, watchTimeoutMs: 5_000 });
    });
  }
});
