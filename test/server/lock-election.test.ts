/**
 * etcd's Lock and Election services (v3lockpb, v3electionpb) on the simulator beside a real etcd 3.4.23:
 * the same script over gRPC, and over the JSON gateway with curl, from fresh servers, gives the same
 * answers — statuses and texts, revisions, keys, values, leases — once lease IDs are named by their
 * order of appearance and member IDs are left out.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../../src/server/grpc/proto.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { curl } from './ops-clients.js';

let etcd: EtcdServer;
let server: RunningServer;

beforeAll(async () => {
  [etcd, server] = await Promise.all([startEtcd(), startServer({ etcdVersion: '3.4.23' })]);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
});

/** A response as an object, or `{ code, details }` for a status. */
type Answer = Record<string, unknown>;

/** A client speaking the two services (and what the script needs of KV and Lease) to one endpoint. */
class Client {
  readonly #grpc: grpc.Client;

  constructor(endpoint: string) {
    this.#grpc = new grpc.Client(endpoint.replace('http://', ''), grpc.credentials.createInsecure());
  }

  call(path: string, request: Record<string, unknown>, deadlineMs = 10_000, token?: string): Promise<Answer> {
    const { serialize, deserialize } = codecs(path);
    return new Promise((resolve) => {
      this.#grpc.makeUnaryRequest(
        `/${path}`,
        serialize,
        deserialize,
        request,
        metadataWith(token),
        { deadline: Date.now() + deadlineMs },
        (error, value) => {
          // A caller's deadline: the client's own DEADLINE_EXCEEDED (its text carries timings and a port), or,
          // when etcd's handler saw the deadline first, UNKNOWN "context deadline exceeded". Which comes
          // first is a race on etcd (seen under load), so both read as one outcome.
          const gaveUp =
            error?.code === grpc.status.DEADLINE_EXCEEDED ||
            (error?.code === grpc.status.UNKNOWN && error.details === 'context deadline exceeded');
          if (gaveUp) resolve({ code: grpc.status.DEADLINE_EXCEEDED, details: '<deadline>' });
          else if (error) resolve({ code: error.code, details: error.details });
          else resolve(value as Record<string, unknown>);
        },
      );
    });
  }

  /** An Observe stream: its messages so far, and stop() to cancel it (saying whether it was still open). */
  observe(name: string): { messages: Record<string, unknown>[]; stop(): Promise<string> } {
    const { serialize, deserialize } = codecs('v3electionpb.Election/Observe');
    const messages: Record<string, unknown>[] = [];
    const stream = this.#grpc.makeServerStreamRequest(
      '/v3electionpb.Election/Observe',
      serialize,
      deserialize,
      { name: Buffer.from(name) },
    );
    let ended: string | undefined;
    const end = new Promise<string>((resolve) => {
      stream.on('status', (s: grpc.StatusObject) => {
        ended = `status ${s.code}`;
        resolve(ended);
      });
    });
    stream.on('data', (d: Record<string, unknown>) => messages.push(d));
    stream.on('error', () => {});
    return {
      messages,
      async stop() {
        if (ended !== undefined) return `ended by the server: ${ended}`;
        stream.cancel();
        await end;
        return 'open until cancelled';
      },
    };
  }

  close(): void {
    this.#grpc.close();
  }
}

/** Encoding of a request and decoding of its response (longs and bytes as strings) for "package.Service/Method". */
function codecs(path: string): {
  serialize: (v: Record<string, unknown>) => Buffer;
  deserialize: (b: Buffer) => Record<string, unknown>;
} {
  const [service, method] = path.split('/') as [string, string];
  const m = (root.lookup(service) as import('protobufjs').Service).methods[method]!;
  m.resolve();
  const req = m.resolvedRequestType!;
  const res = m.resolvedResponseType!;
  return {
    serialize: (v) => Buffer.from(req.encode(req.fromObject(v)).finish()),
    deserialize: (b) => res.toObject(res.decode(b), { longs: String, bytes: String }),
  };
}

/** Call metadata carrying an auth token, if any. */
function metadataWith(token: string | undefined): grpc.Metadata {
  const m = new grpc.Metadata();
  if (token !== undefined) m.set('token', token);
  return m;
}

/** Names lease IDs by first appearance (decimal in messages, hex at the end of keys) and drops member IDs. */
class Normalizer {
  readonly #names = new Map<string, string>();

