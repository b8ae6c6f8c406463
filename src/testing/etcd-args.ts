/**
 * The command line of a one-member test etcd, shared by startEtcd() and the benchmarks (which time etcd's
 * start without the harness around it). Internal: not exported from etcd-kv-kit/testing.
 */

import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Where test etcd data dirs go: /dev/shm when there is one (no disk I/O), else the temp dir. */
export function scratchBase(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** One member named "default" with the given data dir and URLs, raft timers in ms, and no fsync. */
export function singleMemberArgs(o: {
  dataDir: string;
  clientUrl: string;
  peerUrl: string;
  heartbeatMs: number;
  electionMs: number;
}): string[] {
  return [
    ...['--name', 'default', '--data-dir', o.dataDir],
    ...['--listen-client-urls', o.clientUrl, '--advertise-client-urls', o.clientUrl],
    ...['--listen-peer-urls', o.peerUrl, '--initial-advertise-peer-urls', o.peerUrl],
    ...['--initial-cluster', `default=${o.peerUrl}`],
    ...['--heartbeat-interval', String(o.heartbeatMs), '--election-timeout', String(o.electionMs)],
    '--unsafe-no-fsync',
  ];
}
