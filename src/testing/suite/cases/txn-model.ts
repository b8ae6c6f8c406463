/**
 * Txns checked against a model: random compares (every target and result, single keys and ranges,
 * missing keys), random branches with puts, deletes, ranges and one level of nested txns, on both
 * backends. Compares (nested too) see the pre-txn state; ranges read the txn's own writes. Seeded with
 * fast-check; replay with CONFORMANCE_SEED.
 */

import fc from 'fast-check';
import { toText } from '../../../common/bytes.js';
import type {
  Compare,
  CompareResult,
  CompareTarget,
  RequestOp,
  ResponseOp,
  TxnResponse,
} from '../../../interface/kv.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision } from '../helpers.js';
import type { ModelKv } from '../history-model.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const VALUES = ['', 'x', 'yy', 'z1'];

interface CmpSpec {
  key: string;
  end: string | undefined;
  target: CompareTarget;
  result: CompareResult;
  /** Operand: a small number (revisions are made relative to the baseline) or a value. */
  n: number;
  value: string;
}
type OpSpec =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'delete'; key: string }
  | { kind: 'range'; key: string; end: string | undefined }
  | { kind: 'txn'; txn: TxnSpec };
interface TxnSpec {
  compare: CmpSpec[];
  success: OpSpec[];
  failure: OpSpec[];
}

const cmpArb: fc.Arbitrary<CmpSpec> = fc.record({
  key: fc.constantFrom(...KEYS),
  end: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constant('f'), weight: 1 }),
  target: fc.constantFrom<CompareTarget>('VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'),
  result: fc.constantFrom<CompareResult>('EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL'),
  n: fc.integer({ min: -1, max: 8 }),
  value: fc.constantFrom(...VALUES),
});

/** Branch ops whose writes touch distinct keys (no duplicate-key errors): keys are drawn without repeats. */
function branchArb(depth: number): fc.Arbitrary<OpSpec[]> {
  const write = (key: string): fc.Arbitrary<OpSpec> =>
    fc.oneof(
      {
        arbitrary: fc.constantFrom(...VALUES).map((value): OpSpec => ({ kind: 'put', key, value })),
        weight: 3,
      },
      { arbitrary: fc.constant<OpSpec>({ kind: 'delete', key }), weight: 1 },
    );
  const read: fc.Arbitrary<OpSpec> = fc.record({
    kind: fc.constant('range' as const),
    key: fc.constantFrom(...KEYS),
    end: fc.constantFrom(undefined, 'f'),
  });
  return fc
    .uniqueArray(fc.constantFrom(...KEYS), { maxLength: 3 })
    .chain((keys) => {
      const writes = keys.map((key, i) =>
        depth > 0 && i === 0
          ? // The first write key may instead go to a nested txn (its then and else may both write it).
            fc.oneof(write(key), nestedArb(key))
          : write(key),
      );
      return fc.tuple(fc.tuple(...writes), fc.array(read, { maxLength: 2 }));
    })
    .chain(([writes, reads]) => {
      const ops = [...writes, ...reads];
      // Any interleaving of writes and reads.
      return fc.shuffledSubarray(ops, { minLength: ops.length, maxLength: ops.length });
    });
}

function nestedArb(key: string): fc.Arbitrary<OpSpec> {
  const branch = fc
    .array(
      fc.oneof(
        fc.constantFrom(...VALUES).map((value): OpSpec => ({ kind: 'put', key, value })),
        fc.record({
          kind: fc.constant('range' as const),
          key: fc.constantFrom(...KEYS),
          end: fc.constantFrom(undefined, 'f'),
        }),
      ),
      { maxLength: 2 },
    )
    .map((ops) => {
      // At most one put of `key` per branch.
      const firstPut = ops.findIndex((op) => op.kind === 'put');
      return ops.filter((op, i) => op.kind !== 'put' || i === firstPut);
    });
  return fc
    .record({ compare: fc.array(cmpArb, { maxLength: 2 }), success: branch, failure: branch })
    .map((txn): OpSpec => ({ kind: 'txn', txn }));
}

