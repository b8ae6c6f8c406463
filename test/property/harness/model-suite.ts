/**
 * The model-based suite every target runs: random sequences (with clock advances where the target has a
 * manual clock), write-heavy nested txns, and the saved regressions, each checked against the reference
 * model with watch streams validated. A target gives its subject: a fresh one per sequence (memory) or
 * one for the whole file (a server started per file).
 */

import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { fcParams, maxOps, timeout } from './budget.js';
import { sequence, txnSequence } from './ops.js';
import { regressions } from './regressions.js';
import { runAgainstModel, type Subject } from './sequence.js';
import { Tally } from './subjects.js';

/** How one target runs the suite. */
export interface ModelSuite {
  /** "[memory]", "[etcd]", "[server]": the describe name and the log prefix. */
  readonly label: string;
  /** Key-prefix tag of the sequences. */
  readonly tag: string;
  /** Sequences include clock advances (the target runs on a manual clock). */
  readonly time: boolean;
  /** The tests' titles say so when `time` is on. */
  readonly timeNote: string;
  /** Ops per sequence, and runs, of the random and the txn properties; per-test timeout. */
  readonly sizes: { maxOps: number; runs: number; txnMaxOps: number; txnRuns: number; timeoutMs: number };
  readonly watchTimeoutMs: number;
  /** The subject of one sequence, and what to do with it after (a fresh store is closed; a shared one kept). */
  subject(): Subject;
  release?(subject: Subject): Promise<void>;
}

/** Register the suite for `t`. */
export function modelSuite(t: ModelSuite): void {
  const run = async (templates: Parameters<typeof runAgainstModel>[1], tag: string, tally?: Tally) => {
    const subject = t.subject();
    try {
      await runAgainstModel(subject, templates, { tag, watch: true, watchTimeoutMs: t.watchTimeoutMs });
    } finally {
      tally?.add(subject);
      await t.release?.(subject);
    }
  };
  describe(`${t.label} model-based`, () => {
    it(
      `every response equals the model${t.timeNote}, and watch streams pass the validators`,
      async () => {
        const tally = new Tally();
        await fc.assert(
          fc.asyncProperty(sequence({ time: t.time, maxOps: maxOps(t.sizes.maxOps) }), (templates) =>
            run(templates, t.tag, tally),
          ),
          fcParams(t.sizes.runs),
        );
        console.log(`${t.label} model-based: ${tally}`);
      },
      timeout(t.sizes.timeoutMs),
    );

    it(
      'write-heavy nested txns (duplicate-key rules, from-key deletes) equal the model',
      async () => {
        const tally = new Tally();
        await fc.assert(
          fc.asyncProperty(txnSequence(maxOps(t.sizes.txnMaxOps)), (templates) =>
            run(templates, `${t.tag}-txn`, tally),
          ),
          fcParams(t.sizes.txnRuns),
        );
        console.log(`${t.label} write-heavy txns: ${tally}`);
      },
      timeout(t.sizes.timeoutMs),
    );

    for (const r of regressions) {
      it(`regression: ${r.name}`, () => run(r.sequence, `${t.tag}-reg`));
    }
  });
}
