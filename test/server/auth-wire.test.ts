/**
 * Auth details only a raw gRPC client can send, on a real etcd 3.4.23 and on the simulator as 3.4.23
 * (same answers) and as current etcd (where releases differ or 3.4 has a hole): a token on Authenticate,
 * the `authorization` metadata key, Alarm and Status without a user, AuthStatus, a token while auth is
 * off. Requests that crash 3.4.23 or exploit its holes go to the simulator only.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHost, type EtcdHost, type GrpcModule, grpc } from '../../src/etcd-backend/grpc.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';

type Answer = { ok: Record<string, unknown> } | { code: number; details: string };

/** A raw client of one endpoint. */
class Raw {
  readonly #host: EtcdHost;
  constructor(endpoint: string) {
    this.#host = createHost(endpoint.replace('http://', ''), grpc.credentials.createInsecure(), {} as never);
  }
  call(
    service: string,
    method: string,
    request: unknown,
    metadata: Record<string, string> = {},
  ): Promise<Answer> {
    const client = this.#host.getServiceClient(service as never) as unknown as Record<
      string,
      (
        r: unknown,
        m: unknown,
        o: unknown,
        cb: (e: GrpcModule.ServiceError | null, r: Record<string, unknown>) => void,
      ) => void
    >;
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(metadata)) md.set(k, v);
    return new Promise((resolve) => {
      client[method]!.call(client, request, md, { deadline: Date.now() + 5_000 }, (e, r) =>
        resolve(e ? { code: e.code, details: e.details } : { ok: r }),
      );
    });
  }
  close(): void {
    this.#host.close();
  }
}

/** Root and a user "u" with READ on the single key "p", then auth on; returns their tokens. */
async function setUp(raw: Raw): Promise<{ root: string; u: string }> {
  const steps: [string, unknown][] = [
    ['userAdd', { name: 'root', password: 'rp' }],
    ['userGrantRole', { user: 'root', role: 'root' }],
    ['roleAdd', { name: 'r' }],
    ['roleGrantPermission', { name: 'r', perm: { permType: 0, key: Buffer.from('p') } }],
    ['userAdd', { name: 'u', password: 'up' }],
    ['userGrantRole', { user: 'u', role: 'r' }],
    ['authEnable', {}],
  ];
  for (const [method, request] of steps) expect(await raw.call('Auth', method, request)).toHaveProperty('ok');
  const token = async (name: string, password: string) => {
    const answer = await raw.call('Auth', 'authenticate', { name, password });
    if (!('ok' in answer)) throw new Error(answer.details);
    return String(answer.ok.token);
  };
  return { root: await token('root', 'rp'), u: await token('u', 'up') };
}

const UA = { code: 16, details: 'etcdserver: invalid auth token' };