  #lease(hex: string): string {
    let name = this.#names.get(hex);
    if (name === undefined) {
      name = `<lease ${this.#names.size + 1}>`;
      this.#names.set(hex, name);
    }
    return name;
  }

  apply(value: unknown, field = ''): unknown {
    if (Array.isArray(value)) return value.map((v) => this.apply(v, field));
    if (value === null || typeof value !== 'object') {
      if (typeof value !== 'string') return value;
      if (field === 'lease' || field === 'ID') return this.#lease(BigInt(value).toString(16));
      if (field === 'key') {
        const text = Buffer.from(value, 'base64').toString();
        const m = /^(.*\/)([0-9a-f]{6,16})$/s.exec(text);
        return m ? `${m[1]}${this.#lease(m[2]!)}` : text;
      }
      if (field === 'value' || field === 'name') return Buffer.from(value, 'base64').toString();
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'cluster_id' || k === 'member_id') continue;
      out[k] = this.apply(v, k);
    }
    return out;
  }
}

const b = (s: string): Buffer => Buffer.from(s);

/** Wait until `p` has settled or `ms` passed; true if it settled. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

/** The lock script; returns every answer, in order, by name. */
async function lockScript(endpoint: string): Promise<Record<string, unknown>> {
  const c = new Client(endpoint);
  const out: Record<string, unknown> = {};
  const grant = async (): Promise<string> =>
    (await c.call('etcdserverpb.Lease/LeaseGrant', { TTL: 30 })).ID as string;
  const prefix = (p: string): Promise<Answer> =>
    c.call('etcdserverpb.KV/Range', { key: b(p), range_end: b(`${p.slice(0, -1)}0`) });
  try {
    const [l1, l2, l3] = [await grant(), await grant(), await grant()];
    out.lockFirst = await c.call('v3lockpb.Lock/Lock', { name: b('job'), lease: l1 });
    out.lockSameLease = await c.call('v3lockpb.Lock/Lock', { name: b('job'), lease: l1 });
    out.waiterGivesUp = await c.call('v3lockpb.Lock/Lock', { name: b('job'), lease: l2 }, 400);
    out.keysAfterGivingUp = await prefix('job/');
    const waiting = c.call('v3lockpb.Lock/Lock', { name: b('job'), lease: l2 });
    out.waiterStillWaits = !(await settledWithin(waiting, 300));
    const key = (out.lockFirst as { key: string }).key;
    out.unlock = await c.call('v3lockpb.Lock/Unlock', { key: Buffer.from(key, 'base64') });
    out.waiterGetsIt = await waiting;
    out.keysAfterHandOver = await prefix('job/');
    // The waiter's lease ends while it waits: it is told once the lock would have been its turn.
    out.holdB = await c.call('v3lockpb.Lock/Lock', { name: b('b'), lease: l1 });
    const doomed = c.call('v3lockpb.Lock/Lock', { name: b('b'), lease: l3 });
    await settledWithin(doomed, 200);
    out.revokeWaiter = await c.call('etcdserverpb.Lease/LeaseRevoke', { ID: l3 });
    out.unlockB = await c.call('v3lockpb.Lock/Unlock', {
      key: Buffer.from((out.holdB as { key: string }).key, 'base64'),
    });
    out.waiterWithoutLease = await doomed;
    out.noLease = await c.call('v3lockpb.Lock/Lock', { name: b('free') });
    const freeKey = Buffer.from((out.noLease as { key: string }).key, 'base64').toString();
    const freeLease = BigInt(`0x${freeKey.slice('free/'.length)}`).toString();
    const ttl = (await c.call('etcdserverpb.Lease/LeaseTimeToLive', { ID: freeLease })) as {
      grantedTTL: string;
    };
    out.noLeaseGrantedTtl = ttl.grantedTTL;
    out.missingLease = await c.call('v3lockpb.Lock/Lock', { name: b('job'), lease: '12345' });
    out.emptyName = await c.call('v3lockpb.Lock/Lock', { lease: l2 });
    out.unlockMissingKey = await c.call('v3lockpb.Lock/Unlock', { key: b('nothing') });
    out.unlockNoKey = await c.call('v3lockpb.Lock/Unlock', {});
    return out;
  } finally {
    c.close();
  }
}

