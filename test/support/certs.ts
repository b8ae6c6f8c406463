/**
 * A throwaway CA for TLS tests, made with openssl in a temp dir: a server certificate for 127.0.0.1 and
 * client certificates (by default one, `client`, CN kit-client), each signed by the CA and valid for one day.
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
  /** The default client's PEMs (`client`) with the CA, as TLS client options take them. */
  readonly client: { ca: Buffer; cert: Buffer; key: Buffer };
  /** The contents of `name` in the dir. */
  pem(name: string): Buffer;
  /** The server's PEMs with the CA. */
  readonly server: { ca: Buffer; cert: Buffer; key: Buffer };
  /** Delete the dir. */
  remove(): void;
}

/** Client certificates to make: file name (`<name>.crt`, `<name>.key`) → common name. */
export type ClientCerts = Readonly<Record<string, string>>;

/**
 * Make a CA, a server certificate for 127.0.0.1 and the `clients` certificates (default: `client`, CN
 * kit-client) in `dir`.
 */
export function makeCerts(dir: string, clients: ClientCerts = { client: 'kit-client' }): void {
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
  for (const [name, cn, ext] of [
    ['server', '127.0.0.1', 'server.ext'],
    ...Object.entries(clients).map(([file, commonName]) => [file, commonName, 'client.ext'] as const),
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
      ext,
    );
  }
}

/** A new throwaway CA in a temp dir, with `clients` certificates; call `remove()` when done. */
export function testCerts(clients?: ClientCerts): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-kit-tls-'));
  makeCerts(dir, clients);
  const file = (name: string) => join(dir, name);
  const read = (name: string) => readFileSync(file(name));
  return {
    dir,
    file,
    pem: read,
    get client() {
      return { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') };
    },
    server: { ca: read('ca.crt'), cert: read('server.crt'), key: read('server.key') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
