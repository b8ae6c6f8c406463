/**
 * The recipes under random fault schedules (deterministic simulations): lock, election, registry and
 * config center, each with its invariants checked after every step. Seeds are printed; replay one with
 * `SIM_SEED=<seed> SIM_RUNS=1 npx vitest run test/simulation/recipes.test.ts`. `npm run test:deep`
 * runs 20× as many schedules.
 */

import { describe, it } from 'vitest';
import {
  configScenario,
  electionScenario,
  lockScenario,
  registryScenario,
  type Simulation,
  simulate,
} from '../../src/testing/simulation/index.js';

const deep = Number(process.env.PROPERTY_RUNS ?? 1);
const runs = Number(process.env.SIM_RUNS ?? 6 * deep);
const base = process.env.SIM_SEED ? Number(process.env.SIM_SEED) : Math.floor(Math.random() * 2 ** 31);
console.log(`simulation seeds ${base}..${base + runs - 1} (replay one: SIM_SEED=<seed> SIM_RUNS=1)`);

const scenarios: [string, () => (sim: Simulation) => void][] = [
  ['lock: never two holders, no lost increment of a fencing-guarded counter', () => lockScenario()],
  ['election: at most one leader’s guarded writes per term', () => electionScenario()],
  ['registry: converges to the live instances within the TTL', () => registryScenario()],
  ['config center: no missed or reordered update', () => configScenario()],
];

describe('recipes under random fault schedules', () => {
  for (const [title, scenario] of scenarios) {
    it(
      title,
      async () => {
        for (let seed = base; seed < base + runs; seed++) await simulate({ seed }, scenario());
      },
      120_000 * deep,
    );
  }
});
