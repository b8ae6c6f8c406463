/**
 * A property test against a model: random puts, deletes, txns, lease grants and revokes, compactions and
 * historical reads, including requests that must fail. After every step the backend must agree with a
 * plain-snapshot model on the outcome, the revision and the state at every kept revision; a failed request
 * must change nothing. The seed is printed on failure; replay with FC_SEED=<seed>.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import type { RequestOp } from '../../src/interface/kv.js';
import type { MemoryBackend } from '../../src/memory-backend/index.js';
import { setup } from './helpers.js';

interface Kv {
  value: string;
  create: number;
  mod: number;
  version: number;
  lease: bigint;
}
type State = Map<string, Kv>;

/** The model: one full snapshot per revision, leases as key sets. */
class Model {
  rev = 1;
  compact = -1;
  snapshots = new Map<number, State>([[1, new Map()]]);
  leases = new Map<bigint, Set<string>>();

  get state(): State {
    return this.snapshots.get(this.rev)!;
  }

  commit(next: State): void {
    this.rev += 1;
    this.snapshots.set(this.rev, next);
  }

  detach(state: State, key: string): void {
    const kv = state.get(key);
    if (kv && kv.lease !== 0n) this.leases.get(kv.lease)?.delete(key);
  }

  put(state: State, key: string, value: string, lease: bigint, rev: number): void {
    const old = state.get(key);
    this.detach(state, key);
    state.set(key, {
      value,
      create: old ? old.create : rev,
      mod: rev,
      version: old ? old.version + 1 : 1,
      lease,
    });
    if (lease !== 0n) this.leases.get(lease)!.add(key);
  }

  del(state: State, start: string, end: string | undefined): number {
    let n = 0;
    for (const key of [...state.keys()].sort()) {
      if (end === undefined ? key !== start : key < start || key >= end) continue;
      this.detach(state, key);
      state.delete(key);
      n++;
    }
    return n;
  }
}

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom('', 'x', 'y', 'z');
const putOp = fc.record({
  kind: fc.constant('put' as const),
  key,
  value,
  lease: fc.constantFrom(0, 0, 0, 1, 2, 9),
});
const delOp = fc.record({
  kind: fc.constant('del' as const),
  key,
  end: fc.option(fc.constantFrom('c', 'e', 'z'), { nil: undefined }),
});
const rangeOp = fc.record({ kind: fc.constant('range' as const), key });
const cmp = fc.record({
  key,
  target: fc.constantFrom('VERSION' as const, 'MOD' as const, 'VALUE' as const),
  result: fc.constantFrom('EQUAL' as const, 'GREATER' as const, 'LESS' as const, 'NOT_EQUAL' as const),
  n: fc.integer({ min: 0, max: 6 }),
  value,
});
const txnOp = fc.record({
  kind: fc.constant('txn' as const),
  compare: fc.array(cmp, { maxLength: 2 }),
  success: fc.array(fc.oneof(putOp, delOp, rangeOp), { maxLength: 3 }),
  failure: fc.array(fc.oneof(putOp, delOp, rangeOp), { maxLength: 3 }),
});
const step = fc.oneof(
  { weight: 4, arbitrary: putOp },
  { weight: 2, arbitrary: delOp },
  { weight: 3, arbitrary: txnOp },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('grant' as const), id: fc.constantFrom(1, 2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), id: fc.constantFrom(1, 2, 9) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.integer({ min: 0, max: 8 }) }),
  },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;
type PutStep = typeof putOp extends fc.Arbitrary<infer T> ? T : never;
type DelStep = typeof delOp extends fc.Arbitrary<infer T> ? T : never;
type RangeStep = typeof rangeOp extends fc.Arbitrary<infer T> ? T : never;
type Simple = PutStep | DelStep | RangeStep;

function toOp(s: Simple): RequestOp {
  if (s.kind === 'put') return { requestPut: { key: s.key, value: s.value, lease: BigInt(s.lease) } };
  if (s.kind === 'del') return { requestDeleteRange: { key: s.key, rangeEnd: s.end } };
  return { requestRange: { key: s.key } };
}

