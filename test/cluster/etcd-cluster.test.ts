/**
 * The cluster harness itself: three members that agree on a leader, kill and restart by PID on the same
 * ports and data dir, and a teardown that leaves no process and no directory behind.
 */

import { existsSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EtcdCluster, startEtcdCluster } from '../../src/testing/etcd-cluster.js';

/** True while a process with this PID exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The TTL the cluster grants when asked for `ttl` seconds (raised to its minimum). */
async function grantedTtl(endpoints: string[], ttl: number): Promise<number> {
  const client = new Etcd3({ hosts: endpoints });
  try {
    const res = await client.leaseClient.leaseGrant({ TTL: ttl });
    return Number(res.TTL);
  } finally {
    client.close();
  }
}

describe('startEtcdCluster', () => {
  let cluster: EtcdCluster;
  beforeAll(async () => {
    cluster = await startEtcdCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('starts three members on distinct loopback ports that agree on one leader', async () => {
    const ports = cluster.members.flatMap((m) => [m.clientPort, m.peerPort]);
    expect(new Set(ports).size).toBe(6);
    expect(cluster.endpoints).toEqual(cluster.members.map((m) => `http://127.0.0.1:${m.clientPort}`));
    for (const m of cluster.members) expect(alive(m.pid)).toBe(true);
    const leader = await cluster.leader();
    const statuses = await Promise.all(cluster.members.map((m) => cluster.status(m)));
    const leaderStatus = await cluster.status(leader);
    for (const s of statuses) expect(s.leader).toBe(leaderStatus.memberId);
    // Default raft flags: election 1000 ms / heartbeat 100 ms give a 2 s minimum lease TTL.
    expect(cluster.minLeaseTtl).toBe(2);
    expect(await grantedTtl(cluster.endpoints, 1)).toBe(2);
  });

  it('kills the leader by PID; the survivors elect another; it restarts on the same ports and data', async () => {
    const leader = await cluster.leader();
    const oldPid = leader.pid;
    const { clientPort, dataDir } = leader;
    const { memberId } = await cluster.status(leader);
    await cluster.kill(leader);
    expect(leader.running).toBe(false);
    expect(alive(oldPid)).toBe(false);
    const next = await cluster.leader();
    expect(next).not.toBe(leader);
    await cluster.restart(leader);
    expect(leader.running).toBe(true);
    expect(leader.pid).not.toBe(oldPid);
    expect(leader.clientPort).toBe(clientPort);
    expect(leader.dataDir).toBe(dataDir);
    // Same data dir, so the same raft member rejoined (not a new one).
    expect((await cluster.status(leader)).memberId).toBe(memberId);
    const revision = await cluster.converged();
    expect((await cluster.status(leader)).revision).toBe(revision);
  });

  it('stop() ends every member process and removes every data dir', async () => {
    const pids = cluster.members.map((m) => m.pid);
    const dirs = cluster.members.map((m) => m.dataDir);
    expect(pids.every((p) => p > 0)).toBe(true);
    await cluster.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    for (const dir of dirs) expect(existsSync(dir)).toBe(false);
  });
});

describe('startEtcdCluster with raft flags', () => {
  it('passes heartbeat and election timeouts to every member', async () => {
    const cluster = await startEtcdCluster({ heartbeatMs: 10, electionMs: 100 });
    try {
      expect(cluster.minLeaseTtl).toBe(1);
      // With 10/100 ms the server's own minimum TTL is 1 s (2 s with the defaults).
      expect(await grantedTtl(cluster.endpoints, 1)).toBe(1);
    } finally {
      await cluster.stop();
    }
  });
});
