/**
 * JWT tokens (--auth-token jwt,…) on a real etcd 3.4.23 and on the simulator, with the same RS256 keys:
 * the token's claims, a token from one accepted by the other, "revision of auth store is old" for every
 * older JWT once users or roles change (root's still passes admin calls; a client with a password fetches
 * a new one), and expiry after the ttl.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { AuthOldRevisionError, InvalidAuthTokenError } from '../../src/interface/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

let dir: string;
let etcd: EtcdServer;
let server: RunningServer;
const endpointsOf = () => [
  { name: 'etcd', endpoints: [etcd.endpoint] },
  { name: 'simulator', endpoints: server.endpoints },
];

function claims(token: string): Record<string, unknown> {
  const [head, body] = token.split('.');
  expect(JSON.parse(Buffer.from(head!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
  return JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<string, unknown>;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kit-jwt-'));
  execFileSync('openssl', ['genrsa', '-out', 'priv.pem', '2048'], { cwd: dir, stdio: 'pipe' });
  execFileSync('openssl', ['rsa', '-in', 'priv.pem', '-pubout', '-out', 'pub.pem'], {
    cwd: dir,
    stdio: 'pipe',
  });
  const pub = join(dir, 'pub.pem');
  const priv = join(dir, 'priv.pem');
  etcd = await startEtcd({
    extraArgs: [
      '--auth-token',
      `jwt,pub-key=${pub},priv-key=${priv},sign-method=RS256,ttl=3s`,
      '--bcrypt-cost',
      '4',
    ],
  });
  server = await startServer({
    bcryptCost: 4,
    authToken: {
      jwt: { signMethod: 'RS256', privateKey: readFileSync(priv), publicKey: readFileSync(pub), ttl: 3 },
    },
  });
  // The same users and roles, in the same order, so both auth revisions match.
  for (const { endpoints } of endpointsOf()) {
    await using setup = new EtcdBackend({ endpoints });
    await setup.userAdd({ name: 'root', password: 'rp' });
    await setup.userGrantRole({ user: 'root', role: 'root' });
    await setup.roleAdd({ name: 'r' });
    await setup.roleGrantPermission({ name: 'r', perm: { permType: 'READWRITE', key: 'k' } });
    await setup.userAdd({ name: 'u', password: 'up' });
    await setup.userGrantRole({ user: 'u', role: 'r' });
    await setup.authEnable();
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('JWT tokens: etcd 3.4.23 and the simulator', () => {
  it('claims {exp, revision, username}; a token from either server is good on the other', async () => {
    const tokens: string[] = [];
    for (const { endpoints } of endpointsOf()) {
      await using root = new EtcdBackend({ endpoints, auth: { username: 'root', password: 'rp' } });
      const { token } = await root.authenticate({ name: 'u', password: 'up' });
      tokens.push(token);
      const c = claims(token);
      expect(Object.keys(c)).toEqual(['exp', 'revision', 'username']);
      expect(c.username).toBe('u');
      expect(Math.abs((c.exp as number) - Date.now() / 1000 - 3)).toBeLessThan(2);
    }
    expect(claims(tokens[0]!).revision).toBe(claims(tokens[1]!).revision);
    for (const [i, { endpoints }] of endpointsOf().entries()) {
      await using other = new EtcdBackend({ endpoints, auth: { token: tokens[1 - i]! } });
      await other.put({ key: 'k', value: 'cross' });
    }
  });

  it("after an auth change older JWTs fail key checks as stale; root's still administers; a password client renews", async () => {
    for (const { name, endpoints } of endpointsOf()) {
      await using root = new EtcdBackend({ endpoints, auth: { username: 'root', password: 'rp' } });
      const issue = async (user: string, password: string) =>
        new EtcdBackend({
          endpoints,
          auth: { token: (await root.authenticate({ name: user, password })).token },
        });
      await using u = await issue('u', 'up');
      await using oldRoot = await issue('root', 'rp');
      await using renewing = new EtcdBackend({ endpoints, auth: { username: 'u', password: 'up' } });
      await u.range({ key: 'k' });
      await renewing.range({ key: 'k' });
      await root.roleAdd({ name: `change-${name}` });
      const stale = await u.range({ key: 'k' }).catch((e: unknown) => e);
      expect(stale, name).toBeInstanceOf(AuthOldRevisionError);
      expect((stale as Error).message).toBe('etcdserver: revision of auth store is old');
      expect((await oldRoot.roleList()).roles, name).toContain(`change-${name}`);
      await renewing.put({ key: 'k', value: name });
    }
  });

  it('a JWT expires after its ttl', async () => {
    const fixed: EtcdBackend[] = [];
    for (const { endpoints } of endpointsOf()) {
      await using root = new EtcdBackend({ endpoints, auth: { username: 'root', password: 'rp' } });
      const { token } = await root.authenticate({ name: 'u', password: 'up' });
      const client = new EtcdBackend({ endpoints, auth: { token } });
      await client.range({ key: 'k' });
      fixed.push(client);
    }
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    for (const client of fixed) {
      await expect(client.range({ key: 'k' })).rejects.toBeInstanceOf(InvalidAuthTokenError);
      await client.close();
    }
  }, 20_000);
});