/** The model's outcome of one step: an error class name, or the new revision. */
function applyModel(m: Model, s: Step): string {
  const at = m.rev + 1;
  switch (s.kind) {
    case 'put': {
      if (s.lease !== 0 && !m.leases.has(BigInt(s.lease))) return 'LeaseNotFoundError';
      const next = new Map(m.state);
      m.put(next, s.key, s.value, BigInt(s.lease), at);
      m.commit(next);
      return `rev ${m.rev}`;
    }
    case 'del': {
      const next = new Map(m.state);
      if (m.del(next, s.key, s.end) > 0) m.commit(next);
      return `rev ${m.rev}`;
    }
    case 'txn': {
      for (const branch of [s.success, s.failure]) {
        const puts = new Set<string>();
        for (const op of branch) {
          if (op.kind !== 'put') continue;
          const inDelete = branch.some(
            (d) =>
              d.kind === 'del' &&
              (d.end === undefined ? d.key === op.key : d.key <= op.key && op.key < d.end),
          );
          if (puts.has(op.key) || inDelete) return 'DuplicateKeyError';
          puts.add(op.key);
        }
      }
      const ok = s.compare.every((c) => {
        const kv = m.state.get(c.key);
        if (!kv && c.target === 'VALUE') return false;
        const d =
          c.target === 'VALUE'
            ? (kv?.value ?? '') < c.value
              ? -1
              : (kv?.value ?? '') > c.value
                ? 1
                : 0
            : Math.sign((c.target === 'VERSION' ? (kv?.version ?? 0) : (kv?.mod ?? 0)) - c.n);
        return c.result === 'EQUAL'
          ? d === 0
          : c.result === 'NOT_EQUAL'
            ? d !== 0
            : c.result === 'GREATER'
              ? d > 0
              : d < 0;
      });
      const ops = ok ? s.success : s.failure;
      for (const op of ops)
        if (op.kind === 'put' && op.lease !== 0 && !m.leases.has(BigInt(op.lease)))
          return 'LeaseNotFoundError';
      const next = new Map(m.state);
      let changed = false;
      for (const op of ops) {
        if (op.kind === 'put') {
          m.put(next, op.key, op.value, BigInt(op.lease), at);
          changed = true;
        } else if (op.kind === 'del') {
          if (m.del(next, op.key, op.end) > 0) changed = true;
        }
      }
      if (changed) m.commit(next);
      return `rev ${m.rev}`;
    }
    case 'grant': {
      if (m.leases.has(BigInt(s.id))) return 'LeaseExistsError';
      m.leases.set(BigInt(s.id), new Set());
      return `rev ${m.rev}`;
    }
    case 'revoke': {
      const keys = m.leases.get(BigInt(s.id));
      if (!keys) return 'LeaseNotFoundError';
      const next = new Map(m.state);
      let n = 0;
      for (const k of [...keys]) n += m.del(next, k, undefined);
      m.leases.delete(BigInt(s.id));
      if (n > 0) m.commit(next);
      return `rev ${m.rev}`;
    }
    default: {
      const target = m.rev - s.back;
      if (target <= m.compact) return 'CompactedError';
      for (const r of m.snapshots.keys()) if (r < target) m.snapshots.delete(r);
      m.compact = target;
      return `rev ${m.rev}`;
    }
  }
}

async function applyBackend(b: MemoryBackend, s: Step): Promise<string> {
  try {
    let revision: number;
    switch (s.kind) {
      case 'put':
      case 'del': {
        revision =
          s.kind === 'put'
            ? (await b.put({ key: s.key, value: s.value, lease: BigInt(s.lease) })).header.revision
            : (await b.deleteRange({ key: s.key, rangeEnd: s.end })).header.revision;
        break;
      }
      case 'txn': {
        const compare = s.compare.map((c) =>
          c.target === 'VALUE'
            ? { key: c.key, target: c.target, result: c.result, value: c.value }
            : c.target === 'VERSION'
              ? { key: c.key, target: c.target, result: c.result, version: c.n }
              : { key: c.key, target: c.target, result: c.result, modRevision: c.n },
        );
        revision = (await b.txn({ compare, success: s.success.map(toOp), failure: s.failure.map(toOp) }))
          .header.revision;
        break;
      }
      case 'grant':
        revision = (await b.leaseGrant({ ttl: 1000, id: BigInt(s.id) })).header.revision;
        break;
      case 'revoke':
        revision = (await b.leaseRevoke({ id: BigInt(s.id) })).header.revision;
        break;
      default: {
        const r = (await b.status()).header.revision;
        revision = (await b.compact({ revision: r - s.back })).header.revision;
      }
    }
    return `rev ${revision}`;
  } catch (error) {
    return (error as Error).name;
  }
}

async function stateAt(b: MemoryBackend, revision: number): Promise<string> {
  const got = await b.range({ key: '\0', rangeEnd: '\0', revision });
  return JSON.stringify(
    got.kvs.map((kv) => [
      toText(kv.key),
      toText(kv.value),
      kv.createRevision,
      kv.modRevision,
      kv.version,
      String(kv.lease),
    ]),
  );
}

function modelAt(m: Model, revision: number): string {
  const state = m.snapshots.get(revision)!;
  return JSON.stringify(
    [...state.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, kv]) => [k, kv.value, kv.create, kv.mod, kv.version, String(kv.lease)]),
  );
}

describe('memory backend against a model', () => {
  it('agrees on outcomes, revisions and every kept revision after random steps', async () => {
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
    console.log(`model property test seed: ${seed} (replay with FC_SEED=${seed})`);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), async (steps) => {
        const { backend } = setup();
        const m = new Model();
        try {
          for (const s of steps) {
            const expected = applyModel(m, s);
            expect(await applyBackend(backend, s), JSON.stringify(s)).toBe(expected);
            const low = Math.max(1, m.compact);
            for (let r = low; r <= m.rev; r++) expect(await stateAt(backend, r)).toBe(modelAt(m, r));
          }
        } finally {
          await backend.close();
        }
      }),
      { seed, numRuns: 150 },
    );
  }, 120_000);
});
