/**
 * A throwaway CA for TLS tests, made with openssl in a temp dir: a server certificate for 127.0.0.1 and a
 * client certificate (CN kit-client), each signed by the CA and valid for one day.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The files of a throwaway CA, their contents, and a way to delete them. */
export interface TestCerts {
  readonly dir: string;
  /** Path of `name` in the dir: ca.crt, server.crt, server.key, client.crt, client.key. */
  file(name: string): string;
  /** The client's PEMs with the CA, as TLS client options take them. */
  readonly client: { ca: Buffer; cert: Buffer; key: Buffer };
  /** The server's PEMs with the CA. */
  readonly server: { ca: Buffer; cert: Buffer; key: Buffer };
  /** Delete the dir. */
  remove(): void;
}

/** Make a CA, a server certificate for 127.0.0.1 and a client certificate (CN kit-client) in `dir`. */
export function makeCerts(dir: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
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
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
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

/** A new throwaway CA in a temp dir; call `remove()` when done. */
export function testCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-kit-tls-'));
  makeCerts(dir);
  const file = (name: string) => join(dir, name);
  const read = (name: string) => readFileSync(file(name));
  return {
    dir,
    file,
    client: { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') },
    server: { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
