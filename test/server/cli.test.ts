/**
 * `etcd-kv-kit serve` as a process: the ready line with the bound port, SIGINT/SIGTERM with open watch and
 * keepalive streams (exit 0, the clients see their streams end), bad flags (exit 2), --help, and flags that
 * change behaviour as etcd's do. Each server is stopped by PID.
 */

import { Etcd3 } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { assertEtcdctlInstalled, runCtl } from './etcdctl/harness.js';
import { type ServeProcess, serveCli, spawnCli, stopCli } from './serve-cli.js';

const started: ServeProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => stopCli(p, 'SIGKILL')));
});

async function serve(...args: string[]): Promise<ServeProcess & { hostPort: string }> {
  const p = await serveCli(['--listen-client-urls', 'http://127.0.0.1:0', ...args]);
  started.push(p);
  return { ...p, hostPort: p.url.replace('http://', '') };
}

/** A watch stream and a keepalive stream held open on `url` by etcd3's raw clients; how each ended. */
async function openStreams(url: string) {
  const client = new Etcd3({ hosts: url });
  // etcd3 types its raw streams with `on` only; they are grpc-js duplex streams, full emitters.
  const events = (stream: object) => stream as NodeJS.EventEmitter;
  const watch = await client.watchClient.watch();
  const created = new Promise((resolve) => events(watch).once('data', resolve));
  watch.write({ create_request: { key: Buffer.from('k') } });
  await created;
  const { ID } = await client.leaseClient.leaseGrant({ TTL: 60 });
  const keepAlive = await client.leaseClient.leaseKeepAlive();
  const renewed = new Promise((resolve) => events(keepAlive).once('data', resolve));
  keepAlive.write({ ID });
  await renewed;
  const ended = (stream: object) =>
    new Promise<string>((resolve) => {
      events(stream).once('error', (e: Error & { details?: string }) =>
        resolve(`error: ${e.details ?? e.message}`),
      );
      events(stream).once('end', () => resolve('end'));
    });
  return { client, ended: Promise.all([ended(watch), ended(keepAlive)]) };
}

