#!/usr/bin/env node
// The real-etcd tests need an `etcd` binary. Missing etcd never turns into skipped tests: as root with
// apt-get we install Debian's etcd-server; otherwise we stop with instructions.
import { execFileSync, spawnSync } from 'node:child_process';

const has = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/**
 * The clients nobody here wrote that the operations tests drive (etcdctl, curl, Debian's python3-etcd3gw),
 * each with the Debian package that brings it. Installed as root with apt-get; otherwise a clear stop.
 */
const clients = [
  { name: 'etcdctl', pkg: 'etcd-client', present: () => has('etcdctl', ['version']) },
  { name: 'curl', pkg: 'curl', present: () => has('curl', ['--version']) },
  {
    name: 'python3-etcd3gw',
    pkg: 'python3-etcd3gw',
    present: () => has('/usr/bin/python3', ['-c', 'import etcd3gw']),
  },
];

function ensureClients() {
  const missing = clients.filter((c) => !c.present());
  if (missing.length === 0) return;
  const pkgs = missing.map((c) => c.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && has('apt-get', ['--version'])) {
    console.error(`installing Debian packages for the real-client tests: ${pkgs.join(' ')}`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...pkgs], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const still = clients.filter((c) => !c.present());
  if (still.length > 0) {
    console.error(
      `missing for the real-client tests: ${still.map((c) => c.name).join(', ')}; install ` +
        `\`sudo apt-get install -y ${still.map((c) => c.pkg).join(' ')}\` (Debian/Ubuntu), then run \`npm test\` again.`,
    );
    process.exit(1);
  }
}

if (has('etcd', ['--version'])) {
  ensureClients();
  process.exit(0);
}

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
  if (has('etcd', ['--version'])) {
    ensureClients();
    process.exit(0);
  }
}
console.error(
  'etcd binary not found on PATH; the test suite runs every conformance case on a real etcd too.\n' +
    'Install it first, e.g. `sudo apt-get install -y etcd-server` (Debian/Ubuntu), then run `npm test` again.',
);
process.exit(1);