describe('raw auth requests: etcd 3.4.23, the simulator as 3.4.23 and as current etcd', () => {
  let etcd: EtcdServer;
  let old: RunningServer;
  let current: RunningServer;
  const raws: Raw[] = [];
  const tokens: { root: string; u: string }[] = [];
  beforeAll(async () => {
    etcd = await startEtcd({ extraArgs: ['--bcrypt-cost', '4'] });
    old = await startServer({ etcdVersion: '3.4.23', bcryptCost: 4 });
    current = await startServer({ bcryptCost: 4 });
    for (const endpoint of [etcd.endpoint, old.endpoints[0]!, current.endpoints[0]!]) {
      const raw = new Raw(endpoint);
      raws.push(raw);
      tokens.push(await setUp(raw));
    }
  }, 60_000);
  afterAll(async () => {
    for (const raw of raws) raw.close();
    await current?.close();
    await old?.close();
    await etcd?.stop();
  });

  /** The same call on the three: [etcd 3.4.23, simulator 3.4.23, simulator current]. */
  const onAll = (f: (raw: Raw, t: { root: string; u: string }) => Promise<Answer>) =>
    Promise.all(raws.map((raw, i) => f(raw, tokens[i]!)));

  it('a token on Authenticate is checked by 3.4.23 only; `authorization` works as the token key', async () => {
    const [etcd34, sim34, sim] = await onAll((raw) =>
      raw.call('Auth', 'authenticate', { name: 'u', password: 'up' }, { token: 'garbage' }),
    );
    expect(etcd34).toEqual(UA);
    expect(sim34).toEqual(UA);
    expect(sim).toHaveProperty('ok');
    const viaAuthorization = await onAll((raw, t) =>
      raw.call('KV', 'range', { key: Buffer.from('p') }, { authorization: t.u }),
    );
    for (const answer of viaAuthorization) expect(answer).toHaveProperty('ok');
  });

  it('AuthStatus is UNIMPLEMENTED on 3.4; served later', async () => {
    const [etcd34, sim34, sim] = await onAll((raw, t) =>
      raw.call('Auth', 'authStatus', {}, { token: t.root }),
    );
    const unimplemented = { code: 12, details: 'unknown method AuthStatus for service etcdserverpb.Auth' };
    expect(etcd34).toEqual(unimplemented);
    expect(sim34).toEqual(unimplemented);
    expect(sim).toMatchObject({ ok: { enabled: true } });
  });

  it('Alarm: an invalid token is UNKNOWN "auth: invalid auth token" on 3.4 (mapped later); no user is refused by the simulator', async () => {
    const [etcd34, sim34, sim] = await onAll((raw) =>
      raw.call('Maintenance', 'alarm', { action: 0 }, { token: 'x' }),
    );
    const unmapped = { code: 2, details: 'auth: invalid auth token' };
    expect(etcd34).toEqual(unmapped);
    expect(sim34).toEqual(unmapped);
    expect(sim).toEqual(UA);
    // 3.4.23 answers anyone (a hole, GHSA-q8m4-xhhv-38mg); the simulator requires a user on every version.
    const [, noUser34, noUser] = await onAll((raw) => raw.call('Maintenance', 'alarm', { action: 0 }));
    expect(noUser34).toEqual({ code: 2, details: 'auth: user name is empty' });
    expect(noUser).toEqual({ code: 3, details: 'etcdserver: user name is empty' });
    const [, status34, status] = await onAll((raw) => raw.call('Maintenance', 'status', {}));
    expect(status34).toEqual({ code: 3, details: 'etcdserver: user name is empty' });
    expect(status).toEqual(status34);
  });

  it('the simulator answers what crashes or leaks on 3.4.23: a grant without a permission, an empty range end', async () => {
    const sims = raws.slice(1);
    for (const [i, raw] of sims.entries()) {
      const t = tokens[i + 1]!;
      expect(await raw.call('Auth', 'roleGrantPermission', { name: 'r' }, { token: t.root })).toEqual({
        code: 3,
        details: 'etcdserver: permission not given',
      });
      // A range_end present but empty reads from the key on: checked as that, so READ on "p" is not enough.
      const client = new grpc.Client(
        (i === 0 ? old : current).endpoints[0]!.replace('http://', ''),
        grpc.credentials.createInsecure(),
      );
      const md = new grpc.Metadata();
      md.set('token', t.u);
      const answer = await new Promise<Answer>((resolve) =>
        client.makeUnaryRequest(
          '/etcdserverpb.KV/Range',
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.from([0x0a, 1, 0x70, 0x12, 0]), // key "p", range_end present and empty
          md,
          {},
          (e) => resolve(e ? { code: e.code, details: e.details } : { ok: {} }),
        ),
      );
      client.close();
      expect(answer).toEqual({ code: 7, details: 'etcdserver: permission denied' });
    }
  });

  it('GET /health and /version need no credentials with auth on', async () => {
    for (const endpoint of [etcd.endpoint, old.endpoints[0]!, current.endpoints[0]!]) {
      const health = await fetch(`${endpoint}/health`);
      expect(health.status, endpoint).toBe(200);
      expect(await health.text()).toBe('{"health":"true"}');
      const version = await fetch(`${endpoint}/version`);
      expect(version.status, endpoint).toBe(200);
      expect(await version.json()).toHaveProperty('etcdserver');
    }
  });

  it('a token while auth is off: refused by 3.4.23, ignored later', async () => {
    for (const [i, raw] of raws.entries()) {
      expect(await raw.call('Auth', 'authDisable', {}, { token: tokens[i]!.root })).toHaveProperty('ok');
    }
    const [etcd34, sim34, sim] = await onAll((raw, t) =>
      raw.call('KV', 'range', { key: Buffer.from('p') }, { token: t.u }),
    );
    expect(etcd34).toEqual(UA);
    expect(sim34).toEqual(UA);
    expect(sim).toHaveProperty('ok');
  });
});
