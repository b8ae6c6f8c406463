/**
 * Ranges checked against a model: random writes and random range queries (every option combined:
 * intervals, limits, sort orders and targets, filters, historical revisions, keysOnly, countOnly), on
 * both backends. Seeded with fast-check; replay with CONFORMANCE_SEED.
 */

import fc from 'fast-check';
import { toText } from '../../../common/bytes.js';
import type { KeyValue, RangeRequest, SortOrder, SortTarget } from '../../../interface/kv.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { expect } from '../expect.js';
import { currentRevision } from '../helpers.js';
import { KeyspaceModel, type ModelKv, type ModelOp } from '../history-model.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const VALUES = ['', 'x', 'yy', 'z1', 'v'];

/** The writes this case makes. */
type WriteOp = Extract<ModelOp, { kind: 'put' }> | { kind: 'delete'; key: string };

const writeArb: fc.Arbitrary<WriteOp> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      key: fc.constantFrom(...KEYS),
      value: fc.constantFrom(...VALUES),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
    weight: 1,
  },
);

/** A query, with revisions relative to the run's baseline. */
interface Query {
  key: string;
  end: string | undefined;
  limit: number;
  sortOrder: SortOrder | undefined;
  sortTarget: SortTarget | undefined;
  revisionOffset: number | undefined;
  minMod: number | undefined;
  maxMod: number | undefined;
  minCreate: number | undefined;
  maxCreate: number | undefined;
  keysOnly: boolean;
  countOnly: boolean;
}

/** A revision offset from the baseline, present in about one query in `1 + absentWeight`. */
const sometimes = (absentWeight: number): fc.Arbitrary<number | undefined> =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: absentWeight },
    { arbitrary: fc.integer({ min: 1, max: 12 }), weight: 1 },
  );
const queryArb: fc.Arbitrary<Query> = fc.record({
  key: fc.constantFrom(...KEYS),
  // Mostly real intervals (to "f" = everything after the key, or to another key), some single keys.
  end: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.constant('f'), weight: 2 },
    { arbitrary: fc.constantFrom(...KEYS), weight: 2 },
  ),
  limit: fc.oneof(
    { arbitrary: fc.constant(0), weight: 2 },
    { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 2 },
  ),
  sortOrder: fc.constantFrom(undefined, 'NONE', 'ASCEND', 'DESCEND'),
  sortTarget: fc.constantFrom(undefined, 'KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE'),
  revisionOffset: sometimes(2),
  minMod: sometimes(5),
  maxMod: sometimes(5),
  minCreate: sometimes(5),
  maxCreate: sometimes(5),
  keysOnly: fc.boolean(),
  countOnly: fc.oneof(
    { arbitrary: fc.constant(false), weight: 4 },
    { arbitrary: fc.constant(true), weight: 1 },
  ),
});

const targetOf = (target: SortTarget, key: string, kv: ModelKv): string | number =>
  target === 'KEY'
    ? key
    : target === 'VALUE'
      ? kv.value
      : target === 'VERSION'
        ? kv.version
        : target === 'CREATE'
          ? kv.createRevision
          : kv.modRevision;

const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** What the range must answer, per semantics §2. */
function modelRange(
  model: KeyspaceModel,
  q: Query,
  base: (s: string) => string,
  r0: number,
  revision: number,
) {
  const start = base(q.key);
  const end = q.end === undefined ? undefined : base(q.end);
  const rows = model
    .stateAt(revision)
    .filter(([key]) => (end === undefined ? key === start : key >= start && key < end));
  const count = rows.length;
  const rel = (o: number | undefined) => (o === undefined ? 0 : r0 + o);
  const anyFilter = Boolean(rel(q.minMod) || rel(q.maxMod) || rel(q.minCreate) || rel(q.maxCreate));
  // etcd reads only the first limit + 1 keys (key order) when no order is requested and no filter is on,
  // then sorts those: a non-KEY target with order NONE does not sort the whole range.
  const noOrder = q.sortOrder === undefined || q.sortOrder === 'NONE';
  const read = !anyFilter && noOrder && q.limit > 0 ? rows.slice(0, q.limit + 1) : rows;
  const filtered = read.filter(
    ([, kv]) =>
      !(rel(q.minMod) && kv.modRevision < rel(q.minMod)) &&
      !(rel(q.maxMod) && kv.modRevision > rel(q.maxMod)) &&
      !(rel(q.minCreate) && kv.createRevision < rel(q.minCreate)) &&
      !(rel(q.maxCreate) && kv.createRevision > rel(q.maxCreate)),
  );
  const target = q.sortTarget ?? 'KEY';
  const order = q.sortOrder === undefined || q.sortOrder === 'NONE' ? 'ASCEND' : q.sortOrder;
  const sorted = [...filtered].sort(([ka, a], [kb, b]) =>
    cmp(targetOf(target, ka, a), targetOf(target, kb, b)),
  );
  if (order === 'DESCEND') sorted.reverse();
  if (q.countOnly) return { count, more: false, rows: [] as [string, ModelKv][], filtered, target };
  const more = q.limit > 0 && sorted.length > q.limit;
  return { count, more, rows: more ? sorted.slice(0, q.limit) : sorted, filtered, target };
}

