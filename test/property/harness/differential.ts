/**
 * The differential runner: one generated sequence on a subject (the memory backend, or the simulator
 * server) and on a real etcd at once;
 * after normalization (revision offset, lease IDs by grant order, unspecified header fields, sort ties)
 * every response must be identical. The model resolves templates and says which inputs would crash 3.4
 * (withheld from both); on a mismatch its answer is printed too, but the real server is the truth.
 */

import type { ModelRequest } from '../../../src/testing/model/index.js';
import { step } from '../../../src/testing/model/index.js';
import { beginSequence, clearStore, Divergence, type Subject, stepBoth } from './sequence.js';
import { resolve, show } from './translate.js';

/** Run `templates` on `subject` and on `etcd`; throws Divergence on the first differing response. */
export async function runDifferential(
  subject: Subject,
  etcd: Subject,
  templates: readonly ModelRequest[],
): Promise<void> {
  const prefix = `diff/${String(etcd.sequences + 1).padStart(6, '0')}/`;
  const m = await beginSequence(subject, 'diff', prefix);
  const e = await beginSequence(etcd, 'diff', prefix);
  const done: ModelRequest[] = [];
  try {
    for (const template of templates) {
      if (step(e.state, resolve(template, prefix, e.state)).crashesEtcd34) {
        etcd.skippedCrashInputs++;
        continue;
      }
      const a = await stepBoth(subject, m, template);
      const b = await stepBoth(etcd, e, template);
      done.push(b.request);
      if (a.actual !== b.actual) {
        throw new Divergence(
          `op #${done.length - 1} ${show(b.request)}\n  ${subject.name}: ${a.actual}\n  etcd:   ${b.actual}\n  model:  ${b.expected}\n  sequence (model terms): ${show(done)}`,
        );
      }
    }
  } finally {
    await clearStore(etcd.backend).catch(() => {});
    if (subject.viaEtcdBackend) await clearStore(subject.backend).catch(() => {});
  }
}
