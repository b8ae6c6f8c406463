/** The constructor checks `endpoints` and says what it received; an etcdctl-style list is split on commas. */

import { describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import { freePort } from '../../src/testing/etcd-server.js';
import { useEtcdBackend } from './helpers.js';

const env = useEtcdBackend();

/** The error `new EtcdBackend({ endpoints })` throws (fails the test if it throws none). */
function constructorError(endpoints: unknown): Error {
  try {
    const backend = new EtcdBackend({ endpoints: endpoints as string[] });
    void backend.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error(`no error for ${String(endpoints)}`);
}

describe('endpoints', () => {
  it('an etcdctl-style comma-separated string is split into endpoints (with or without a scheme)', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const live = env.server.endpoint.replace('http://', '');
    for (const endpoints of [`${dead},${live}`, ` ${dead} , http://${live} `]) {
      await using backend = new EtcdBackend({ endpoints, dialTimeoutMs: 2_000 });
      expect((await backend.status()).version).toMatch(/^3\./);
    }
  });

  it.each([
    [[], /endpoints must name at least one etcd endpoint, received array\(0\)/],
    ['', /endpoints must name at least one etcd endpoint, received ""/],
    [' , ', /endpoints\[0\] must be .*received ""/],
    [undefined, /endpoints must be a string or an array of strings, received undefined/],
    [[undefined], /endpoints\[0\] must be a string .*received undefined/],
    [['http://127.0.0.1:2379', 42], /endpoints\[1\] must be a string .*received number 42/],
    [['   '], /endpoints\[0\] must be .*received ""/],
    [['ftp://127.0.0.1:2379'], /endpoints\[0\] must be .*http.*received "ftp:\/\/127.0.0.1:2379"/],
    [['127.0.0.1'], /endpoints\[0\] must be .*host:port.*received "127.0.0.1"/],
    [['http://127.0.0.1:notaport'], /endpoints\[0\] must be .*received "http:\/\/127.0.0.1:notaport"/],
    [['http://127.0.0.1:99999'], /endpoints\[0\] must be .*received "http:\/\/127.0.0.1:99999"/],
    [['http://127.0.0.1:2379/v3'], /endpoints\[0\] must be .*received "http:\/\/127.0.0.1:2379\/v3"/],
  ])('%j is refused with InvalidArgumentError naming it', (endpoints, message) => {
    const error = constructorError(endpoints);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error.message).toMatch(message);
  });

  it('valid forms are accepted: host:port, http(s) URLs, IPv6 literals, a trailing slash', async () => {
    for (const endpoints of [
      ['127.0.0.1:2379'],
      ['http://localhost:2379/'],
      ['https://etcd-1.example:2379', 'https://etcd-2.example:2379'],
      ['[::1]:2379'],
      'http://[::1]:2379',
    ]) {
      const backend = new EtcdBackend({ endpoints });
      await backend.close();
    }
  });
});
