/**
 * The simulation target (issue 14): the lock scenario — 5 clients, a fencing-guarded counter — under
 * 1,000 random fault schedules of 60 simulated seconds each, one after another on one thread; target:
 * under 10 s on this machine. The same on two worker threads is measured beside it, for comparison.
 */

import { Worker } from 'node:worker_threads';
import { lockScenario, simulate } from '../../src/testing/simulation/index.js';

/** The target for 1,000 schedules on one thread, in seconds. */
export const SIMULATION_TARGET_S = 10;

/** Run the lock scenario for seeds [from, to) on this thread; returns seconds taken and failures. */
export async function serial(
  from: number,
  to: number,
): Promise<{ seconds: number; failures: number; steps: number }> {
  let failures = 0;
  let steps = 0;
  const started = performance.now();
  for (let seed = from; seed < to; seed++) {
    try {
      steps += (await simulate({ seed }, lockScenario())).steps;
    } catch (error) {
      failures++;
      console.error((error as Error).message);
    }
  }
  return { seconds: (performance.now() - started) / 1000, failures, steps };
}

/** The same on `threads` worker threads, the seeds split between them. */
export async function parallel(
  from: number,
  to: number,
  threads: number,
): Promise<{ seconds: number; failures: number }> {
  const started = performance.now();
  const per = Math.ceil((to - from) / threads);
  const url = new URL('../workers/simulate-worker.js', import.meta.url);
  const results = await Promise.all(
    Array.from({ length: threads }, (_, i) => {
      const range = { from: from + i * per, to: Math.min(to, from + (i + 1) * per) };
      return new Promise<number>((resolve, reject) => {
        const worker = new Worker(url, { workerData: range });
        worker.once('message', (m: { failures: number }) => resolve(m.failures));
        worker.once('error', reject);
      });
    }),
  );
  return { seconds: (performance.now() - started) / 1000, failures: results.reduce((a, b) => a + b, 0) };
}

/** The simulation figures: seconds for 1,000 schedules (projected from fewer when quick). */
export interface SimulationFigures {
  schedules: number;
  oneThreadS: number;
  twoThreadsS: number;
  msPerSchedule: number;
  stepsPerSchedule: number;
  failures: number;
  projected: boolean;
}

/** Run the lock scenario under `quick ? 100 : 1000` schedules on one thread, then on two. */
export async function simulationFigures(quick: boolean): Promise<SimulationFigures> {
  const schedules = quick ? 100 : 1000;
  await serial(1_000_000, 1_000_010); // warm the JIT up on other seeds
  const one = await serial(1, 1 + schedules);
  const two = await parallel(1, 1 + schedules, 2);
  return {
    schedules,
    oneThreadS: (one.seconds * 1000) / schedules,
    twoThreadsS: (two.seconds * 1000) / schedules,
    msPerSchedule: (one.seconds * 1000) / schedules,
    stepsPerSchedule: one.steps / schedules,
    failures: one.failures + two.failures,
    projected: quick,
  };
}

/** BENCHMARKS.md's section on the simulation. */
export function renderSimulationSection(f: SimulationFigures): string {
  return `## Deterministic simulation

The lock scenario of \`etcd-kv-kit/testing\` (\`lockScenario()\`: 5 clients taking a lock on one memory
store, a fencing-guarded counter, random partitions, lost replies, injected errors, pauses, restarts and
freezes) under ${f.schedules.toLocaleString('en-US')} seeded fault schedules of 60 simulated seconds each, checked after every step:
${f.msPerSchedule.toFixed(1)} ms per schedule (${f.stepsPerSchedule.toFixed(0)} steps), so **${f.oneThreadS.toFixed(1)} s for 1,000 schedules on one thread**${f.projected ? ' (projected from the quick run)' : ''};
${f.twoThreadsS.toFixed(1)} s on two worker threads. ${f.failures} schedule(s) failed.
`;
}

/** Target rows for the simulation. */
export function simulationTargets(f: SimulationFigures, verdict: (ok: boolean) => string): string[][] {
  return [
    [
      `simulation: 1,000 lock schedules × 60 s on one thread < ${SIMULATION_TARGET_S} s`,
      `${f.oneThreadS.toFixed(1)} s`,
      verdict(f.oneThreadS < SIMULATION_TARGET_S && f.failures === 0),
    ],
  ];
}
