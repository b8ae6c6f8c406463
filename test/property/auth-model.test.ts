/**
 * Auth property test: random roles (READ, WRITE, READWRITE on keys, prefixes, from-key and explicit
 * ranges), random users holding some of them (or root), then random requests — range, put, delete (with
 * and without prev_kv), txns with compares and nested txns in both branches, and watch creates. A small
 * model decides allowed or denied (a request interval must be covered by the union of the user's
 * intervals of that type, computed on elementary intervals, not as the backends do it), and the memory
 * store, the simulator server and a real etcd must each agree with it. Requests that would exploit a
 * 3.4 hole (nested txns, a txn put's prev_kv, a from-key watch) are not sent to the real etcd.
 *
 * The seed is printed; replay with PROPERTY_SEED=<seed> (PROPERTY_RUNS scales the number of runs).
 */

import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefixEnd, ZERO_KEY } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import {
  type AuthBackend,
  DuplicateKeyError,
  type KvBackend,
  PermissionDeniedError,
  type PermissionType,
  type RequestOp,
  type TxnRequest,
  type WatchResponse,
} from '../../src/interface/index.js';
import { MemoryStore } from '../../src/memory-backend/index.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { Recorder } from '../../src/testing/suite/helpers.js';
import { runs, timeout } from './harness/budget.js';

type Client = KvBackend & AuthBackend;

// ---- generated scenario ----

const KEYS = ['a', 'ab', 'b', 'ba', 'c', 'd'] as const;
type Key = (typeof KEYS)[number];
/** How an interval ends: one key, a prefix, from key on, or up to another key. */
type Bound = { kind: 'point' } | { kind: 'prefix' } | { kind: 'from' } | { kind: 'to'; end: Key };
interface Perm {
  type: PermissionType;
  key: Key;
  bound: Bound;
}
interface Compare {
  key: Key;
  bound: Bound;
}
type Op =
  | { op: 'range'; key: Key; bound: Bound }
  | { op: 'put'; key: Key; prevKv: boolean }
  | { op: 'delete'; key: Key; bound: Bound; prevKv: boolean }
  | { op: 'txn'; compare: Compare[]; success: Op[]; failure: Op[] };
type Request = Op | { op: 'watch'; key: Key; bound: Bound };
interface Scenario {
  roles: Perm[][];
  /** Per user: the roles it holds (indexes), or root. */
  users: (number[] | 'root')[];
  requests: { user: number; request: Request }[];
}

const key = fc.constantFrom(...KEYS);
function boundFor(k: Key): fc.Arbitrary<Bound> {
  const later = KEYS.filter((x) => x > k);
  const options: fc.Arbitrary<Bound>[] = [
    fc.constant({ kind: 'point' } as const),
    fc.constant({ kind: 'prefix' } as const),
    fc.constant({ kind: 'from' } as const),
  ];
  if (later.length > 0) options.push(fc.constantFrom(...later).map((end) => ({ kind: 'to', end }) as const));
  return fc.oneof(...options);
}
const keyed = <T>(f: (k: Key, b: Bound) => T): fc.Arbitrary<T> =>
  key.chain((k) => boundFor(k).map((b) => f(k, b)));
const perm: fc.Arbitrary<Perm> = fc
  .tuple(
    fc.constantFrom<PermissionType>('READ', 'WRITE', 'READWRITE'),
    keyed((k, b) => ({ k, b })),
  )
  .map(([type, { k, b }]) => ({ type, key: k, bound: b }));

