/**
 * TLS on the simulator server, with a throwaway CA: a server certificate alone (https://), and client
 * certificates required (--trusted-ca-file --client-cert-auth, here through the CLI). Our etcd backend,
 * etcd3 and etcdctl connect with the right material; a client without a certificate is refused at the
 * handshake while the server goes on serving the others.
 */

import { connect } from 'node:tls';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { UnavailableError } from '../../src/interface/errors.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type TestCerts, testCerts } from '../support/certs.js';
import { assertEtcdctlInstalled, runCtl } from './etcdctl/harness.js';
import { type ServeProcess, serveCli, stopCli } from './serve-cli.js';

let certs: TestCerts;

beforeAll(() => {
  assertEtcdctlInstalled();
  certs = testCerts();
});
afterAll(() => {
  certs?.remove();
});

const hostPort = (url: string) => url.replace(/^https:\/\//, '');

describe('TLS with a server certificate (https://)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      listenClientUrls: ['https://127.0.0.1:0'],
      tls: { cert: certs.server.cert, key: certs.server.key },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('advertises an https endpoint; our backend, etcd3 and etcdctl connect with the CA', async () => {
    expect(server.endpoints[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const backend = new EtcdBackend({ endpoints: server.endpoints, tls: { ca: certs.client.ca } });
    try {
      const w = backend.watch({ key: 'tls/k' });
      await w.created;
      await backend.put({ key: 'tls/k', value: 'over tls' });
      for await (const r of w) {
        expect(r.events.map((e) => toText(e.kv.value))).toEqual(['over tls']);
        break;
      }
    } finally {
      await backend.close();
    }
    const etcd3 = new Etcd3({ hosts: server.endpoints, credentials: { rootCertificate: certs.client.ca } });
    try {
      expect(await etcd3.get('tls/k').string()).toBe('over tls');
    } finally {
      etcd3.close();
    }
    const ctl = await runCtl(hostPort(server.endpoints[0]!), ['get', 'tls/k', '--print-value-only'], {
      tls: ['--cacert', certs.file('ca.crt')],
    });
    expect(ctl).toMatchObject({ exit: 'exit 0', stdout: 'over tls\n' });
  });

  it('a client that does not trust the certificate cannot connect; plaintext gRPC is refused', async () => {
    const other = testCerts();
    const wrongCa = new EtcdBackend({
      endpoints: server.endpoints,
      tls: { ca: other.client.ca },
      dialTimeoutMs: 500,
    });
    try {
      await expect(wrongCa.range({ key: 'tls/k' })).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await wrongCa.close();
      other.remove();
    }
    const plain = new EtcdBackend({
      endpoints: [server.endpoints[0]!.replace('https', 'http')],
      dialTimeoutMs: 500,
    });
    try {
      await expect(plain.range({ key: 'tls/k' })).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await plain.close();
    }
  });
});

describe('TLS with client certificates required (serve --trusted-ca-file --client-cert-auth)', () => {
  let cli: ServeProcess;
  beforeAll(async () => {
    cli = await serveCli([
      '--listen-client-urls',
      'https://127.0.0.1:0',
      '--cert-file',
      certs.file('server.crt'),
      '--key-file',
      certs.file('server.key'),
      '--trusted-ca-file',
      certs.file('ca.crt'),
      '--client-cert-auth',
    ]);
  });
  afterAll(async () => {
    if (cli) expect(await stopCli(cli)).toBe(0);
  });

  const clientTls = () => [
    '--cacert',
    certs.file('ca.crt'),
    '--cert',
    certs.file('client.crt'),
    '--key',
    certs.file('client.key'),
  ];

  it('clients with a certificate signed by the CA work: our backend, etcd3, etcdctl', async () => {
    const backend = new EtcdBackend({ endpoints: [cli.url], tls: certs.client });
    try {
      await backend.put({ key: 'mtls/k', value: 'v1' });
      const lease = await backend.leaseGrant({ ttl: 30 });
      expect((await backend.leaseKeepAlive({ id: lease.id })).ttl).toBe(30);
      await backend.leaseRevoke({ id: lease.id });
    } finally {
      await backend.close();
    }
    const etcd3 = new Etcd3({
      hosts: cli.url,
      credentials: {
        rootCertificate: certs.client.ca,
        certChain: certs.client.cert,
        privateKey: certs.client.key,
      },
    });
    try {
      expect(await etcd3.get('mtls/k').string()).toBe('v1');
    } finally {
      etcd3.close();
    }
    const put = await runCtl(hostPort(cli.url), ['put', 'mtls/k', 'v2'], { tls: clientTls() });
    expect(put).toMatchObject({ exit: 'exit 0', stdout: 'OK\n' });
    const status = await runCtl(hostPort(cli.url), ['endpoint', 'status', '-w', 'json'], {
      tls: clientTls(),
    });
    expect(status.exit).toBe('exit 0');
    expect(status.stdout).toContain('"raft_term":2');
  });

  it('a client without a certificate is refused at the handshake, and the server keeps serving the others', async () => {
    const { port } = new URL(cli.url);
    // TLS handshake without a client certificate: the server ends it with an alert, no byte of gRPC passes.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({
        host: '127.0.0.1',
        port: Number(port),
        ca: certs.client.ca,
        ALPNProtocols: ['h2'],
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      socket.on('data', () => resolve('data'));
      socket.on('close', () => resolve('closed'));
    });
    expect(refused).toMatch(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET)$/);

    const noCert = new EtcdBackend({
      endpoints: [cli.url],
      tls: { ca: certs.client.ca },
      dialTimeoutMs: 500,
    });
    try {
      await expect(noCert.range({ key: 'mtls/k' })).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      await noCert.close();
    }
    const ctlNoCert = await runCtl(
      hostPort(cli.url),
      ['get', 'mtls/k', '--dial-timeout', '1s', '--command-timeout', '1s'],
      {
        tls: ['--cacert', certs.file('ca.crt')],
      },
    );
    expect(ctlNoCert.exit).not.toBe('exit 0');
    expect(ctlNoCert.stdout).toBe('');
    expect(ctlNoCert.stderr).toContain('all SubConns are in TransientFailure');

    const get = await runCtl(hostPort(cli.url), ['get', 'mtls/k', '--print-value-only'], {
      tls: clientTls(),
    });
    expect(get).toMatchObject({ exit: 'exit 0', stdout: 'v2\n' });
  });
});
