#!/usr/bin/env node
// The tests need an `etcd` binary (real-etcd suites), `etcdctl` and Debian's python3-etcd3 (the simulator
// server judged by clients nobody here wrote). Missing tools never turn into skipped tests: as root with
// apt-get we install the Debian packages; otherwise we stop with instructions.
import { execFileSync, spawnSync } from 'node:child_process';

const has = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

const needs = [
  { pkg: 'etcd-server', present: () => has('etcd', ['--version']) },
  { pkg: 'etcd-client', present: () => has('etcdctl', ['version']) },
  { pkg: 'python3-etcd3', present: () => has('/usr/bin/python3', ['-c', 'import etcd3']) },
];
let missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && has('apt-get', ['--version'])) {
  console.error(
    `missing: installing Debian packages ${missing.join(' ')} (apt-get update && apt-get install -y ${missing.join(' ')})`,
  );
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  missing = needs.filter((n) => !n.present()).map((n) => n.pkg);
  if (missing.length === 0) process.exit(0);
}
console.error(
  `Missing Debian packages: ${missing.join(' ')}. The test suite runs every conformance case on a real etcd,\n` +
    'and judges the simulator server with etcdctl and python3-etcd3 (run with /usr/bin/python3).\n' +
    `Install them first, e.g. \`sudo apt-get install -y ${missing.join(' ')}\` (Debian/Ubuntu), then run \`npm test\` again.`,
);
process.exit(1);
