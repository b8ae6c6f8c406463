/** A worker thread of the simulation suite: runs the lock scenario for the seeds it is given. */

import { parentPort, workerData } from 'node:worker_threads';
import { lockScenario, simulate } from '../../src/testing/simulation/index.js';

const { from, to } = workerData as { from: number; to: number };
let failures = 0;
for (let seed = from; seed < to; seed++) {
  try {
    await simulate({ seed }, lockScenario());
  } catch (error) {
    failures++;
    console.error((error as Error).message);
  }
}
parentPort?.postMessage({ failures });
