#!/usr/bin/env node
// The real-etcd tests need an `etcd` binary. Missing etcd never turns into skipped tests: as root with
// apt-get we install Debian's etcd-server; otherwise we stop with instructions.
import { execFileSync, spawnSync } from 'node:child_process';

const has = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

if (has('etcd', ['--version'])) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && has('apt-get', ['--version'])) {
  console.error(
    'etcd not found: installing Debian package etcd-server (apt-get update && apt-get install -y etcd-server)',
  );
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'etcd-server'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (has('etcd', ['--version'])) process.exit(0);
}
console.error(
  'etcd binary not found on PATH; the test suite runs every conformance case on a real etcd too.\n' +
    'Install it first, e.g. `sudo apt-get install -y etcd-server` (Debian/Ubuntu), then run `npm test` again.',
);
process.exit(1);
