/**
 * The recipes after etcd's contrib/recipes under random fault schedules (deterministic simulations):
 * semaphore, RWMutex, queue, priority queue, barrier and double barrier, each with its invariants
 * checked after every step. Seeds are printed; replay one with
 * `SIM_SEED=<seed> SIM_RUNS=1 npx vitest run test/simulation/contrib-recipes.test.ts`.
 * These runs are cheap (tens of ms each), so CI runs 30 schedules of each; `npm run test:deep` 20× as many.
 */

import { describe, expect, it } from 'vitest';
import {
  barrierScenario,
  doubleBarrierScenario,
  queueScenario,
  rwMutexScenario,
  type Simulation,
  semaphoreScenario,
  simulate,
} from '../../src/testing/simulation/index.js';

const deep = Number(process.env.PROPERTY_RUNS ?? 1);
const runs = Number(process.env.SIM_RUNS ?? 30 * deep);
const base = process.env.SIM_SEED ? Number(process.env.SIM_SEED) : Math.floor(Math.random() * 2 ** 31);
console.log(`simulation seeds ${base}..${base + runs - 1} (replay one: SIM_SEED=<seed> SIM_RUNS=1)`);

const scenarios: [string, () => (sim: Simulation) => void][] = [
  [
    'semaphore (2 permits): never more than 2 holders, nor 2 permits in the store, nor 2 active in a guarded count',
    () => semaphoreScenario(),
  ],
  ['semaphore (3 permits, 6 clients): the same with 3', () => semaphoreScenario({ permits: 3, clients: 6 })],
  [
    'RWMutex: never a writer beside anyone, checked with a fenced counter and readers’ guarded reads',
    () => rwMutexScenario(),
  ],
  [
    'queue: every item acked once with its effect, none lost to consumer crashes, FIFO first claims',
    () => queueScenario(),
  ],
  ['priority queue: the same, FIFO within each priority', () => queueScenario({ kind: 'priority' })],
  [
    'barrier: each wait released once, by the end of the raise it waited on (release or lease expiry), never before',
    () => barrierScenario(),
  ],
  [
    'double barrier: rounds enter only once full, leave only once all of the round left, and leaving never sticks',
    () => doubleBarrierScenario(),
  ],
];

describe('contrib recipes under random fault schedules', () => {
  for (const [title, scenario] of scenarios) {
    it(
      title,
      async () => {
        for (let seed = base; seed < base + runs; seed++) await simulate({ seed }, scenario());
      },
      120_000 * deep,
    );
  }

  it('a seed replays each of these scenarios exactly (byte-identical traces)', async () => {
    for (const [, scenario] of scenarios) {
      const run = () => simulate({ seed: base, trace: true }, scenario());
      const [a, b] = [await run(), await run()];
      expect(a.trace.length).toBeGreaterThan(50);
      expect(b.trace.join('\n')).toBe(a.trace.join('\n'));
      expect(b.steps).toBe(a.steps);
    }
  });
});