const { op: opArb } = fc.letrec<{ op: Op }>((tie) => ({
  op: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    keyed((k, b) => ({ op: 'range', key: k, bound: b }) as Op),
    fc.tuple(key, fc.boolean()).map(([k, prevKv]) => ({ op: 'put', key: k, prevKv }) as Op),
    fc
      .tuple(
        keyed((k, b) => ({ k, b })),
        fc.boolean(),
      )
      .map(([{ k, b }, prevKv]) => ({ op: 'delete', key: k, bound: b, prevKv }) as Op),
    fc
      .record({
        compare: fc.array(
          keyed((k, b) => ({ key: k, bound: b })),
          { maxLength: 2 },
        ),
        success: fc.array(tie('op'), { maxLength: 2 }),
        failure: fc.array(tie('op'), { maxLength: 2 }),
      })
      .map((t) => ({ op: 'txn', ...t }) as Op),
  ),
}));
const request: fc.Arbitrary<Request> = fc.oneof(
  { weight: 5, arbitrary: opArb },
  { weight: 1, arbitrary: keyed((k, b) => ({ op: 'watch', key: k, bound: b }) as Request) },
);
const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    roles: fc.array(fc.array(perm, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
    users: fc.array(
      fc.oneof(
        { weight: 6, arbitrary: fc.array(fc.nat(2), { minLength: 1, maxLength: 3 }) },
        { weight: 1, arbitrary: fc.constant('root' as const) },
      ),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
  })
  .chain((s) =>
    fc
      .array(fc.record({ user: fc.nat(s.users.length - 1), request }), { minLength: 5, maxLength: 25 })
      .map((requests) => ({
        ...s,
        users: s.users.map((u) => (u === 'root' ? u : [...new Set(u.filter((i) => i < s.roles.length))])),
        requests,
      })),
  );

// ---- the model ----

/** An interval of storage strings; `end` undefined: no upper end. */
interface Interval {
  begin: string;
  end: string | undefined;
}

function intervalOf(p: string, k: Key, b: Bound): Interval {
  const begin = p + k;
  switch (b.kind) {
    case 'point':
      return { begin, end: `${begin}\0` };
    case 'prefix':
      return { begin, end: Buffer.from(prefixEnd(begin)).toString('latin1') };
    case 'from':
      return { begin, end: undefined };
    case 'to':
      return { begin, end: p + b.end };
  }
}

const below = (a: string, b: string | undefined): boolean => b === undefined || a < b;
const atMost = (a: string | undefined, b: string | undefined): boolean =>
  b === undefined || (a !== undefined && a <= b);

/** True when the union of `held` covers `want`: every elementary piece of `want` lies in some interval. */
function covered(held: Interval[], want: Interval): boolean {
  const cuts = new Set<string>([want.begin]);
  for (const iv of held) {
    if (below(iv.begin, want.end) && iv.begin > want.begin) cuts.add(iv.begin);
    if (iv.end !== undefined && below(iv.end, want.end) && iv.end > want.begin) cuts.add(iv.end);
  }
  const points = [...cuts].sort();
  return points.every((start, i) => {
    const end = points[i + 1] ?? want.end;
    return held.some((iv) => iv.begin <= start && atMost(end, iv.end));
  });
}

interface Rights {
  root: boolean;
  read: Interval[];
  write: Interval[];
}

function rightsOf(p: string, s: Scenario, user: number): Rights {
  const u = s.users[user]!;
  if (u === 'root') return { root: true, read: [], write: [] };
  const read: Interval[] = [];
  const write: Interval[] = [];
  for (const r of u) {
    // etcd's RoleGrantPermission looks only at the first permission with the grant's key (in key order):
    // the same range end there replaces its type; anything else is added beside it.
    const granted: Perm[] = [];
    for (const q of s.roles[r]!) {
      const first = granted.find((g) => g.key >= q.key);
      const same = first !== undefined && first.key === q.key;
      if (same && endText(p, first.key, first.bound) === endText(p, q.key, q.bound)) {
        granted[granted.indexOf(first)] = q;
      } else {
        granted.push(q);
        granted.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      }
    }
    for (const q of granted) {
      const iv = intervalOf(p, q.key, q.bound);
      if (q.type !== 'WRITE') read.push(iv);
      if (q.type !== 'READ') write.push(iv);
    }
  }
  return { root: false, read, write };
}

/** The model's decision. A single-key request needs its key inside one interval; a range, coverage. */
function allowed(p: string, rights: Rights, r: Request): boolean {
  if (rights.root) return true;
  const may = (held: Interval[], k: Key, b: Bound) =>
    b.kind === 'point'
      ? held.some((iv) => iv.begin <= p + k && below(p + k, iv.end))
      : covered(held, intervalOf(p, k, b));
  const point = { kind: 'point' } as const;
  switch (r.op) {
    case 'range':
    case 'watch':
      return may(rights.read, r.key, r.bound);
    case 'put':
      return may(rights.write, r.key, point) && (!r.prevKv || may(rights.read, r.key, point));
    case 'delete':
      return may(rights.write, r.key, r.bound) && (!r.prevKv || may(rights.read, r.key, r.bound));
    case 'txn':
      return (
        r.compare.every((c) => may(rights.read, c.key, c.bound)) &&
        [...r.success, ...r.failure].every((op) => allowed(p, rights, op))
      );
  }
}

// ---- requests on a backend ----

/** The range end a bound sends, as text (to tell two grants of the same interval apart). */
function endText(p: string, k: Key, b: Bound): string {
  const end = rangeEnd(p, k, b);
  return end === undefined ? '' : typeof end === 'string' ? end : Buffer.from(end).toString('latin1');
}

function rangeEnd(p: string, k: Key, b: Bound): string | Uint8Array | undefined {
  switch (b.kind) {
    case 'point':
      return undefined;
    case 'prefix':
      return prefixEnd(p + k);
    case 'from':
      return ZERO_KEY;
    case 'to':
      return p + b.end;
  }
}

function opOf(p: string, op: Op): RequestOp {
  switch (op.op) {
    case 'range':
      return { requestRange: { key: p + op.key, rangeEnd: rangeEnd(p, op.key, op.bound) } };
    case 'put':
      return { requestPut: { key: p + op.key, value: 'v', prevKv: op.prevKv } };
    case 'delete':
      return {
        requestDeleteRange: { key: p + op.key, rangeEnd: rangeEnd(p, op.key, op.bound), prevKv: op.prevKv },
      };
    case 'txn':
      return { requestTxn: txnOf(p, op) };
  }
}

function txnOf(p: string, t: Extract<Op, { op: 'txn' }>): TxnRequest {
  return {
    compare: t.compare.map((c) => ({
      key: p + c.key,
      rangeEnd: rangeEnd(p, c.key, c.bound),
      target: 'VERSION',
      result: 'GREATER',
      version: 0,
    })),
    success: t.success.map((op) => opOf(p, op)),
    failure: t.failure.map((op) => opOf(p, op)),
  };
}

/** True when `r` holds what 3.4.23 fails to check (never sent to it). */
function exploits34(r: Request | Op): boolean {
  if (r.op === 'watch') return r.bound.kind === 'from';
  if (r.op !== 'txn') return false;
  return [...r.success, ...r.failure].some((op) => op.op === 'txn' || (op.op === 'put' && op.prevKv));
}

type Outcome = 'allowed' | 'denied' | 'duplicate';

async function outcomeOf(client: Client, p: string, r: Request): Promise<Outcome> {
  if (r.op === 'watch') {
    const stream = client.watchStream();
    const recorder = new Recorder<WatchResponse>(stream);
    try {
      stream.create({ key: p + r.key, rangeEnd: rangeEnd(p, r.key, r.bound) });
      const reply = await recorder.next();
      if (!reply.canceled) return 'allowed';
      expect(reply.cancelReason).toBe(
        'rpc error: code = PermissionDenied desc = etcdserver: permission denied',
      );
      return 'denied';
    } finally {
      stream.close();
    }
  }
  try {
    if (r.op === 'txn') await client.txn(txnOf(p, r));
    else {
      const op = opOf(p, r);
      if ('requestRange' in op) await client.range(op.requestRange);
      else if ('requestPut' in op) await client.put(op.requestPut);
      else if ('requestDeleteRange' in op) await client.deleteRange(op.requestDeleteRange);
    }
    return 'allowed';
  } catch (error) {
    if (error instanceof PermissionDeniedError) return 'denied';
    if (error instanceof DuplicateKeyError) return 'duplicate';
    throw error;
  }
}

// ---- one target ----

interface Target {
  readonly name: string;
  readonly etcd34: boolean;
  /** A client as root, and a client per credentials, for one run (`prefix` names its users and roles). */
  open(): Promise<{ root: Client; connect(user: string, password: string): Client; close(): Promise<void> }>;
}

async function setUpScenario(root: Client, p: string, s: Scenario): Promise<void> {
  for (const [i, perms] of s.roles.entries()) {
    await root.roleAdd({ name: `${p}r${i}` });
    for (const q of perms) {
      await root.roleGrantPermission({
        name: `${p}r${i}`,
        perm: { permType: q.type, key: p + q.key, rangeEnd: rangeEnd(p, q.key, q.bound) },
      });
    }
  }
  for (const [i, u] of s.users.entries()) {
    await root.userAdd({ name: `${p}u${i}`, password: 'pw' });
    for (const role of u === 'root' ? ['root'] : u.map((r) => `${p}r${r}`)) {
      await root.userGrantRole({ user: `${p}u${i}`, role });
    }
  }
}

async function enableAuth(setup: Client): Promise<void> {
  await setup.userAdd({ name: 'root', password: 'root' });
  await setup.userGrantRole({ user: 'root', role: 'root' });
  await setup.authEnable();
}

let etcd: EtcdServer;
let server: RunningServer;
const ROOT = { username: 'root', password: 'root' };

const targets: Target[] = [
  {
    name: 'memory',
    etcd34: false,
    async open() {
      const store = new MemoryStore({ bcryptCost: 4 });
      await enableAuth(store.connect());
      return {
        root: store.connect({ auth: ROOT }),
        connect: (username, password) => store.connect({ auth: { username, password } }),
        close: () => store.close(),
      };
    },
  },
  ...(['server', 'etcd'] as const).map(
    (name): Target => ({
      name,
      etcd34: name === 'etcd',
      async open() {
        const endpoints = name === 'etcd' ? [etcd.endpoint] : server.endpoints;
        const clients: Client[] = [];
        const make = (auth: { username: string; password: string }) => {
          const c = new EtcdBackend({ endpoints, auth });
          clients.push(c);
          return c;
        };
        return {
          root: make(ROOT),
          connect: (username, password) => make({ username, password }),
          close: async () => {
            for (const c of clients) await c.close();
          },
        };
      },
    }),
  ),
];

describe('auth: random roles, users and requests; every backend agrees with the model', () => {
  beforeAll(async () => {
    etcd = await startEtcd({ extraArgs: ['--bcrypt-cost', '4'] });
    server = await startServer({ bcryptCost: 4 });
    for (const endpoints of [[etcd.endpoint], server.endpoints]) {
      await using setup = new EtcdBackend({ endpoints });
      await enableAuth(setup);
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await etcd?.stop();
  });

  it(
    'allowed or denied as the model says, on memory, the simulator and etcd',
    async () => {
      const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : Date.now() % 2 ** 31;
      console.log(`auth model property seed: ${seed} (replay with PROPERTY_SEED=${seed})`);
      const counts = { runs: 0, requests: 0, denied: 0, notSentTo34: 0 };
      let run = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const p = `auth-prop/${seed}-${++run}/`;
          counts.runs++;
          for (const target of targets) {
            const env = await target.open();
            try {
              await setUpScenario(env.root, p, s);
              const clients = s.users.map((_, i) => env.connect(`${p}u${i}`, 'pw'));
              for (const [i, { user, request: r }] of s.requests.entries()) {
                if (target.etcd34 && exploits34(r)) {
                  counts.notSentTo34++;
                  continue;
                }
                const actual = await outcomeOf(clients[user]!, p, r);
                if (actual === 'duplicate') continue; // refused by validation, before any permission check
                const expected = allowed(p, rightsOf(p, s, user), r) ? 'allowed' : 'denied';
                if (target.name === 'memory') {
                  counts.requests++;
                  if (expected === 'denied') counts.denied++;
                }
                expect(actual, `[${target.name}] request ${i} by user ${user}: ${JSON.stringify(r)}`).toBe(
                  expected,
                );
              }
            } finally {
              await env.close();
            }
          }
        }),
        { seed, numRuns: runs(30), verbose: 1 },
      );
      console.log(
        `auth model: ${counts.runs} runs, ${counts.requests} requests per backend (${counts.denied} denied), ${counts.notSentTo34} not sent to etcd 3.4`,
      );
    },
    timeout(120_000),
  );
});
