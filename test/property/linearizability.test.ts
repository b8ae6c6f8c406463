/**
 * Linearizability: concurrent histories (several clients interleaving puts, gets, lists, deletes and
 * CAS txns) recorded on each backend and checked against the model with a porcupine-style Wing–Gong
 * search. Replay a failure with PROPERTY_SEED / PROPERTY_PATH.
 */

import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/index.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { fcParams, timeout } from './harness/budget.js';
import { clientsArb, runHistory } from './harness/concurrent.js';

let server: EtcdServer;
let clients: EtcdBackend[] = [];

beforeAll(async () => {
  server = await startEtcd();
  clients = [0, 1, 2, 3].map(() => new EtcdBackend({ endpoints: [server.endpoint] }));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
}, 60_000);

let histories = 0;

describe('linearizability', () => {
  it(
    '[memory] concurrent histories are linearizable',
    async () => {
      let ops = 0;
      let overlapping = 0;
      await fc.assert(
        fc.asyncProperty(clientsArb(4, 10), async (plan) => {
          const backend = new MemoryBackend({ clock: new ManualClock(), minLeaseTtl: 1, seed: 1 });
          try {
            const out = await runHistory([backend], plan, `lin-mem-${++histories}`);
            ops += out.operations;
            overlapping += out.overlapping;
            if (out.result.result !== 'ok') throw new Error(`${out.result.result}:\n${out.describe()}`);
          } finally {
            await backend.close();
          }
        }),
        fcParams(60),
      );
      console.log(
        `[memory] linearizability: ${ops} operations (${overlapping} overlapping another client's) in ${fcParams(60).numRuns} histories`,
      );
    },
    timeout(60_000),
  );

  it(
    '[etcd] concurrent histories from four clients are linearizable',
    async () => {
      let ops = 0;
      let steps = 0;
      let overlapping = 0;
      await fc.assert(
        fc.asyncProperty(clientsArb(4, 10), async (plan) => {
          const out = await runHistory(clients, plan, `lin-etcd-${++histories}`);
          ops += out.operations;
          steps += out.result.steps;
          overlapping += out.overlapping;
          if (out.result.result !== 'ok') throw new Error(`${out.result.result}:\n${out.describe()}`);
        }),
        fcParams(30),
      );
      console.log(
        `[etcd] linearizability: ${ops} operations (${overlapping} overlapping another client's) in ${fcParams(30).numRuns} histories, ${steps} search steps`,
      );
      expect(ops).toBeGreaterThan(0);
    },
    timeout(90_000),
  );
});
