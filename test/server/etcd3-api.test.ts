/**
 * The etcd3 npm client's own API (not our adapter) against the simulator server: KV builders with their
 * options, the txn and watch builders, leases with keepalive and loss on expiry (the server's ManualClock),
 * lock, election and STM. Results are asserted, not just the absence of errors.
 */

import { Etcd3, EtcdLeaseInvalidError, EtcdLockFailedError, type IKeyValue, type Watcher } from 'etcd3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';

let server: RunningServer;
let clock: ManualClock;
let client: Etcd3;
let n = 0;
/** A fresh key prefix per test: the tests share one server. */
let p: string;

beforeAll(async () => {
  clock = new ManualClock();
  server = await startServer({ clock });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => {
  p = `t${++n}/`;
  client = new Etcd3({ hosts: server.endpoints });
});
afterEach(() => {
  client.close();
});

/** Resolve with the first `count` values `on` reports, or fail after `ms`. */
function collect<T>(count: number, on: (push: (v: T) => void) => void, ms = 5_000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const timer = setTimeout(
      () => reject(new Error(`got ${got.length} of ${count}: ${JSON.stringify(got)}`)),
      ms,
    );
    on((v) => {
      got.push(v);
      if (got.length === count) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

const text = (kv: IKeyValue | undefined) => kv && `${kv.key.toString()}=${kv.value.toString()}`;

describe('etcd3 KV builders on the simulator server', () => {
  it('put, get and delete with their options', async () => {
    const first = await client.put(`${p}a`).value('1').exec();
    const r1 = Number(first.header.revision);
    await client.put(`${p}b`).value('2').exec();
    await client.put(`${p}c`).value(3).exec();
    expect(await client.get(`${p}a`).string()).toBe('1');
    expect(await client.get(`${p}c`).number()).toBe(3);
    expect(await client.get(`${p}none`).string()).toBeNull();
    expect(await client.get(`${p}a`).exists()).toBe(true);

    const prev = await client.put(`${p}a`).value('11').getPrevious();
    expect(prev.value.toString()).toBe('1');
    expect(await client.get(`${p}a`).revision(r1).string()).toBe('1');
    expect(await client.get(`${p}a`).string()).toBe('11');

    await client
      .put(`${p}j`)
      .value(JSON.stringify({ x: [1, 2] }))
      .exec();
    expect(await client.get(`${p}j`).json()).toEqual({ x: [1, 2] });

    expect(await client.getAll().prefix(p).keys()).toEqual([`${p}a`, `${p}b`, `${p}c`, `${p}j`]);
    expect(await client.getAll().prefix(p).sort('Key', 'Descend').limit(2).keys()).toEqual([
      `${p}j`,
      `${p}c`,
    ]);
    expect(await client.getAll().prefix(p).count()).toBe(4);
    expect(await client.getAll().prefix(p).sort('Value', 'Ascend').strings()).toEqual({
      [`${p}a`]: '11',
      [`${p}b`]: '2',
      [`${p}c`]: '3',
      [`${p}j`]: '{"x":[1,2]}',
    });
    const ranged = await client
      .getAll()
      .inRange({ start: `${p}b`, end: `${p}d` })
      .exec();
    expect(ranged.kvs.map((kv) => kv.key.toString())).toEqual([`${p}b`, `${p}c`]);
    expect(ranged.count).toBe('2');
    const recent = await client
      .getAll()
      .prefix(p)
      .minModRevision(r1 + 2)
      .keys();
    expect(recent).toEqual([`${p}a`, `${p}c`, `${p}j`]);

    const deleted = await client.delete().key(`${p}b`).getPrevious();
    expect(deleted.map(text)).toEqual([`${p}b=2`]);
    const rest = await client.delete().prefix(p).exec();
    expect(rest.deleted).toBe('3');
    expect(await client.getAll().prefix(p).count()).toBe(0);
  });

  it('errors reach etcd3 as its own error classes with etcd messages', async () => {
    await expect(client.put('').value('x').exec()).rejects.toThrow('etcdserver: key is not provided');
    await expect(client.get(`${p}a`).revision(1_000_000).exec()).rejects.toThrow(
      'etcdserver: mvcc: required revision is a future revision',
    );
    await expect(client.put(`${p}a`).value('x').lease('12345').exec()).rejects.toThrow(
      'etcdserver: requested lease not found',
    );
  });

  it('the txn builder: if/then/else with compares on value, version and create revision', async () => {
    await client.put(`${p}k`).value('v1').exec();
    const ok = await client
      .if(`${p}k`, 'Value', '==', 'v1')
      .and(`${p}k`, 'Version', '>', 0)
      .then(client.put(`${p}k`).value('v2'), client.get(`${p}k`))
      .else(client.put(`${p}lost`).value('x'))
      .commit();
    expect(ok.succeeded).toBe(true);
    // The oneof's name, which proto-loader adds beside the typed fields.
    expect(ok.responses.map((r) => (r as { response?: string }).response)).toEqual([
      'response_put',
      'response_range',
    ]);
    expect(ok.responses[1]!.response_range!.kvs[0]!.value.toString()).toBe('v2');

    const fail = await client
      .if(`${p}k`, 'Value', '==', 'v1')
      .then(client.put(`${p}k`).value('v3'))
      .else(client.get(`${p}k`), client.delete().key(`${p}k`))
      .commit();
    expect(fail.succeeded).toBe(false);
    expect(fail.responses[0]!.response_range!.kvs[0]!.value.toString()).toBe('v2');
    expect(fail.responses[1]!.response_delete_range!.deleted).toBe('1');
    expect(await client.get(`${p}k`).exists()).toBe(false);
    expect(await client.get(`${p}lost`).exists()).toBe(false);

    const create = await client
      .if(`${p}new`, 'Create', '==', 0)
      .then(client.put(`${p}new`).value('first'))
      .commit();
    const again = await client
      .if(`${p}new`, 'Create', '==', 0)
      .then(client.put(`${p}new`).value('second'))
      .commit();
    expect([create.succeeded, again.succeeded]).toEqual([true, false]);
    expect(await client.get(`${p}new`).string()).toBe('first');
  });
});

describe('etcd3 watch builder on the simulator server', () => {
  it('prefix, prevKv and events in order; cancel ends it', async () => {
    const watcher = await client.watch().prefix(p).withPreviousKV().create();
    const events = collect<string>(4, (push) => {
      watcher.on('put', (kv, prev) => push(`put ${text(kv)} prev ${text(prev) ?? '-'}`));
      watcher.on('delete', (kv, prev) => push(`delete ${kv.key.toString()} prev ${text(prev) ?? '-'}`));
    });
    await client.put(`${p}a`).value('1').exec();
    await client.put(`${p}a`).value('2').exec();
    await client.put('elsewhere').value('x').exec();
    await client.put(`${p}b`).value('3').exec();
    await client.delete().key(`${p}a`).exec();
    expect(await events).toEqual([
      `put ${p}a=1 prev -`,
      `put ${p}a=2 prev ${p}a=1`,
      `put ${p}b=3 prev -`,
      `delete ${p}a prev ${p}a=2`,
    ]);
    await watcher.cancel();
    expect(server.stats().watchers).toBe(0);
  });

  it('a start revision replays history; each response has the revision header', async () => {
    const r0 = Number((await client.put(`${p}k`).value('old').exec()).header.revision);
    await client.put(`${p}k`).value('new').exec();
    await client.delete().key(`${p}k`).exec();
    const watcher: Watcher = await client.watch().key(`${p}k`).startRevision(String(r0)).create();
    const seen = collect<string>(3, (push) => {
      watcher.on('data', (res) => {
        for (const e of res.events) push(`${e.type} ${e.kv.value.toString()}@${e.kv.mod_revision}`);
      });
    });
    expect(await seen).toEqual([`Put old@${r0}`, `Put new@${r0 + 1}`, `Delete @${r0 + 2}`]);
    await watcher.cancel();
  });

  it('a compacted start revision: the raw stream gets the compact revision, the builder an error', async () => {
    const r0 = Number((await client.put(`${p}k`).value('1').exec()).header.revision);
    const r1 = Number((await client.put(`${p}k`).value('2').exec()).header.revision);
    await client.kv.compact({ revision: String(r1) });

    const stream = await client.watchClient.watch();
    const responses = collect<{ created: boolean; canceled: boolean; compact_revision: string }>(2, (push) =>
      stream.on('data', push),
    );
    stream.write({ create_request: { key: Buffer.from(`${p}k`), start_revision: String(r0) } });
    const [created, canceled] = await responses;
    expect(created).toMatchObject({ created: true, canceled: false });
    expect(canceled).toMatchObject({ canceled: true, compact_revision: String(r1) });
    stream.end();

    // etcd sends no cancel_reason with a compaction; etcd3's builder reports the cancel with what it got.
    const w = await client.watch().key(`${p}k`).startRevision(String(r0)).create();
    const error = await new Promise<Error>((resolve) => w.on('error', resolve));
    expect(error.message).toBe('Watcher canceled: ');
  });
});

describe('etcd3 leases on the simulator server', () => {
  it('grant, put with the lease, keepalive events, TTL, revoke deletes the keys', async () => {
    const lease = client.lease(30);
    const alive = new Promise<{ TTL: string; ID: string }>((resolve) =>
      lease.once('keepaliveSucceeded', resolve),
    );
    const id = await lease.grant();
    await lease.put(`${p}k`).value('v').exec();
    const kv = (await client.get(`${p}k`).exec()).kvs[0]!;
    expect(kv.lease).toBe(id);
    const res = await alive;
    expect(res).toMatchObject({ ID: id, TTL: '30' });
    const remaining = async () => (await client.leaseClient.leaseTimeToLive({ ID: id, keys: true })).TTL;
    clock.advance(10_000);
    expect(await remaining()).toBe('20');
    const once = await lease.keepaliveOnce();
    expect(once.TTL).toBe('30');
    expect(await remaining()).toBe('30');
    const attached = await client.leaseClient.leaseTimeToLive({ ID: id, keys: true });
    expect(attached.keys.map((k) => k.toString())).toEqual([`${p}k`]);
    const listed = await client.leaseClient.leaseLeases({});
    expect(listed.leases.map((l) => l.ID)).toContain(id);
    await lease.revoke();
    expect(await client.get(`${p}k`).exists()).toBe(false);
    expect(lease.revoked()).toBe(true);
  });

  it('a lease whose TTL passes on the server clock is lost: the keepalive says so and the keys are gone', async () => {
    const lease = client.lease(3);
    const alive = new Promise((resolve) => lease.once('keepaliveSucceeded', resolve));
    await lease.put(`${p}k`).value('v').exec();
    await alive;
    const lost = new Promise<Error>((resolve) => lease.once('lost', resolve));
    // Past the TTL with no keepalive in between (the next one is a real second away).
    await clock.advanceAsync(10_000);
    expect(await client.get(`${p}k`).exists()).toBe(false);
    const error = await lost;
    expect(error).toBeInstanceOf(EtcdLeaseInvalidError);
    expect(lease.revoked()).toBe(true);
    await expect(
      client
        .put(`${p}k`)
        .value('v')
        .lease(await lease.grant())
        .exec(),
    ).rejects.toThrow('etcdserver: requested lease not found');
  });
});

describe('etcd3 concurrency recipes on the simulator server', () => {
  it('lock(): one holder at a time; a second acquire fails until release', async () => {
    const a = client.lock(`${p}lock`);
    await a.acquire();
    const other = new Etcd3({ hosts: server.endpoints });
    try {
      await expect(other.lock(`${p}lock`).acquire()).rejects.toBeInstanceOf(EtcdLockFailedError);
      await a.release();
      const result = await other.lock(`${p}lock`).do(async () => 'done under the lock');
      expect(result).toBe('done under the lock');
      expect(await client.getAll().prefix(`${p}lock`).count()).toBe(0);
    } finally {
      other.close();
    }
  });

  it('election(): campaign, observe the leader change, proclaim, resign', async () => {
    const other = new Etcd3({ hosts: server.endpoints });
    try {
      const election = client.election(`${p}election`, 30);
      await expect(election.leader()).resolves.toBeUndefined();
      const observer = await election.observe();
      const changes = collect<string | undefined>(3, (push) => observer.on('change', push));
      const c1 = election.campaign('node-1');
      await c1.wait();
      expect(await election.leader()).toBe('node-1');
      const c2 = other.election(`${p}election`, 30).campaign('node-2');
      let c2Elected = false;
      c2.on('elected', () => {
        c2Elected = true;
      });
      await c1.proclaim('node-1b');
      expect(await election.leader()).toBe('node-1b');
      expect(c2Elected).toBe(false);
      await c1.resign();
      await c2.wait();
      expect(c2Elected).toBe(true);
      expect(await election.leader()).toBe('node-2');
      expect(await changes).toEqual(['node-1', 'node-1b', 'node-2']);
      await c2.resign();
      await observer.cancel();
      await expect(election.leader()).resolves.toBeUndefined();
    } finally {
      other.close();
    }
  });

  it('stm(): concurrent read-modify-write transactions retry on conflict and lose no update', async () => {
    await client.put(`${p}counter`).value(0).exec();
    const clients = [client, new Etcd3({ hosts: server.endpoints }), new Etcd3({ hosts: server.endpoints })];
    try {
      const bump = (c: Etcd3) =>
        c.stm({ retries: 50 }).transact(async (tx) => {
          const v = (await tx.get(`${p}counter`).number()) ?? 0;
          await tx.put(`${p}counter`).value(v + 1);
          return v;
        });
      const seen = await Promise.all(
        Array.from({ length: 12 }, (_, i) => bump(clients[i % clients.length]!)),
      );
      expect(await client.get(`${p}counter`).number()).toBe(12);
      // Every transaction read a different value: serializable, no lost update.
      expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    } finally {
      for (const c of clients.slice(1)) c.close();
    }
  });
});

describe('etcd3 maintenance and cluster clients on the simulator server', () => {
  it('status and member list describe one member on this server', async () => {
    const status = await client.maintenance.status({});
    expect(status.leader).toBe(status.header.member_id);
    expect(status.version).toMatch(/^3\.\d+\.\d+$/);
    const members = await client.cluster.memberList({});
    expect(members.members).toHaveLength(1);
    expect(members.members[0]!.clientURLs).toEqual(server.endpoints);
    expect(members.members[0]!.ID).toBe(status.header.member_id);
  });
});
