/**
 * Model-based property test on the memory backend (ManualClock): random sequences of put, delete,
 * range (all options), txn (nested, all compare targets), compact, lease grant/revoke/keepalive/TTL and
 * clock advances; every response is checked against the reference model, and every watch stream opened
 * against the watch validators. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { fcParams, maxOps, timeout } from './harness/budget.js';
import { sequence, txnSequence } from './harness/ops.js';
import { regressions } from './harness/regressions.js';
import { runAgainstModel } from './harness/sequence.js';
import { memorySubject, Tally } from './harness/subjects.js';

describe('[memory] model-based', () => {
  it(
    'every response equals the model, with time (ManualClock), and watch streams pass the validators',
    async () => {
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(sequence({ time: true, maxOps: maxOps(40) }), async (templates) => {
          const subject = memorySubject();
          try {
            await runAgainstModel(subject, templates, { tag: 'mem', watch: true, watchTimeoutMs: 2_000 });
          } finally {
            tally.add(subject);
            await subject.backend.close();
          }
        }),
        fcParams(300),
      );
      console.log(`[memory] model-based: ${tally}`);
    },
    timeout(60_000),
  );

  it(
    'write-heavy nested txns (duplicate-key rules, from-key deletes) equal the model',
    async () => {
      const tally = new Tally();
      await fc.assert(
        fc.asyncProperty(txnSequence(maxOps(15)), async (templates) => {
          const subject = memorySubject();
          try {
            await runAgainstModel(subject, templates, { tag: 'mem-txn', watch: true, watchTimeoutMs: 2_000 });
          } finally {
            tally.add(subject);
            await subject.backend.close();
          }
        }),
        fcParams(100),
      );
      console.log(`[memory] write-heavy txns: ${tally}`);
    },
    timeout(60_000),
  );

  for (const r of regressions) {
    it(`regression: ${r.name}`, async () => {
      const subject = memorySubject();
      try {
        await runAgainstModel(subject, r.sequence, { tag: 'mem-reg', watch: true, watchTimeoutMs: 2_000 });
      } finally {
        await subject.backend.close();
      }
    });
  }
});
