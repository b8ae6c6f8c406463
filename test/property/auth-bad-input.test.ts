/**
 * Malformed auth requests, fuzzed: random lists of them (empty names, huge passwords, unknown users and
 * roles, the rules of root, wrong JavaScript types), sent as root to a real etcd 3.4.23, to the
 * simulator as 3.4.23 and to the memory store as 3.4.23, which must answer each with the same error class
 * and text; the memory store at its default release must refuse each too. Afterwards every user, role and
 * permission must be as before on each. Requests that crash 3.4.23 (a grant without a permission) are not
 * in the list. The seed is printed; replay with PROPERTY_SEED=<seed>.
 */

import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { type AuthBackend, EtcdError, type KvBackend } from '../../src/interface/index.js';
import { MemoryStore } from '../../src/memory-backend/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { runs, timeout } from './harness/budget.js';

type Client = KvBackend & AuthBackend;

/** One malformed call: what it is, and how to send it (as root). */
interface Bad {
  readonly name: string;
  call(root: Client): Promise<unknown>;
}

const HUGE = 'x'.repeat(1_600_000); // over --max-request-bytes, under gRPC's limit
const untyped = <T>(value: unknown): T => value as T;

const BAD: readonly Bad[] = [
  { name: 'user add: empty name', call: (c) => c.userAdd({ name: '', password: 'p' }) },
  { name: 'user add: existing name', call: (c) => c.userAdd({ name: 'alice', password: 'p' }) },
  { name: 'user add: huge password', call: (c) => c.userAdd({ name: 'mallory', password: HUGE }) },
  { name: 'user add: huge name', call: (c) => c.userAdd({ name: HUGE, password: 'p' }) },
  { name: 'user add: name not a string', call: (c) => c.userAdd(untyped({ name: 42, password: 'p' })) },
  { name: 'user add: password not a string', call: (c) => c.userAdd(untyped({ name: 'm', password: 7 })) },
  { name: 'user delete: unknown', call: (c) => c.userDelete({ name: 'nobody' }) },
  { name: 'user delete: empty name', call: (c) => c.userDelete({ name: '' }) },
  { name: 'user delete: root', call: (c) => c.userDelete({ name: 'root' }) },
  { name: 'user get: unknown', call: (c) => c.userGet({ name: 'nobody' }) },
  {
    name: 'user change password: unknown',
    call: (c) => c.userChangePassword({ name: 'nobody', password: 'p' }),
  },
  {
    name: 'user change password: huge',
    call: (c) => c.userChangePassword({ name: 'alice', password: HUGE }),
  },
  {
    name: 'grant role: to an unknown user',
    call: (c) => c.userGrantRole({ user: 'nobody', role: 'reader' }),
  },
  { name: 'grant role: unknown role', call: (c) => c.userGrantRole({ user: 'alice', role: 'nope' }) },
  { name: 'grant role: empty role', call: (c) => c.userGrantRole({ user: 'alice', role: '' }) },
  { name: 'grant role: unknown role to root', call: (c) => c.userGrantRole({ user: 'root', role: 'nope' }) },
  { name: 'revoke role: root from root', call: (c) => c.userRevokeRole({ name: 'root', role: 'root' }) },
  { name: 'revoke role: not granted', call: (c) => c.userRevokeRole({ name: 'alice', role: 'writer' }) },
  { name: 'revoke role: unknown user', call: (c) => c.userRevokeRole({ name: 'nobody', role: 'reader' }) },
  { name: 'role add: empty name', call: (c) => c.roleAdd({ name: '' }) },
  { name: 'role add: existing', call: (c) => c.roleAdd({ name: 'reader' }) },
  { name: 'role add: root again', call: (c) => c.roleAdd({ name: 'root' }) },
  { name: 'role delete: unknown', call: (c) => c.roleDelete({ role: 'nope' }) },
  { name: 'role delete: root', call: (c) => c.roleDelete({ role: 'root' }) },
  { name: 'role get: unknown', call: (c) => c.roleGet({ role: 'nope' }) },
  {
    name: 'grant permission: unknown role',
    call: (c) => c.roleGrantPermission({ name: 'nope', perm: { permType: 'READ', key: 'a' } }),
  },
  {
    name: 'grant permission: bad type',
    call: (c) => c.roleGrantPermission({ name: 'reader', perm: untyped({ permType: 'ALL', key: 'a' }) }),
  },
  {
    name: 'grant permission: key not bytes',
    call: (c) => c.roleGrantPermission({ name: 'reader', perm: untyped({ permType: 'READ', key: 5 }) }),
  },
  {
    name: 'revoke permission: unknown role',
    call: (c) => c.roleRevokePermission({ role: 'nope', key: 'a' }),
  },
  {
    name: 'revoke permission: not granted',
    call: (c) => c.roleRevokePermission({ role: 'reader', key: 'zz' }),
  },
  {
    name: 'revoke permission: end differs',
    call: (c) => c.roleRevokePermission({ role: 'reader', key: 'a', rangeEnd: 'b' }),
  },
  { name: 'authenticate: wrong password', call: (c) => c.authenticate({ name: 'alice', password: 'wrong' }) },
  { name: 'authenticate: unknown user', call: (c) => c.authenticate({ name: 'nobody', password: 'p' }) },
  { name: 'authenticate: empty name', call: (c) => c.authenticate({ name: '', password: '' }) },
];