const txnArb: fc.Arbitrary<TxnSpec> = fc.record({
  compare: fc.array(cmpArb, { maxLength: 3 }),
  success: branchArb(1),
  failure: branchArb(1),
});

type State = Map<string, ModelKv & { lease: bigint }>;

const inRange = (key: string, start: string, end: string | undefined) =>
  end === undefined ? key === start : key >= start && key < end;

/** Numeric operand for a compare: revisions relative to the baseline, versions as drawn. */
function operand(c: CmpSpec, r0: number): number {
  return c.target === 'CREATE' || c.target === 'MOD' ? (c.n <= 0 ? c.n : r0 + c.n) : c.n;
}

function holds(result: CompareResult, sign: number): boolean {
  return result === 'EQUAL'
    ? sign === 0
    : result === 'GREATER'
      ? sign > 0
      : result === 'LESS'
        ? sign < 0
        : sign !== 0;
}

function evalCompare(c: CmpSpec, state: State, base: (s: string) => string, r0: number): boolean {
  const start = base(c.key);
  const end = c.end === undefined ? undefined : base(c.end);
  const kvs = [...state.entries()].filter(([key]) => inRange(key, start, end));
  if (kvs.length === 0) {
    if (c.target === 'VALUE') return false;
    return holds(c.result, Math.sign(0 - operand(c, r0)));
  }
  return kvs.every(([, kv]) => {
    if (c.target === 'VALUE') return holds(c.result, kv.value < c.value ? -1 : kv.value > c.value ? 1 : 0);
    const actual =
      c.target === 'VERSION'
        ? kv.version
        : c.target === 'CREATE'
          ? kv.createRevision
          : c.target === 'MOD'
            ? kv.modRevision
            : Number(kv.lease);
    return holds(c.result, Math.sign(actual - operand(c, r0)));
  });
}

/** Run `spec` on the model; returns the expected response summary and whether anything changed. */
function runModel(
  spec: TxnSpec,
  pre: State,
  state: State,
  rev: number,
  base: (s: string) => string,
  r0: number,
) {
  let changed = false;
  const exec = (t: TxnSpec): unknown => {
    const succeeded = t.compare.every((c) => evalCompare(c, pre, base, r0));
    const responses = (succeeded ? t.success : t.failure).map((op): unknown => {
      if (op.kind === 'put') {
        const cur = state.get(base(op.key));
        state.set(base(op.key), {
          value: op.value,
          createRevision: cur ? cur.createRevision : rev,
          modRevision: rev,
          version: cur ? cur.version + 1 : 1,
          lease: 0n,
        });
        changed = true;
        return ['put'];
      }
      if (op.kind === 'delete') {
        const had = state.delete(base(op.key));
        if (had) changed = true;
        return ['delete', had ? 1 : 0];
      }
      if (op.kind === 'range') {
        const end = op.end === undefined ? undefined : base(op.end);
        const rows = [...state.entries()]
          .filter(([key]) => inRange(key, base(op.key), end))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, kv]) => [key, kv.value, kv.createRevision, kv.modRevision, kv.version]);
        return ['range', rows];
      }
      return exec(op.txn);
    });
    return ['txn', succeeded, responses];
  };
  const summary = exec(spec);
  return { summary, changed };
}

/** The same summary built from a backend's TxnResponse. */
function summarize(t: TxnResponse): unknown {
  return [
    'txn',
    t.succeeded,
    t.responses.map((op: ResponseOp): unknown => {
      if ('responsePut' in op) return ['put'];
      if ('responseDeleteRange' in op) return ['delete', op.responseDeleteRange.deleted];
      if ('responseRange' in op) {
        return [
          'range',
          op.responseRange.kvs.map((kv) => [
            toText(kv.key),
            toText(kv.value),
            kv.createRevision,
            kv.modRevision,
            kv.version,
          ]),
        ];
      }
      return summarize(op.responseTxn);
    }),
  ];
}

