/**
 * TLS with client certificates plus username/password auth on a real etcd. A throwaway CA and server
 * and client certificates are made with openssl in a temp dir; auth is enabled with etcdctl.
 */

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { AuthError, UnavailableError } from '../../src/interface/errors.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { type TestCerts, testCerts } from '../support/certs.js';
import { collect } from './helpers.js';

let certs: TestCerts;
let server: EtcdServer;
let pem: TestCerts['client'];

beforeAll(async () => {
  certs = testCerts();
  const f = certs.file;
  pem = certs.client;
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
  certs?.remove();
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
    const other = testCerts();
    try {
      const b = new EtcdBackend({
        endpoints: server.endpoint,
        tls: { ...pem, ca: other.client.ca },
        auth: { username: 'root', password: 's3cret' },
        dialTimeoutMs: 500,
      });
      try {
        await expect(b.range({ key: 'tls/k' })).rejects.toBeInstanceOf(UnavailableError);
      } finally {
        await b.close();
      }
    } finally {
      other.remove();
    }
  });
});