/** Users with their roles, and roles with their permissions. */
async function snapshot(c: Client): Promise<string> {
  const users = (await c.userList()).users;
  const roles = (await c.roleList()).roles;
  const parts = [`users ${users.join(',')}`, `roles ${roles.join(',')}`];
  for (const name of users) parts.push(`${name}: ${(await c.userGet({ name })).roles.join(',')}`);
  for (const role of roles) {
    const perms = (await c.roleGet({ role })).perm;
    parts.push(
      `${role}: ${perms.map((p) => `${p.permType} ${Buffer.from(p.key)}-${Buffer.from(p.rangeEnd)}`).join(', ')}`,
    );
  }
  return parts.join('\n');
}

/** Root, "alice" holding "reader" (READ [a,c)), and an unused role "writer"; then auth on. */
async function setUp(c: Client): Promise<void> {
  await c.userAdd({ name: 'root', password: 'root' });
  await c.roleAdd({ name: 'root' });
  await c.userGrantRole({ user: 'root', role: 'root' });
  await c.roleAdd({ name: 'reader' });
  await c.roleGrantPermission({ name: 'reader', perm: { permType: 'READ', key: 'a', rangeEnd: 'c' } });
  await c.roleAdd({ name: 'writer' });
  await c.userAdd({ name: 'alice', password: 'p' });
  await c.userGrantRole({ user: 'alice', role: 'reader' });
  await c.authEnable();
}

async function outcome(c: Client, bad: Bad): Promise<string> {
  try {
    await bad.call(c);
    return 'ok';
  } catch (error) {
    if (!(error instanceof EtcdError) || error.constructor === EtcdError) throw error;
    return `${error.constructor.name}: ${error.message.slice(0, 80)}`;
  }
}

const ROOT = { username: 'root', password: 'root' };

describe("malformed auth requests: etcd's errors, and nothing changes", () => {
  let etcd: EtcdServer;
  let server: RunningServer;
  let store34: MemoryStore;
  let store: MemoryStore;
  const clients: { name: string; client: Client }[] = [];
  beforeAll(async () => {
    etcd = await startEtcd({ extraArgs: ['--bcrypt-cost', '4'] });
    server = await startServer({ etcdVersion: '3.4.23', bcryptCost: 4 });
    store34 = new MemoryStore({ etcdVersion: '3.4.23', bcryptCost: 4 });
    store = new MemoryStore({ bcryptCost: 4 });
    const setups: Client[] = [
      new EtcdBackend({ endpoints: etcd.endpoint }),
      new EtcdBackend({ endpoints: server.endpoints }),
      store34.connect(),
      store.connect(),
    ];
    for (const c of setups) {
      await setUp(c);
      await c.close();
    }
    clients.push(
      { name: 'etcd 3.4.23', client: new EtcdBackend({ endpoints: etcd.endpoint, auth: ROOT }) },
      { name: 'simulator 3.4.23', client: new EtcdBackend({ endpoints: server.endpoints, auth: ROOT }) },
      { name: 'memory 3.4.23', client: store34.connect({ auth: ROOT }) },
      { name: 'memory', client: store.connect({ auth: ROOT }) },
    );
  }, 60_000);
  afterAll(async () => {
    for (const { client } of clients) await client.close();
    await store?.close();
    await store34?.close();
    await server?.close();
    await etcd?.stop();
  });

  it(
    'every malformed request gets the same error class and text from etcd, the simulator and memory, and changes nothing',
    async () => {
      const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : Date.now() % 2 ** 31;
      console.log(`auth bad-input seed: ${seed} (replay with PROPERTY_SEED=${seed})`);
      const before = await Promise.all(clients.map(({ client }) => snapshot(client)));
      expect(before[1]).toBe(before[0]);
      expect(before[2]).toBe(before[0]);
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...BAD), { minLength: 3, maxLength: 10 }), async (list) => {
          for (const bad of list) {
            const answers = [];
            for (const { client } of clients) answers.push(await outcome(client, bad));
            sent++;
            const [etcd34, sim34, mem34, mem] = answers;
            expect(etcd34, bad.name).not.toBe('ok');
            expect(sim34, bad.name).toBe(etcd34);
            expect(mem34, bad.name).toBe(etcd34);
            expect(mem, bad.name).not.toBe('ok');
          }
          const after = await Promise.all(clients.map(({ client }) => snapshot(client)));
          expect(after.slice(0, 3)).toEqual(before.slice(0, 3));
          expect(after[3]).toBe(before[3]);
        }),
        { seed, numRuns: runs(15), verbose: 1 },
      );
      console.log(`auth bad-input: ${sent} malformed requests sent to each of ${clients.length} backends`);
    },
    timeout(90_000),
  );
});
