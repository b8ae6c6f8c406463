/**
 * Child process for etcd-cleanup.test.ts: start an etcd (or a cluster), print its PIDs and paths as one
 * JSON line, then either wait to be killed ("wait") or end without stopping it ("exit").
 */

import { startEtcdCluster } from '../../src/testing/etcd-cluster.js';
import { startEtcd } from '../../src/testing/etcd-server.js';

const [kind, mode] = process.argv.slice(2);
if (kind === 'cluster') {
  const cluster = await startEtcdCluster({ size: 3, heartbeatMs: 10, electionMs: 100 });
  const dirs = cluster.members.map((m) => m.dataDir);
  console.log(JSON.stringify({ pids: cluster.members.map((m) => m.pid), paths: dirs }));
} else {
  const server = await startEtcd();
  console.log(JSON.stringify({ pids: [server.pid], paths: [server.dataDir, server.logFile] }));
}
// "wait": stay alive until the test kills us. "exit": end the script with the server still running.
if (mode === 'wait') setInterval(() => {}, 60_000);
