/**
 * Auth tokens that expire (etcd's simple tokens with --auth-token-ttl 1): the backend fetches a new
 * token and resends the refused request, which etcd did not apply, on unary calls and on new streams.
 */

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { collect, sleep } from './helpers.js';

let server: EtcdServer;

beforeAll(async () => {
  server = await startEtcd({ extraArgs: ['--auth-token-ttl', '1'] });
  const ctl = (...args: string[]) =>
    execFileSync('etcdctl', [`--endpoints=${server.endpoint}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      stdio: 'pipe',
    });
  ctl('user', 'add', 'root', '--new-user-password=pw');
  ctl('auth', 'enable');
});
afterAll(async () => {
  await server?.stop();
});

describe('auth token expiry', () => {
  it('an expired token is replaced and the refused request resent once', async () => {
    const b = new EtcdBackend({ endpoints: server.endpoint, auth: { username: 'root', password: 'pw' } });
    try {
      await b.put({ key: 'tok/a', value: '1' });
      await sleep(3_000); // idle past the 1 s token TTL
      await b.put({ key: 'tok/a', value: '2' });
      // Refused with "invalid auth token" (not applied), then resent with a new token: version 2, not 3.
      expect((await b.range({ key: 'tok/a' })).kvs[0]!.version).toBe(2);
      await sleep(3_000);
      const w = b.watch({ key: 'tok/a' });
      await w.created;
      await b.put({ key: 'tok/a', value: '3' });
      const got = await collect(w, (all) => all.some((r) => r.events.length > 0));
      expect(got.flatMap((r) => r.events.map((e) => toText(e.kv.value)))).toEqual(['3']);
    } finally {
      await b.close();
    }
  }, 30_000);
});