describe('etcd-kv-kit serve', () => {
  it('prints its ready line with the port it bound, serves on it, and SIGINT ends open streams and exits 0', async () => {
    const server = await serve();
    expect(server.output().stdout).toMatch(
      /^etcd-kv-kit: ready to serve client requests on http:\/\/127\.0\.0\.1:\d+\n$/,
    );
    expect(server.url).not.toMatch(/:0$/);
    assertEtcdctlInstalled();
    expect(await runCtl(server.hostPort, ['put', 'k', 'v'])).toMatchObject({
      exit: 'exit 0',
      stdout: 'OK\n',
    });
    // Default raft timers (100 ms heartbeat, 1000 ms election): etcd's minimum lease TTL is 2 s.
    expect((await runCtl(server.hostPort, ['lease', 'grant', '1'])).stdout).toMatch(/granted with TTL\(2s\)/);

    const { client, ended } = await openStreams(server.url);
    try {
      expect(await stopCli(server, 'SIGINT')).toBe(0);
      expect(await ended).toEqual(['error: etcdserver: server stopped', 'error: etcdserver: server stopped']);
    } finally {
      client.close();
    }
  });

  it('limits and timers from flags: --max-txn-ops, --max-request-bytes, --heartbeat-interval/--election-timeout; SIGTERM exits 0', async () => {
    const server = await serve(
      '--max-txn-ops',
      '2',
      '--max-request-bytes',
      '1024',
      '--heartbeat-interval',
      '10',
      '--election-timeout',
      '100',
    );
    const txn = await runCtl(server.hostPort, ['txn', '-i'], { stdin: '\nput a 1\nput b 2\nput c 3\n\n\n' });
    expect(txn.exit).toBe('exit 1');
    expect(txn.stderr).toContain('Error: etcdserver: too many operations in txn request');
    const two = await runCtl(server.hostPort, ['txn', '-i'], { stdin: '\nput a 1\nput b 2\n\n\n' });
    expect(two.stdout).toMatch(/SUCCESS/);
    const big = await runCtl(server.hostPort, ['put', 'big', 'x'.repeat(2048)]);
    expect(big.exit).toBe('exit 1');
    expect(big.stderr).toContain('Error: etcdserver: request is too large');
    expect((await runCtl(server.hostPort, ['put', 'small', 'x'.repeat(900)])).stdout).toBe('OK\n');
    expect((await runCtl(server.hostPort, ['lease', 'grant', '1'])).stdout).toMatch(/granted with TTL\(1s\)/);

    const { client, ended } = await openStreams(server.url);
    try {
      expect(await stopCli(server, 'SIGTERM')).toBe(0);
      expect(await ended).toEqual(['error: etcdserver: server stopped', 'error: etcdserver: server stopped']);
    } finally {
      client.close();
    }
  });

  it('--seed: two servers with the same seed grant the same lease IDs; another seed, others', async () => {
    const [a, b, c] = await Promise.all([serve('--seed', '42'), serve('--seed', '42'), serve('--seed', '7')]);
    const ids = async (hostPort: string) => {
      const out: string[] = [];
      for (let i = 0; i < 3; i++) out.push((await runCtl(hostPort, ['lease', 'grant', '30'])).stdout);
      return out.map((line) => /^lease ([0-9a-f]+) granted/.exec(line)?.[1]);
    };
    const [idsA, idsB, idsC] = await Promise.all([ids(a.hostPort), ids(b.hostPort), ids(c.hostPort)]);
    expect(idsA.every((id) => id !== undefined)).toBe(true);
    expect(new Set(idsA).size).toBe(3);
    expect(idsB).toEqual(idsA);
    expect(idsC.some((id) => idsA.includes(id))).toBe(false);
    expect(await Promise.all([a, b, c].map((p) => stopCli(p)))).toEqual([0, 0, 0]);
  });

  it('a bad flag exits 2 with a message that names it', async () => {
    const runs = [
      ['serve', '--bogus'],
      ['serve', '--max-txn-ops', 'many'],
      ['serve', '--heartbeat-interval', '100', '--election-timeout', '200'],
      ['serve', '--listen-client-urls', 'unix:///tmp/x'],
      ['serve', '--cert-file', '/nonexistent/server.crt', '--key-file', '/nonexistent/server.key'],
    ].map(async (args) => {
      const p = spawnCli(args);
      const code = await p.exited;
      return { code, stderr: p.output().stderr, stdout: p.output().stdout };
    });
    const [bogus, notInt, timers, scheme, missingFile] = await Promise.all(runs);
    for (const r of [bogus, notInt, timers, scheme, missingFile]) {
      expect(r!.code).toBe(2);
      expect(r!.stdout).toBe('');
      expect(r!.stderr).toMatch(/Run 'etcd-kv-kit serve --help' for the flags\.\n$/);
    }
    expect(bogus!.stderr).toMatch(/^etcd-kv-kit: unknown flag --bogus\n/);
    expect(notInt!.stderr).toMatch(/^etcd-kv-kit: --max-txn-ops: "many" is not an integer\n/);
    expect(timers!.stderr).toContain(
      '--election-timeout[200ms] should be at least as 5 times as --heartbeat-interval[100ms]',
    );
    expect(scheme!.stderr).toContain('must start with http:// or https://');
    expect(missingFile!.stderr).toContain('--cert-file: cannot read /nonexistent/server.crt: ENOENT');
  });

  it('--help says the data lives in memory and lists the flags with etcd names', async () => {
    const p = spawnCli(['serve', '--help']);
    expect(await p.exited).toBe(0);
    const help = p.output().stdout;
    expect(help).toContain('All data lives in memory and is gone when the server stops.');
    for (const flag of [
      '--listen-client-urls',
      '--cert-file',
      '--client-cert-auth',
      '--max-txn-ops',
      '--seed',
    ]) {
      expect(help).toContain(flag);
    }
  });
});
