/**
 * Every RPC of etcd's API, called with an empty message (and, for streams, a half-close), gets an answer
 * from the simulator: a response or etcd's error for a served RPC, UNIMPLEMENTED naming the RPC for one
 * not served yet, grpc-go's "unknown method" for one etcd 3.4 lacks — never a handler failure of
 * grpc-js's own, and the server keeps serving. Which RPCs are served changes; the shapes may not.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { allMethods } from '../../../src/server/grpc/proto.js';
import { type RunningServer, startServer } from '../../../src/server/index.js';
import { KV, range } from './differential.js';
import { grpcFrame, RawClient, rawHttp2 } from './raw-grpc.js';
import { showStatus } from './wire-targets.js';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ clock: new ManualClock() });
});

afterAll(async () => {
  await server.close();
});

it('every RPC answers with a response, an etcd error or UNIMPLEMENTED naming it', async () => {
  const endpoint = server.endpoints[0]!;
  const answers: string[] = [];
  for (const m of allMethods()) {
    const r = await rawHttp2(endpoint, m.path, grpcFrame(Buffer.alloc(0)), 'end', 300);
    const status = r.grpcStatus === undefined ? 'open' : showStatus(r.grpcStatus);
    answers.push(`${m.service}/${m.method} ${status}`);
    if (r.grpcStatus === undefined) {
      // Open after a half-close: etcd's Watch (it keeps delivering events); Observe (it follows the
      // leader: the empty name's prefix is "/", where the empty Lock before it left its key); and Campaign
      // (it waits behind that key), as on etcd.
      expect([
        '/etcdserverpb.Watch/Watch',
        '/v3electionpb.Election/Observe',
        '/v3electionpb.Election/Campaign',
      ]).toContain(m.path);
    } else if (r.grpcStatus.code === 12) {
      expect([
        `etcd-kv-kit: ${m.package}.${m.service}/${m.method} is not served by the simulator yet`,
        `unknown method ${m.method} for service ${m.package}.${m.service}`,
      ]).toContain(r.grpcStatus.details);
    } else if (r.grpcStatus.code !== 0) {
      // An etcd error (etcdserver: …, or the election's own), never grpc-js's handler failures or our UNKNOWN.
      expect(r.grpcStatus.details, `${m.path}: ${status}`).toMatch(
        /^etcdserver: |^"leader" field must be provided$/,
      );
    }
  }
  expect(answers.length).toBeGreaterThan(40);
  const raw = new RawClient(endpoint);
  expect((await raw.unary(`${KV}Range`, range({}))).ok, 'still serving').toBe(true);
  raw.close();
});
