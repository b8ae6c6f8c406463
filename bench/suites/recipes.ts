/**
 * Recipes (issue 17): the uncontended cycle of every coordination recipe on the memory backend and on the
 * etcd backend against a fresh etcd, with the requests each cycle sends.
 * Run: `npm run bench -- recipes` (add `--quick` for a short run).
 */

import type { BenchOptions } from '../main.js';
import { table, times, us } from '../report/markdown.js';
import { slowdown } from '../report/measure.js';
import { COMPACT_EVERY, recipeCycles } from '../report/recipe-cycles.js';

/** Run the suite. */
export async function run({ quick }: BenchOptions): Promise<void> {
  const options = quick ? { time: 80, rounds: 3, iterations: 5 } : { time: 100, rounds: 9 };
  const { rows, etcdVersion } = await recipeCycles(options);
  console.log(
    `etcd ${etcdVersion}; ${options.rounds} round(s) of ${options.time} ms per task, one call in flight; µs = median round; stores compacted every ${COMPACT_EVERY} writes`,
  );
  console.log(
    table(
      ['cycle', 'requests', 'memory µs', 'etcd backend µs', 'etcd cycles/s', 'memory speed-up'],
      rows.map((r) => [
        r.cycle,
        String(r.requests),
        us(r.memory.us),
        us(r.etcd.us),
        Math.round(r.etcd.opsPerSec).toLocaleString('en-US'),
        times(slowdown(r.etcd, r.memory)),
      ]),
    ),
  );
}
