/**
 * The fault control API of the simulator server (`serve --fault-api`): the same faults and the manual
 * clock over HTTP JSON, for clients in any language, targeting connections by name (the
 * `etcd-kv-kit-client` metadata) or by peer address.
 */

import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import {
  DeadlineExceededError,
  InvalidArgumentError,
  UnknownOutcomeError,
} from '../../src/interface/errors.js';
import { type RunningServer, startServer } from '../../src/server/index.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One call of the fault API: status and JSON body. */
async function api(server: RunningServer, method: string, route: string, body?: unknown) {
  const response = await fetch(`${server.endpoints[0]}/faults/v1/${route}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function named(server: RunningServer, name: string, timeouts: { requestTimeoutMs?: number } = {}) {
  return new EtcdBackend({
    endpoints: server.endpoints,
    metadata: { 'etcd-kv-kit-client': name },
    dialTimeoutMs: 1_000,
    ...timeouts,
  });
}

describe('fault API on a manual clock', () => {
  let server: RunningServer;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock();
    server = await startServer({ clock, minLeaseTtl: 1, faultApi: true, seed: 1 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists connections by the name they send, with their fault state', async () => {
    await using a = named(server, 'worker-1');
    await a.status();
    const { status, body } = await api(server, 'GET', 'clients');
    expect(status).toBe(200);
    const clients = body.clients as { name: string; peer: string; partitioned: boolean }[];
    const mine = clients.find((c) => c.name === 'worker-1');
    expect(mine?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(mine?.partitioned).toBe(false);
  });

  it('time moves only by clock/advance: a lease expires there, not before', async () => {
    await using a = named(server, 'lease-holder');
    const { id } = await a.leaseGrant({ ttl: 5 });
    await a.put({ key: 'api/leased', value: 'x', lease: id });
    await sleep(300); // real time does not count
    expect((await a.range({ key: 'api/leased' })).count).toBe(1);
    const before = (await api(server, 'GET', 'clock')).body;
    expect(before.manual).toBe(true);
    const moved = await api(server, 'POST', 'clock/advance', { ms: 6_000 });
    expect(moved.body.now).toBe((before.now as number) + 6_000);
    expect((await a.range({ key: 'api/leased' })).count).toBe(0);
  });

  it('partition: the client waits (its deadline ends the call); heal lets it through; others go on', async () => {
    await using a = named(server, 'cut-off', { requestTimeoutMs: 500 });
    await using b = named(server, 'bystander');
    await a.status();
    const watcher = a.watch({ key: 'api/p' });
    await watcher.created;
    const events: string[] = [];
    const reading = (async () => {
      for await (const r of watcher) {
        for (const e of r.events) events.push(toText(e.kv.value));
        if (events.length === 2) return;
      }
    })();
    expect((await api(server, 'POST', 'partition', { target: 'cut-off', inFlight: 'lost' })).status).toBe(
      200,
    );
    await expect(a.range({ key: 'api/p' })).rejects.toBeInstanceOf(DeadlineExceededError);
    await expect(a.put({ key: 'api/never', value: 'x' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    await b.put({ key: 'api/p', value: '1' }); // the bystander is not cut off
    await sleep(200);
    expect(events).toEqual([]); // the watcher stalls
    expect((await api(server, 'POST', 'heal', { target: 'cut-off' })).status).toBe(200);
    await b.put({ key: 'api/p', value: '2' });
    await reading;
    expect(events).toEqual(['1', '2']); // nothing lost, nothing repeated
    expect((await b.range({ key: 'api/never' })).count).toBe(0); // held, then dropped unapplied
  });

  it('lost reply and injected errors answer as etcd would, classified by the client', async () => {
    await using a = named(server, 'lossy');
    await a.status();
    await api(server, 'POST', 'lose-replies', { target: 'lossy' });
    await expect(a.put({ key: 'api/lr', value: '1' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    expect((await a.range({ key: 'api/lr' })).kvs[0]?.version).toBe(1); // applied once
    await api(server, 'POST', 'fail-next', { target: 'lossy', op: 'put', error: 'leader changed' });
    await expect(a.put({ key: 'api/lc', value: '1' })).rejects.toBeInstanceOf(UnknownOutcomeError);
    await api(server, 'POST', 'fail-next', { target: 'lossy', op: 'range', error: 'no leader', count: 2 });
    expect((await a.range({ key: 'api/lr' })).count).toBe(1); // the etcd backend retried the read
  });

  it('bad requests get typed errors and change nothing', async () => {
    await using a = named(server, 'bad-input');
    await a.status();
    expect(await api(server, 'POST', 'partition', { target: 'nobody' })).toMatchObject({
      status: 400,
      body: {
        error: { code: 'ErrInvalidArgument', message: expect.stringMatching(/no client named "nobody"/) },
      },
    });
    expect((await api(server, 'POST', 'latency', { ms: -5 })).status).toBe(400);
    expect((await api(server, 'POST', 'partition', 'not json')).status).toBe(400);
    expect((await api(server, 'POST', 'expire-lease', { id: '12345' })).status).toBe(404);
    expect((await api(server, 'POST', 'expire-lease', { id: 'x' })).status).toBe(400);
    expect((await api(server, 'GET', 'partition')).status).toBe(405);
    expect((await api(server, 'POST', 'teleport')).status).toBe(404);
    expect((await api(server, 'POST', 'clock/advance', { ms: 'soon' })).status).toBe(400);
    // The client side of naming: metadata keys must be lower-case gRPC keys, values strings.
    expect(() => new EtcdBackend({ endpoints: server.endpoints, metadata: { Name: 'x' } })).toThrow(
      InvalidArgumentError,
    );
    expect(
      () => new EtcdBackend({ endpoints: server.endpoints, metadata: { 'etcd-kv-kit-client': 7 as never } }),
    ).toThrow(/must be a string, received number 7/);
    const clients = (await api(server, 'GET', 'clients')).body.clients as Record<string, unknown>[];
    expect(clients.find((c) => c.name === 'bad-input')).toMatchObject({ partitioned: false, paused: false });
    await a.put({ key: 'api/still', value: 'works' }); // no latency or other fault was left behind
  });
});

describe('fault API on the real clock', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ minLeaseTtl: 1, faultApi: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('restart drops every connection; leases keep their IDs; clients reconnect', async () => {
    await using a = named(server, 'survivor', { requestTimeoutMs: 2_000 });
    const { id } = await a.leaseGrant({ ttl: 10 });
    expect((await api(server, 'POST', 'restart', { downMs: 300 })).status).toBe(200);
    let renewed = await a.leaseKeepAlive({ id }).catch(() => undefined);
    for (let i = 0; i < 20 && renewed === undefined; i++) {
      await sleep(200);
      renewed = await a.leaseKeepAlive({ id }).catch(() => undefined);
    }
    expect(renewed?.ttl).toBe(10);
    expect((await api(server, 'POST', 'clock/advance', { ms: 1 })).status).toBe(409); // real clock
  });

  it('a client in another language (etcdctl) is targeted by its peer address', async () => {
    await using w = named(server, 'writer');
    const endpoint = server.endpoints[0]!.replace('http://', '');
    const etcdctl = spawn('etcdctl', ['--endpoints', endpoint, 'watch', 'ctl/k'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines: string[] = [];
      createInterface({ input: etcdctl.stdout }).on('line', (l) => lines.push(l));
      // Its connection is the one that is neither ours nor the writer's.
      let peer: string | undefined;
      for (let i = 0; i < 50 && peer === undefined; i++) {
        await sleep(100);
        const clients = (await api(server, 'GET', 'clients')).body.clients as {
          name: string;
          peer: string;
        }[];
        peer = clients.find((c) => c.name === c.peer)?.peer;
      }
      expect(peer).toBeDefined();
      await api(server, 'POST', 'partition', { target: peer });
      await w.put({ key: 'ctl/k', value: 'while-cut' });
      await sleep(300);
      expect(lines).toEqual([]);
      await api(server, 'POST', 'heal', { target: peer });
      for (let i = 0; i < 50 && lines.length < 3; i++) await sleep(100);
      expect(lines).toEqual(['PUT', 'ctl/k', 'while-cut']);
    } finally {
      etcdctl.kill('SIGKILL');
    }
  });

  it('python-etcd3 names its connection with the metadata and is partitioned by name', async () => {
    const endpoint = new URL(server.endpoints[0]!);
    const script = `
import etcd3, json, sys, urllib.request
c = etcd3.client(host="127.0.0.1", port=${endpoint.port}, timeout=1)
c.metadata = (("etcd-kv-kit-client", "py-worker"),)
c.put("py/k", "1")
def api(route, body):
    req = urllib.request.Request("${server.endpoints[0]}/faults/v1/" + route, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req).read()
api("partition", {"target": "py-worker"})
try:
    c.put("py/k", "2")
    print("put-while-cut: ok")
except Exception as e:
    print("put-while-cut:", type(e).__name__)
api("heal", {"target": "py-worker"})
c.put("py/k", "3")
print("value:", c.get("py/k")[0].decode())
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script], { timeout: 30_000 });
    expect(stdout.trim().split('\n')).toEqual(['put-while-cut: ConnectionTimeoutError', 'value: 3']);
  });
});

describe('serve --fault-api --manual-clock', () => {
  it('serves the API from the command line; --manual-clock alone is a bad flag', async () => {
    const bad = await run(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      '--manual-clock',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/--manual-clock needs --fault-api/);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'serve',
        '--listen-client-urls',
        'http://127.0.0.1:0',
        '--fault-api',
        '--manual-clock',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const ready = await new Promise<string>((resolve) =>
        createInterface({ input: child.stdout }).once('line', (l) => resolve(l)),
      );
      const url = /on (http:\/\/\S+)/.exec(ready)![1]!;
      const clock = await (await fetch(`${url}/faults/v1/clock`)).json();
      expect(clock).toEqual({ now: 0, manual: true });
      const moved = await (
        await fetch(`${url}/faults/v1/clock/advance`, { method: 'POST', body: '{"ms":1500}' })
      ).json();
      expect(moved).toEqual({ now: 1500 });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