function toRequest(t: TxnSpec, base: (s: string) => string, r0: number) {
  const compare = t.compare.map((c): Compare => {
    const head = {
      key: base(c.key),
      result: c.result,
      ...(c.end === undefined ? {} : { rangeEnd: base(c.end) }),
    };
    switch (c.target) {
      case 'VALUE':
        return { ...head, target: 'VALUE', value: c.value };
      case 'LEASE':
        return { ...head, target: 'LEASE', lease: BigInt(c.n) };
      case 'VERSION':
        return { ...head, target: 'VERSION', version: c.n };
      case 'CREATE':
        return { ...head, target: 'CREATE', createRevision: operand(c, r0) };
      default:
        return { ...head, target: 'MOD', modRevision: operand(c, r0) };
    }
  });
  const op = (o: OpSpec): RequestOp =>
    o.kind === 'put'
      ? { requestPut: { key: base(o.key), value: o.value } }
      : o.kind === 'delete'
        ? { requestDeleteRange: { key: base(o.key) } }
        : o.kind === 'range'
          ? { requestRange: { key: base(o.key), ...(o.end === undefined ? {} : { rangeEnd: base(o.end) }) } }
          : { requestTxn: toRequest(o.txn, base, r0) };
  return { compare, success: t.success.map(op), failure: t.failure.map(op) };
}

async function oneRun(
  ctx: CaseContext,
  seedPuts: [string, string][],
  txns: TxnSpec[],
  run: number,
): Promise<void> {
  const base = (s: string) => ctx.k(`t${run}/${s}`);
  const r0 = await currentRevision(ctx.backend);
  let rev = r0;
  let state: State = new Map();
  for (const [key, value] of seedPuts) {
    rev = (await ctx.backend.put({ key: base(key), value })).header.revision;
    const cur = state.get(base(key));
    state.set(base(key), {
      value,
      createRevision: cur ? cur.createRevision : rev,
      modRevision: rev,
      version: cur ? cur.version + 1 : 1,
      lease: 0n,
    });
  }
  for (const spec of txns) {
    const request = toRequest(spec, base, r0);
    const next: State = new Map(state);
    const { summary, changed } = runModel(spec, state, next, rev + 1, base, r0);
    const label = JSON.stringify(request, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
    const got = await ctx.backend.txn(request);
    expect(summarize(got), label).toEqual(summary);
    if (changed) rev += 1;
    expect(got.header.revision, label).toBe(rev);
    state = next;
  }
  const all = await ctx.backend.range({ key: base(''), rangeEnd: base('~') });
  expect(
    all.kvs.map((kv) => [toText(kv.key), toText(kv.value), kv.createRevision, kv.modRevision, kv.version]),
  ).toEqual(
    [...state.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, kv]) => [key, kv.value, kv.createRevision, kv.modRevision, kv.version]),
  );
}

export default defineCases('txn model', [
  {
    name: 'random txns (compares, branches, nested txns, reads of own writes) match the model',
    timeoutMs: 120_000,
    async run(ctx) {
      const seedText = process.env.CONFORMANCE_SEED;
      const seed = seedText ? Number(seedText) : Date.now() % 2 ** 31;
      const numRuns = ctx.target === 'etcd' ? 10 : 60;
      let run = 0;
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES)), { maxLength: 6 }),
            fc.array(txnArb, { minLength: 1, maxLength: 8 }),
            (seedPuts, txns) => oneRun(ctx, seedPuts, txns, ++run),
          ),
          { seed, numRuns, endOnFailure: ctx.target === 'etcd' },
        );
      } catch (error) {
        throw new Error(
          `txn model failed; replay with CONFORMANCE_SEED=${seed}\n${String(error)}\ncause: ${String((error as Error).cause)}`,
          { cause: error },
        );
      }
    },
  },
]);
