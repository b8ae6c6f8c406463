/**
 * etcdctl 3.4 (Debian's etcd-client) against a real etcd and against the simulator server: the same
 * sessions on each, transcripts compared exactly after normalizing IDs, timings, ports, raft indexes and
 * sizes (etcdctl/normalize.ts). Missing etcdctl fails the file; it is never skipped.
 *
 * Endpoints are given without a scheme (`127.0.0.1:PORT`), as etcdctl's examples do.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { assertEtcdctlInstalled, runCtl, runScript, type Step } from './etcdctl/harness.js';
import { identityOf, normalize } from './etcdctl/normalize.js';
import { clusterSteps, concurrencySteps, kvSteps, leaseSteps, watchSteps } from './etcdctl/script.js';

let etcd: EtcdServer;
let server: RunningServer;
const hostPort = (url: string) => url.replace(/^https?:\/\//, '');

beforeAll(async () => {
  assertEtcdctlInstalled();
  etcd = await startEtcd();
  const version = /"version":"([\d.]+)"/.exec(
    (await runCtl(hostPort(etcd.endpoint), ['endpoint', 'status', '-w', 'json'])).stdout,
  )?.[1];
  if (version === undefined) throw new Error('the real etcd reported no version');
  // The same release, the real clock and the same minimum lease TTL as the etcd: leases expire in real
  // time on both.
  server = await startServer({
    etcdVersion: version,
    minLeaseTtl: etcd.minLeaseTtl,
    peerUrls: ['http://127.0.0.1:2380'],
  });
});

afterAll(async () => {
  await Promise.all([etcd?.stop(), server?.close()]);
});

async function revisionOf(endpoint: string): Promise<number> {
  const r = await runCtl(endpoint, ['endpoint', 'status', '-w', 'json']);
  const rev = /"revision":(\d+)/.exec(r.stdout)?.[1];
  if (rev === undefined) throw new Error(`no revision from ${endpoint}: ${r.stdout} ${r.stderr}`);
  return Number(rev);
}

/** Run the session built by `steps` on both servers at once; the normalized transcripts must be equal. */
async function compare(steps: (revision: number) => Step[]): Promise<void> {
  const endpoints = [hostPort(etcd.endpoint), hostPort(server.endpoints[0]!)];
  const [r0, r1] = await Promise.all(endpoints.map(revisionOf));
  expect(r1, 'both servers have had the same history').toBe(r0);
  const session = steps(r0!);
  // Both sessions run to the end (each stops its own background commands) before either failure counts.
  const settled = await Promise.allSettled(
    endpoints.map(async (ep) => normalize(await runScript(ep, session), await identityOf(ep))),
  );
  const [real, sim] = settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
  if (process.env.SHOW) console.log(JSON.stringify({ real, sim }, null, 1));
  expect(sim).toEqual(real);
}

describe('etcdctl: the simulator server prints what a real etcd prints', () => {
  it('put, get with every option, del, txn -i, compaction', async () => {
    await compare(kvSteps);
  });
  it('watch: --rev, --prefix, --prev-kv, -w json, a compacted start', async () => {
    await compare(watchSteps);
  });
  it('lease grant, keep-alive (--once and until a signal), timetolive --keys, list, revoke, expiry', async () => {
    await compare(leaseSteps);
  });
  it('lock (held until a signal, around a command) and elect (campaign, listen, resign)', async () => {
    await compare(concurrencySteps);
  });
  it('endpoint status, endpoint health, member list, alarm list', async () => {
    await compare(clusterSteps);
  });
});