/** The election script; returns every answer, in order, by name, and what an observer saw. */
async function electionScript(endpoint: string): Promise<Record<string, unknown>> {
  const c = new Client(endpoint);
  const out: Record<string, unknown> = {};
  const grant = async (): Promise<string> =>
    (await c.call('etcdserverpb.Lease/LeaseGrant', { TTL: 30 })).ID as string;
  const E = (method: string, request: Record<string, unknown>, deadlineMs?: number): Promise<Answer> =>
    c.call(`v3electionpb.Election/${method}`, request, deadlineMs);
  const settle = (): Promise<unknown> => new Promise((r) => setTimeout(r, 200));
  try {
    const [l1, l2] = [await grant(), await grant()];
    out.leaderBeforeAny = await E('Leader', { name: b('svc') });
    const observer = c.observe('svc');
    await settle();
    out.campaign = await E('Campaign', { name: b('svc'), lease: l1, value: b('a') });
    const leader = (out.campaign as { leader: Record<string, unknown> }).leader;
    const asSent = { ...leader, name: b('svc'), key: Buffer.from(leader.key as string, 'base64') };
    out.campaignAgainOtherValue = await E('Campaign', { name: b('svc'), lease: l1, value: b('a2') });
    out.leader = await E('Leader', { name: b('svc') });
    out.rivalGivesUp = await E('Campaign', { name: b('svc'), lease: l2, value: b('b') }, 400);
    const rival = E('Campaign', { name: b('svc'), lease: l2, value: b('b') });
    out.rivalWaits = !(await settledWithin(rival, 300));
    out.proclaim = await E('Proclaim', { leader: asSent, value: b('a3') });
    out.proclaimStale = await E('Proclaim', { leader: { ...asSent, rev: '1' }, value: b('x') });
    out.proclaimNoLeader = await E('Proclaim', { value: b('x') });
    out.resignStale = await E('Resign', { leader: { ...asSent, rev: '1' } });
    out.resignNoLeader = await E('Resign', {});
    await settle();
    out.resign = await E('Resign', { leader: asSent });
    out.rivalLeads = await rival;
    out.leaderAfterHandOver = await E('Leader', { name: b('svc') });
    out.campaignMissingLease = await E('Campaign', { name: b('svc'), lease: '999', value: b('v') });
    await settle();
    const rivalKey = (out.rivalLeads as { leader: Record<string, unknown> }).leader;
    out.rivalResigns = await E('Resign', {
      leader: { ...rivalKey, name: b('svc'), key: Buffer.from(rivalKey.key as string, 'base64') },
    });
    await settle();
    out.observerEnd = await observer.stop();
    out.observed = observer.messages;
    out.leaderAfterAll = await E('Leader', { name: b('svc') });
    return out;
  } finally {
    c.close();
  }
}