const kvTuple = (kv: KeyValue) => [toText(kv.key), kv.createRevision, kv.modRevision, kv.version] as const;

async function oneRun(ctx: CaseContext, steps: [WriteOp, Query[]][], run: number): Promise<void> {
  const base = (s: string) => ctx.k(`r${run}/${s}`);
  const r0 = await currentRevision(ctx.backend);
  const model = new KeyspaceModel(r0);
  for (const [op, queries] of steps) {
    const got =
      op.kind === 'put'
        ? (await ctx.backend.put({ key: base(op.key), value: op.value })).header.revision
        : (await ctx.backend.deleteRange({ key: base(op.key) })).header.revision;
    const prefixedOp: ModelOp =
      op.kind === 'put' ? { ...op, key: base(op.key) } : { kind: 'delete', key: base(op.key) };
    expect(got).toBe(model.apply(prefixedOp));
    for (const q of queries) {
      const revision =
        q.revisionOffset !== undefined && r0 + q.revisionOffset <= model.revision ? r0 + q.revisionOffset : 0;
      const request: RangeRequest = {
        key: base(q.key),
        ...(q.end === undefined ? {} : { rangeEnd: base(q.end) }),
        limit: q.limit,
        ...(q.sortOrder === undefined ? {} : { sortOrder: q.sortOrder }),
        ...(q.sortTarget === undefined ? {} : { sortTarget: q.sortTarget }),
        revision,
        minModRevision: q.minMod === undefined ? 0 : r0 + q.minMod,
        maxModRevision: q.maxMod === undefined ? 0 : r0 + q.maxMod,
        minCreateRevision: q.minCreate === undefined ? 0 : r0 + q.minCreate,
        maxCreateRevision: q.maxCreate === undefined ? 0 : r0 + q.maxCreate,
        keysOnly: q.keysOnly,
        countOnly: q.countOnly,
      };
      const label = JSON.stringify(request);
      const answer = await ctx.backend.range(request);
      const want = modelRange(model, q, base, r0, revision);
      expect(answer.count, label).toBe(want.count);
      expect(answer.more, label).toBe(want.more);
      expect(answer.header.revision, label).toBe(model.revision);
      expect(answer.kvs.length, label).toBe(want.rows.length);
      // Ties in a non-key sort have no defined order: compare the sort values in order, and check each
      // returned KeyValue against the model's.
      const byKey = new Map(want.filtered);
      expect(
        answer.kvs.map((kv) => {
          const m = byKey.get(toText(kv.key));
          return m ? targetOf(want.target, toText(kv.key), m) : `unexpected ${toText(kv.key)}`;
        }),
        label,
      ).toEqual(want.rows.map(([key, kv]) => targetOf(want.target, key, kv)));
      expect(new Set(answer.kvs.map((kv) => toText(kv.key))).size, label).toBe(answer.kvs.length);
      for (const kv of answer.kvs) {
        const m = byKey.get(toText(kv.key))!;
        expect(kvTuple(kv), label).toEqual([toText(kv.key), m.createRevision, m.modRevision, m.version]);
        expect(toText(kv.value), label).toBe(q.keysOnly ? '' : m.value);
      }
    }
  }
}

export default defineCases('range model', [
  {
    name: 'random writes and random range queries match the model',
    timeoutMs: 120_000,
    async run(ctx) {
      const seedText = process.env.CONFORMANCE_SEED;
      const seed = seedText ? Number(seedText) : Date.now() % 2 ** 31;
      const numRuns = ctx.target === 'etcd' ? 10 : 40;
      let run = 0;
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.tuple(writeArb, fc.array(queryArb, { maxLength: 3 })), {
              minLength: 4,
              maxLength: 14,
            }),
            (steps) => oneRun(ctx, steps, ++run),
          ),
          { seed, numRuns, endOnFailure: ctx.target === 'etcd' },
        );
      } catch (error) {
        throw new Error(
          `range model failed; replay with CONFORMANCE_SEED=${seed}\n${String(error)}\ncause: ${String((error as Error).cause)}`,
          {
            cause: error,
          },
        );
      }
    },
  },
]);
