/**
 * The simulator server with auth on, through real clients: `etcd-kv-kit serve` started from the command
 * line (--auth-token-ttl, --bcrypt-cost), etcdctl --user, etcd3's own auth API (`client.user()`,
 * `client.role()`, `new Etcd3({ auth })`), and TLS with --client-cert-auth, where a request without a
 * token runs as its certificate's CN.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { Etcd3, Range } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { PermissionDeniedError } from '../../src/interface/index.js';
import { startServer } from '../../src/server/index.js';
import { type TestCerts, testCerts } from '../support/certs.js';

/** Start `serve` on a free port; resolves with its endpoint once it prints its ready line. */
function serve(args: string[]): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--listen-client-urls', 'http://127.0.0.1:0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready to serve client requests on (\S+)/.exec(out);
      if (m) resolve({ child, endpoint: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}

/** etcdctl against `endpoint` ("127.0.0.1:port"): stdout, or the exit code and stderr's last line. */
function etcdctl(endpoint: string, ...args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'etcdctl',
      ['--endpoints', endpoint, ...args],
      { env: { ...process.env, ETCDCTL_API: '3' } },
      (error, stdout, stderr) => {
        if (error) resolve(`exit ${error.code}: ${stderr.trim().split('\n').pop()}`);
        else resolve(stdout.trim());
      },
    );
  });
}

describe('etcd-kv-kit serve with auth, through etcdctl --user and etcd3', () => {
  let child: ChildProcess;
  let endpoint: string;
  beforeAll(async () => {
    ({ child, endpoint } = await serve(['--auth-token-ttl', '2', '--bcrypt-cost', '4']));
  }, 30_000);
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('etcdctl: users and roles, auth enable, --user limited to its prefix, bad credentials exit 2', async () => {
    const ep = endpoint.replace('http://', '');
    expect(await etcdctl(ep, 'user', 'add', 'root:rootpw')).toBe('User root created');
    expect(await etcdctl(ep, 'role', 'add', 'app')).toBe('Role app created');
    expect(await etcdctl(ep, 'role', 'grant-permission', 'app', '--prefix=true', 'readwrite', 'app/')).toBe(
      'Role app updated',
    );
    expect(await etcdctl(ep, 'user', 'add', 'svc:svcpw')).toBe('User svc created');
    expect(await etcdctl(ep, 'user', 'grant-role', 'svc', 'app')).toBe('Role app is granted to user svc');
    expect(await etcdctl(ep, 'auth', 'enable')).toBe('Authentication Enabled');
    expect(await etcdctl(ep, '--user', 'svc:svcpw', 'put', 'app/x', '1')).toBe('OK');
    expect(await etcdctl(ep, '--user', 'svc:svcpw', 'get', 'app/', '--prefix')).toBe('app/x\n1');
    expect(await etcdctl(ep, '--user', 'svc:svcpw', 'put', 'other', '1')).toBe(
      'exit 1: Error: etcdserver: permission denied',
    );
    expect(await etcdctl(ep, '--user', 'svc:wrong', 'get', 'app/x')).toBe(
      'exit 2: Error: etcdserver: authentication failed, invalid user ID or password',
    );
    expect(await etcdctl(ep, 'get', 'app/x')).toBe('exit 1: Error: etcdserver: user name is empty');
    expect(await etcdctl(ep, '--user', 'root:rootpw', 'role', 'get', 'app')).toBe(
      'Role app\nKV Read:\n\t[app/, app0) (prefix app/)\nKV Write:\n\t[app/, app0) (prefix app/)',
    );
    expect(await etcdctl(ep, '--user', 'root:rootpw', 'user', 'list')).toBe('root\nsvc');
  }, 30_000);

  it("etcd3's auth API and its auth option: a user limited to its prefix; an idle token is renewed", async () => {
    const admin = new Etcd3({ hosts: endpoint, auth: { username: 'root', password: 'rootpw' } });
    const svc = new Etcd3({ hosts: endpoint, auth: { username: 'reports', password: 'reports-pw' } });
    try {
      await admin.role('reports').create();
      await admin.role('reports').grant({ permission: 'Readwrite', range: Range.prefix('reports/') });
      await admin.user('reports').create('reports-pw');
      await admin.user('reports').addRole('reports');
      expect((await admin.user('reports').roles()).map((r) => r.name)).toEqual(['reports']);
      expect((await admin.role('reports').permissions()).map((p) => p.permission)).toEqual(['Readwrite']);
      expect((await admin.getUsers()).map((u) => u.name)).toContain('reports');
      await svc.put('reports/daily').value('42');
      expect(await svc.get('reports/daily').string()).toBe('42');
      await expect(svc.put('app/x').value('no')).rejects.toThrow(/permission denied/);
      // Idle past the server's 2 s token TTL: etcd3 fetches a new token.
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      expect(await svc.get('reports/daily').string()).toBe('42');
    } finally {
      admin.close();
      svc.close();
    }
  }, 30_000);
});

describe('--client-cert-auth: a request without a token runs as its certificate CN', () => {
  let certs: TestCerts;
  const pem = (name: string) => certs.pem(name);

  beforeAll(() => {
    certs = testCerts({ alice: 'alice', root: 'root' });
  }, 60_000);
  afterAll(() => certs?.remove());

  it('CN alice may write `a` only, CN root everything; a token wins over the CN', async () => {
    await using server = await startServer({
      listenClientUrls: ['https://127.0.0.1:0'],
      tls: { cert: pem('server.crt'), key: pem('server.key'), ca: pem('ca.crt'), clientCertAuth: true },
      bcryptCost: 4,
    });
    const client = (cn: 'alice' | 'root', auth?: { username: string; password: string }) =>
      new EtcdBackend({
        endpoints: server.endpoints,
        tls: { ca: pem('ca.crt'), cert: pem(`${cn}.crt`), key: pem(`${cn}.key`) },
        ...(auth ? { auth } : {}),
      });
    await using setup = client('root');
    await setup.userAdd({ name: 'root', password: 'rootpw' });
    await setup.userGrantRole({ user: 'root', role: 'root' });
    await setup.roleAdd({ name: 'a-writer' });
    await setup.roleGrantPermission({ name: 'a-writer', perm: { permType: 'READWRITE', key: 'a' } });
    await setup.userAdd({ name: 'alice', password: 'alicepw' });
    await setup.userGrantRole({ user: 'alice', role: 'a-writer' });
    await setup.authEnable();
    await using alice = client('alice');
    await alice.put({ key: 'a', value: 'by alice' });
    await expect(alice.put({ key: 'b', value: 'x' })).rejects.toBeInstanceOf(PermissionDeniedError);
    await expect(alice.userList()).rejects.toBeInstanceOf(PermissionDeniedError);
    await using root = client('root');
    await root.put({ key: 'b', value: 'by root' });
    expect((await root.userList()).users).toEqual(['alice', 'root']);
    // The token decides when there is one: root's password on alice's certificate, and the reverse.
    await using rootOnAliceCert = client('alice', { username: 'root', password: 'rootpw' });
    await rootOnAliceCert.put({ key: 'b', value: 'root via token' });
    await using aliceOnRootCert = client('root', { username: 'alice', password: 'alicepw' });
    await expect(aliceOnRootCert.put({ key: 'b', value: 'x' })).rejects.toBeInstanceOf(PermissionDeniedError);
  }, 30_000);
});
