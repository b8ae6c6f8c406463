/**
 * A client in another language: Debian's python3-etcd3 0.12 (gRPC, run with /usr/bin/python3) runs a short
 * session (put/get/prefix, delete, replace, txn, watch as iterator and callback, lease grant/refresh/revoke,
 * lock, status, members) against the simulator server and, as the reference, a real etcd. Both must print
 * exactly the expected lines. A missing python3-etcd3 fails the file; it is never skipped.
 */

import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

const PYTHON = '/usr/bin/python3';
const SCENARIO = fileURLToPath(new URL('./python/scenario.py', import.meta.url));

let server: RunningServer;
let etcd: EtcdServer;

beforeAll(async () => {
  try {
    execFileSync(PYTHON, ['-c', 'import etcd3'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `Debian's python3-etcd3 is not importable by ${PYTHON} (apt-get install -y python3-etcd3, or bash .ci/run): ${String((error as { stderr?: Buffer }).stderr ?? error)}`,
    );
  }
  [server, etcd] = await Promise.all([startServer(), startEtcd()]);
});

afterAll(async () => {
  await Promise.all([server?.close(), etcd?.stop()]);
});

/** Run the scenario against `url` (http://host:port); its stdout lines, or a failure with its stderr. */
function scenario(url: string, prefix: string): Promise<string[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCENARIO, hostname, port, prefix], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error)
        reject(new Error(`scenario against ${url} failed (${error.message}):\n${stdout}\n${stderr}`));
      else resolve(stdout.trimEnd().split('\n'));
    });
  });
}

const expected = (p: string, url: string) => [
  'get a 1 1 True',
  'get missing None',
  `prefix [('${p}a', '1'), ('${p}b', '2'), ('${p}c/1', 'x')]`,
  `prefix sorted desc ['${p}c/1', '${p}b', '${p}a']`,
  'delete b True again False',
  'replace a True False one',
  'put_if_not_exists False True',
  "txn True yes ['one']",
  `watch event PutEvent ${p}w/k v1`,
  `watch event PutEvent ${p}w/other v2`,
  `watch event DeleteEvent ${p}w/k `,
  `callback events True [('PutEvent', '${p}w/k', 'v1'), ('DeleteEvent', '${p}w/k', '')]`,
  `lease granted ttl 60 keys ['${p}leased']`,
  'lease refresh ttl 60 id matches True',
  'lease remaining within ttl True',
  'after revoke None ttl -1',
  'first acquire True True',
  'second acquire while held False False',
  'first release True again False',
  'second acquire after release True first holds False',
  'second refresh ttl 30',
  'context manager holds True',
  'lock key after release None',
  'status 2 default 2 True',
  `members [('default', ['${url}'])]`,
  'done',
];

describe('python3-etcd3 (gRPC) against the simulator server', () => {
  it('prints what it prints against a real etcd: put/get/prefix, txn, watch, lease, lock, status', async () => {
    const url = server.endpoints[0]!;
    const [sim, real] = await Promise.all([scenario(url, 'py/'), scenario(etcd.endpoint, 'py/')]);
    expect(real).toEqual(expected('py/', etcd.endpoint));
    expect(sim).toEqual(expected('py/', url));
    // Nothing left behind once the client is gone: its watches ended with its connection.
    await expect.poll(() => server.stats().watchers).toBe(0);
  });
});