describe('Lock and Election services beside etcd 3.4.23', () => {
  it('Lock and Unlock: same lease twice, a waiter that gives up or is handed the lock, a lease that ends, bad input', async () => {
    const [real, sim] = [await lockScript(etcd.endpoint), await lockScript(server.endpoints[0]!)];
    expect(new Normalizer().apply(sim)).toEqual(new Normalizer().apply(real));
    // What the script showed on etcd (so that a script that went wrong on both cannot pass).
    const r = new Normalizer().apply(real) as Record<string, unknown>;
    expect(r.lockSameLease).toEqual(r.lockFirst);
    expect(r.waiterGivesUp).toEqual({ code: grpc.status.DEADLINE_EXCEEDED, details: '<deadline>' });
    expect(r.waiterStillWaits).toBe(true);
    expect(r.missingLease).toEqual({
      code: grpc.status.UNKNOWN,
      details: 'etcdserver: requested lease not found',
    });
    expect(r.unlockNoKey).toEqual({ code: grpc.status.UNKNOWN, details: 'etcdserver: key is not provided' });
    expect(r.noLeaseGrantedTtl).toBe('60');
    // etcd 3.4 answers a waiter whose lease ended meanwhile as if it held the lock (its key is gone).
    expect(r.waiterWithoutLease).toMatchObject({ key: 'b/<lease 3>' });
  }, 60_000);

  it('from etcd 3.5 on, a waiter whose lease ended meanwhile is told "mutex: session is expired" (read at v3.5.0)', async () => {
    await using later = await startServer({ etcdVersion: '3.5.0' });
    const c = new Client(later.endpoints[0]!);
    try {
      const grant = async (): Promise<string> =>
        (await c.call('etcdserverpb.Lease/LeaseGrant', { TTL: 30 })).ID as string;
      const [holder, waiter] = [await grant(), await grant()];
      const held = await c.call('v3lockpb.Lock/Lock', { name: b('b'), lease: holder });
      const doomed = c.call('v3lockpb.Lock/Lock', { name: b('b'), lease: waiter });
      expect(await settledWithin(doomed, 200)).toBe(false);
      await c.call('etcdserverpb.Lease/LeaseRevoke', { ID: waiter });
      await c.call('v3lockpb.Lock/Unlock', { key: Buffer.from(held.key as string, 'base64') });
      expect(await doomed).toEqual({ code: grpc.status.UNKNOWN, details: 'mutex: session is expired' });
    } finally {
      c.close();
    }
  }, 30_000);

  it('Campaign, Proclaim, Leader, Resign and Observe: hand-over, stale leader keys, missing fields', async () => {
    const [real, sim] = [await electionScript(etcd.endpoint), await electionScript(server.endpoints[0]!)];
    expect(new Normalizer().apply(sim)).toEqual(new Normalizer().apply(real));
    const r = new Normalizer().apply(real) as Record<string, unknown>;
    expect(r.leaderBeforeAny).toEqual({ code: grpc.status.UNKNOWN, details: 'election: no leader' });
    expect(r.proclaimStale).toEqual({ code: grpc.status.UNKNOWN, details: 'election: not leader' });
    expect(r.proclaimNoLeader).toEqual({
      code: grpc.status.UNKNOWN,
      details: '"leader" field must be provided',
    });
    expect(r.rivalWaits).toBe(true);
    expect((r.observed as { kv: { value: string } }[]).map((m) => m.kv.value)).toEqual([
      'a',
      'a2',
      'a3',
      'b',
    ]);
  }, 60_000);

  it('the JSON gateway serves them at etcd 3.4 paths, with the same answers', async () => {
    const script = async (base: string): Promise<unknown[]> => {
      const n = new Normalizer();
      const answers: unknown[] = [];
      const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
        const a = await curl(base, path, JSON.stringify(body));
        const parsed = JSON.parse(a.body) as Record<string, unknown>;
        answers.push({ status: a.status, body: n.apply(parsed) });
        return parsed;
      };
      const lease = (await post('/v3/lease/grant', { TTL: 30 })).ID as string;
      const locked = await post('/v3/lock/lock', { name: btoa('gw'), lease });
      await post('/v3/lock/unlock', { key: locked.key });
      await post('/v3/lock/unlock', {});
      await post('/v3beta/election/campaign', { name: btoa('gw-e'), lease, value: btoa('v') });
      await post('/v3/election/leader', { name: btoa('gw-e') });
      await post('/v3/election/leader', { name: btoa('nobody') });
      await post('/v3/election/proclaim', { value: btoa('x') });
      return answers;
    };
    const [real, sim] = [await script(etcd.endpoint), await script(server.endpoints[0]!)];
    expect(sim).toEqual(real);
    expect((real[1] as { status: number }).status).toBe(200);
    expect((real[3] as { status: number }).status).not.toBe(200);
  }, 60_000);

  it('a waiting Lock or Campaign, and an Observe, let go of their watches when the caller goes away (gRPC and gateway)', async () => {
    await using fresh = await startServer();
    const endpoint = fresh.endpoints[0]!;
    const c = new Client(endpoint);
    try {
      const lease = (await c.call('etcdserverpb.Lease/LeaseGrant', { TTL: 30 })).ID as string;
      const other = (await c.call('etcdserverpb.Lease/LeaseGrant', { TTL: 30 })).ID as string;
      await c.call('v3lockpb.Lock/Lock', { name: b('l'), lease });
      await c.call('v3electionpb.Election/Campaign', { name: b('e'), lease, value: b('v') });
      const waits = [
        c.call('v3lockpb.Lock/Lock', { name: b('l'), lease: other }, 1_500),
        c.call('v3electionpb.Election/Campaign', { name: b('e'), lease: other, value: b('w') }, 1_500),
        curl(endpoint, '/v3/lock/lock', JSON.stringify({ name: btoa('l') }), ['--max-time', '1']),
      ];
      const observer = c.observe('nobody-leads');
      const gatewayObserver = curl(endpoint, '/v3/election/observe', JSON.stringify({ name: btoa('e') }), [
        '--max-time',
        '1',
      ]);
      await new Promise((r) => setTimeout(r, 500));
      // Each waiter watches its predecessor's key; each observer watches the election.
      expect(fresh.stats().watchers).toBe(5);
      await observer.stop();
      await Promise.all([...waits, gatewayObserver]);
      // The waiters that gave up removed their keys: only the holders' remain (the removal follows the
      // cancellation, so poll).
      const keys = async (): Promise<string[]> => {
        const r = await c.call('etcdserverpb.KV/Range', {
          key: b('\0'),
          range_end: b('\0'),
          keys_only: true,
        });
        return (r.kvs as { key: string }[]).map((kv) => Buffer.from(kv.key, 'base64').toString()).sort();
      };
      const held = [`e/${BigInt(lease).toString(16)}`, `l/${BigInt(lease).toString(16)}`];
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        if (fresh.stats().watchers === 0 && JSON.stringify(await keys()) === JSON.stringify(held)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(fresh.stats()).toMatchObject({ watchers: 0, streams: 0 });
      expect(await keys()).toEqual(held);
    } finally {
      c.close();
    }
  }, 30_000);

  it("with auth on: the caller's token decides, and a waiter that gives up leaves its key (etcd cleans up without it)", async () => {
    const script = async (endpoint: string): Promise<unknown> => {
      const ctl = (...args: string[]) =>
        promisify(execFile)('etcdctl', ['--endpoints', endpoint.replace('http://', ''), ...args]);
      for (const args of [
        ['user', 'add', 'root:pw'],
        ['role', 'add', 'root'],
        ['user', 'grant-role', 'root', 'root'],
        ['role', 'add', 'r'],
        ['role', 'grant-permission', 'r', 'readwrite', 'lk/', '--prefix'],
        ['user', 'add', 'u:pw'],
        ['user', 'grant-role', 'u', 'r'],
        ['auth', 'enable'],
      ]) {
        await ctl(...args);
      }
      const c = new Client(endpoint);
      try {
        const token = async (name: string): Promise<string> =>
          (await c.call('etcdserverpb.Auth/Authenticate', { name, password: 'pw' })).token as string;
        const [u, root] = [await token('u'), await token('root')];
        const grant = async (): Promise<string> =>
          (await c.call('etcdserverpb.Lease/LeaseGrant', { TTL: 30 }, 10_000, u)).ID as string;
        const [l1, l2] = [await grant(), await grant()];
        const out: Record<string, unknown> = {};
        out.noToken = await c.call('v3lockpb.Lock/Lock', { name: b('lk/x'), lease: l1 });
        out.allowed = await c.call('v3lockpb.Lock/Lock', { name: b('lk/x'), lease: l1 }, 10_000, u);
        out.denied = await c.call('v3lockpb.Lock/Lock', { name: b('other'), lease: l1 }, 10_000, u);
        out.waiterGivesUp = await c.call('v3lockpb.Lock/Lock', { name: b('lk/x'), lease: l2 }, 400, u);
        const left = await c.call(
          'etcdserverpb.KV/Range',
          { key: b('lk/'), range_end: b('lk0'), keys_only: true },
          10_000,
          root,
        );
        out.keysLeft = { count: left.count, revision: (left.header as { revision: string }).revision };
        out.leaderDenied = await c.call('v3electionpb.Election/Leader', { name: b('other') }, 10_000, u);
        out.campaign = await c.call(
          'v3electionpb.Election/Campaign',
          { name: b('lk/e'), lease: l1, value: b('v') },
          10_000,
          u,
        );
        return new Normalizer().apply(out);
      } finally {
        c.close();
      }
    };
    await using authEtcd = await startEtcd();
    await using authServer = await startServer({ etcdVersion: '3.4.23' });
    const [real, sim] = [await script(authEtcd.endpoint), await script(authServer.endpoints[0]!)];
    expect(sim).toEqual(real);
    expect(real).toMatchObject({
      noToken: { code: grpc.status.UNKNOWN, details: 'etcdserver: user name is empty' },
      denied: { code: grpc.status.UNKNOWN, details: 'etcdserver: permission denied' },
      keysLeft: { count: '2', revision: '3' },
    });
  }, 60_000);
});
