/**
 * TLS with client certificates plus username/password auth on a real etcd. A throwaway CA and server
 * and client certificates are made with openssl in a temp dir; auth is enabled with etcdctl.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { AuthError, UnavailableError } from '../../src/interface/errors.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { collect } from './helpers.js';

let dir: string;
let server: EtcdServer;
let pem: { ca: Buffer; cert: Buffer; key: Buffer };

/** Make a CA, a server cert for 127.0.0.1 and a client cert (CN kit-client, not an etcd user). */
function makeCerts(d: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=kit-test-ca',
  );
  writeFileSync(
    join(d, 'server.ext'),
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  writeFileSync(join(d, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [
    ['server', '127.0.0.1'],
    ['client', 'kit-client'],
  ] as const) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'etcd-kit-tls-'));
  makeCerts(dir);
  const f = (n: string) => join(dir, n);
  pem = {
    ca: readFileSync(f('ca.crt')),
    cert: readFileSync(f('client.crt')),
    key: readFileSync(f('client.key')),
  };
  server = await startEtcd({
    scheme: 'https',
    extraArgs: [
      '--cert-file',
      f('server.crt'),
      '--key-file',
      f('server.key'),
      '--trusted-ca-file',
      f('ca.crt'),
      '--client-cert-auth',
    ],
    probeTls: pem,
  });
  const ctl = (...args: string[]) =>
    execFileSync(
      'etcdctl',
      [
        `--endpoints=${server.endpoint}`,
        `--cacert=${f('ca.crt')}`,
        `--cert=${f('client.crt')}`,
        `--key=${f('client.key')}`,
        ...args,
      ],
      { env: { ...process.env, ETCDCTL_API: '3' }, stdio: 'pipe' },
    );
  ctl('user', 'add', 'root', '--new-user-password=s3cret');
  ctl('auth', 'enable');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('TLS and auth', () => {
  it('with the right certificates and password every kind of call works, streams included', async () => {
    const b = new EtcdBackend({
      endpoints: server.endpoint,
      tls: pem,
      auth: { username: 'root', password: 's3cret' },
    });
    try {
      const w = b.watch({ key: 'tls/k' });
      await w.created;
      await b.put({ key: 'tls/k', value: 'secure' });
      expect(toText((await b.range({ key: 'tls/k' })).kvs[0]!.value)).toBe('secure');
      const got = await collect(w, (all) => all.some((r) => r.events.length > 0));
      expect(got.flatMap((r) => r.events.map((e) => toText(e.kv.value)))).toEqual(['secure']);
      const lease = await b.leaseGrant({ ttl: 10 });
      expect((await b.leaseKeepAlive({ id: lease.id })).ttl).toBe(10);
      await b.leaseRevoke({ id: lease.id });
      expect((await b.status()).version).toMatch(/^3\./);
    } finally {
      await b.close();
    }
  });

  it('a wrong password is AuthError', async () => {
    const b = new EtcdBackend({
      endpoints: server.endpoint,
      tls: pem,
      auth: { username: 'root', password: 'nope' },
    });
    try {
      await expect(b.range({ key: 'tls/k' })).rejects.toBeInstanceOf(AuthError);
    } finally {
      await b.close();
    }
  });

  it('no credentials (the client certificate names no user) is AuthError', async () => {
    const b = new EtcdBackend({ endpoints: server.endpoint, tls: pem });
    try {
      await expect(b.put({ key: 'tls/k', value: 'x' })).rejects.toBeInstanceOf(AuthError);
    } finally {
      await b.close();
    }
  });

  it('a server certificate from another CA cannot connect: UnavailableError within the dial timeout', async () => {
    const other = mkdtempSync(join(tmpdir(), 'etcd-kit-tls-other-'));
    try {
      makeCerts(other);
      const b = new EtcdBackend({
        endpoints: server.endpoint,
        tls: { ...pem, ca: readFileSync(join(other, 'ca.crt')) },
        auth: { username: 'root', password: 's3cret' },
        dialTimeoutMs: 500,
      });
      try {
        await expect(b.range({ key: 'tls/k' })).rejects.toBeInstanceOf(UnavailableError);
      } finally {
        await b.close();
      }
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
