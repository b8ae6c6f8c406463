/**
 * Clients nobody here wrote, on the simulator and on a real etcd 3.4.23 started fresh beside it: etcdctl's
 * maintenance commands (endpoint status and hashkv, alarm list and disarm, defrag, snapshot save, member
 * list, move-leader, member remove) and a python3-etcd3gw scenario on the JSON gateway. Outputs must match
 * once member IDs, URLs, sizes and raft indexes are normalized; HashKV must match exactly.
 */

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { MemoryStore } from '../../src/memory-backend/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { hostPort, run } from './ops-clients.js';

let etcd: EtcdServer;
let server: RunningServer;
let dir: string;
const both = (): { name: string; endpoint: string }[] => [
  { name: 'etcd', endpoint: etcd.endpoint },
  { name: 'simulator', endpoint: server.endpoints[0]! },
];

beforeAll(async () => {
  [etcd, server] = await Promise.all([startEtcd(), startServer({ etcdVersion: '3.4.23' })]);
  dir = await mkdtemp(join(tmpdir(), 'ops-clients-'));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** etcdctl against `endpoint`; stdout, and the "Error: …" line of stderr. */
async function etcdctl(
  endpoint: string,
  ...args: string[]
): Promise<{ code: number; out: string; error: string }> {
  const r = await run('etcdctl', ['--endpoints', hostPort(endpoint), ...args]);
  const error = r.stderr.split('\n').find((l) => l.startsWith('Error:')) ?? '';
  return { code: r.code, out: r.stdout, error };
}

/** The member's own values replaced by placeholders. */
function normalize(text: string, endpoint: string, memberIdHex: string, memberId: string): string {
  return text
    .replaceAll(hostPort(endpoint), '<endpoint>')
    .replaceAll(memberIdHex, '<id>')
    .replaceAll(memberId, '<id>');
}

async function memberOf(endpoint: string): Promise<{ hex: string; dec: string }> {
  await using b = new EtcdBackend({ endpoints: [endpoint] });
  const id = (await b.status()).header.memberId;
  return { hex: id.toString(16), dec: id.toString() };
}

/** Run the same etcdctl command on both; returns each normalized result. */
async function onBoth(...args: string[]): Promise<{ code: number; out: string; error: string }[]> {
  return Promise.all(
    both().map(async ({ endpoint }) => {
      const id = await memberOf(endpoint);
      const r = await etcdctl(endpoint, ...args);
      return {
        code: r.code,
        out: normalize(r.out, endpoint, id.hex, id.dec),
        error: normalize(r.error, endpoint, id.hex, id.dec),
      };
    }),
  );
}

describe('etcdctl 3.4.23 against the simulator and etcd', () => {
  it('endpoint status, hashkv, alarm list/disarm, defrag, member list: the same after normalizing', async () => {
    for (const { endpoint } of both()) {
      await etcdctl(endpoint, 'put', 'a', '1');
      await etcdctl(endpoint, 'put', 'b', '2');
      await etcdctl(endpoint, 'del', 'a');
      await etcdctl(endpoint, 'put', 'c', '3', '--prev-kv');
    }
    // endpoint status (table): endpoint, id, version, db size, leader?, learner?, term, index, applied, errors.
    const status = await onBoth('endpoint', 'status');
    const cells = (s: string) =>
      s
        .trim()
        .split(', ')
        .map((c, i) => ([3, 7, 8].includes(i) ? '<n>' : c));
    expect(cells(status[1]!.out)).toEqual(cells(status[0]!.out));
    expect(cells(status[1]!.out)[2]).toBe('3.4.23');
    const json = await onBoth('endpoint', 'status', '-w', 'json');
    const statusJson = (s: string) => [...s.matchAll(/"(\w+)":/g)].map((m) => m[1]);
    expect(statusJson(json[1]!.out)).toEqual(statusJson(json[0]!.out));
    // HashKV: the same history gives the same hash, exactly.
    const hashkv = await onBoth('endpoint', 'hashkv');
    expect(hashkv[1]!.out).toBe(hashkv[0]!.out);
    expect(hashkv[0]!.out).toMatch(/^<endpoint>, \d+\n$/);
    expect(await onBoth('alarm', 'list')).toEqual([
      { code: 0, out: '', error: '' },
      { code: 0, out: '', error: '' },
    ]);
    for (const { endpoint } of both()) {
      await using b = new EtcdBackend({ endpoints: [endpoint] });
      const id = (await b.status()).header.memberId;
      await b.alarm({ action: 'ACTIVATE', memberId: id, alarm: 'NOSPACE' });
    }
    const listed = await onBoth('alarm', 'list');
    expect(listed[1]).toEqual(listed[0]);
    expect(listed[0]!.out).toBe('memberID:<id> alarm:NOSPACE \n');
    const full = await onBoth('put', 'd', '4');
    expect(full[1]).toEqual(full[0]);
    expect(full[0]!.error).toBe('Error: etcdserver: mvcc: database space exceeded');
    const disarmed = await onBoth('alarm', 'disarm');
    expect(disarmed[1]).toEqual(disarmed[0]);
    expect(disarmed[0]!.out).toBe('memberID:<id> alarm:NOSPACE \n');
    expect(await onBoth('alarm', 'list')).toEqual([
      { code: 0, out: '', error: '' },
      { code: 0, out: '', error: '' },
    ]);
    const defrag = await onBoth('defrag');
    expect(defrag[1]).toEqual(defrag[0]);
    expect(defrag[0]!.out).toBe('Finished defragmenting etcd member[<endpoint>]\n');
    // member list: ID, status, name, peer URLs, client URLs, learner.
    const members = await onBoth('member', 'list');
    const member = (s: string) =>
      s
        .trim()
        .split(', ')
        .map((c, i) => (i === 2 || i === 3 ? '<member>' : c));
    expect(member(members[1]!.out)).toEqual(member(members[0]!.out));
    expect(member(members[0]!.out)).toEqual([
      '<id>',
      'started',
      '<member>',
      '<member>',
      '<endpoint>'.replace('<endpoint>', member(members[0]!.out)[4]!),
      'false',
    ]);
  });

  it('move-leader and member remove refuse as etcd does; member add is refused by the simulator alone', async () => {
    const move = await onBoth('move-leader', '1');
    expect(move[1]).toEqual(move[0]);
    expect(move[0]).toMatchObject({ code: 1, error: 'Error: etcdserver: bad leader transferee' });
    const remove = await onBoth('member', 'remove', '1');
    expect(remove[1]).toEqual(remove[0]);
    expect(remove[0]!.error).toBe('Error: etcdserver: member not found');
    // On a real one-member etcd this adds a member that never starts and costs quorum: simulator only.
    const add = await etcdctl(
      server.endpoints[0]!,
      'member',
      'add',
      'x',
      '--peer-urls',
      'http://127.0.0.1:1',
    );
    expect(add.code).toBe(1);
    expect(add.error).toMatch(/code = Unimplemented desc = etcd-kv-kit: MemberAdd is not supported/);
  });

  it("snapshot save works on both; the simulator's file starts a new simulator with the same keys", async () => {
    for (const { name, endpoint } of both()) {
      const path = join(dir, `${name}.db`);
      const r = await etcdctl(endpoint, 'snapshot', 'save', path);
      expect(r, name).toMatchObject({ code: 0, out: `Snapshot saved at ${path}\n` });
      expect(readFileSync(path).length % 512).toBe(32); // what etcdctl checks: pages plus the SHA-256
    }
    await using restored = await startServer({ load: join(dir, 'simulator.db') });
    const r = await etcdctl(restored.endpoints[0]!, 'get', '', '--from-key');
    expect(r.out).toBe('b\n2\nc\n3\n');
    expect(restored.store.hashKv().hash).toBe(server.store.hashKv().hash);
    // etcd's bolt file is not something the simulator reads: a clear error naming the file.
    await expect(startServer({ load: join(dir, 'etcd.db') })).rejects.toThrow(
      new RegExp(`cannot load ${join(dir, 'etcd.db')}: not UTF-8 text`),
    );
    expect(() => MemoryStore.restore(readFileSync(join(dir, 'etcd.db')))).toThrow(
      /not a valid etcd-kv-kit snapshot/,
    );
  });
});

describe('python3-etcd3gw (JSON gateway client) against the simulator and etcd', () => {
  it('a short scenario prints the same on both', async () => {
    const script = join(import.meta.dirname, 'etcd3gw-scenario.py');
    const outputs = await Promise.all(
      both().map(async ({ endpoint }) => {
        const r = await run('/usr/bin/python3', [script, new URL(endpoint).port]);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as Record<string, unknown>;
      }),
    );
    expect(outputs[1]).toEqual(outputs[0]);
    // etcd3gw returns bytes: Python prints them b'…'.
    expect(outputs[0]).toMatchObject({
      get: ["b'1'"],
      create_new: true,
      create_existing: false,
      replace_ok: true,
      replace_stale: false,
      watch_event: ['PUT', "b'cfg/w'", "b'watched'"],
    });
  });
});
