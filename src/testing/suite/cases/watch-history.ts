/**
 * Watch histories checked against a model: random writes (fast-check, seeded and replayable with
 * CONFORMANCE_SEED), several watchers with different starts, ranges, filters and prevKv, and the
 * robustness guarantees (ordered, unique, atomic, reliable, prevKv, bookmarkable).
 */

import fc from 'fast-check';
import { prefixRange, toText } from '../../../common/bytes.js';
import type { WatchCreateRequest, WatchEvent, WatchResponse } from '../../../interface/watch.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { currentRevision, Recorder } from '../helpers.js';
import { checkWatchGuarantees, describeEvent, KeyspaceModel, type ModelOp } from '../history-model.js';

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const VALUES = ['', 'x', 'yy', 'z1', 'v'];

const putArb = fc.record({
  kind: fc.constant('put' as const),
  key: fc.constantFrom(...KEYS),
  value: fc.constantFrom(...VALUES),
});
const deleteArb = fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) });
const deleteRangeArb = fc
  .uniqueArray(fc.constantFrom(...KEYS), { minLength: 2, maxLength: 2 })
  .map((pair) => {
    const [start, end] = [...pair].sort();
    return { kind: 'delete' as const, key: start!, rangeEnd: end! };
  });
const txnArb = fc
  .uniqueArray(fc.oneof(putArb, deleteArb), { minLength: 1, maxLength: 3, selector: (op) => op.key })
  .map((ops) => ({ kind: 'txn' as const, ops }));
const opArb: fc.Arbitrary<ModelOp> = fc.oneof(
  { arbitrary: putArb, weight: 4 },
  { arbitrary: deleteArb, weight: 1 },
  { arbitrary: deleteRangeArb, weight: 1 },
  { arbitrary: txnArb, weight: 2 },
);

/** Run `op` (keys relative to `p`) on the backend; returns the header revision. */
async function execute(ctx: CaseContext, p: (s: string) => string, op: ModelOp): Promise<number> {
  const { backend } = ctx;
  if (op.kind === 'put') return (await backend.put({ key: p(op.key), value: op.value })).header.revision;
  if (op.kind === 'delete') {
    const req = op.rangeEnd === undefined ? { key: p(op.key) } : { key: p(op.key), rangeEnd: p(op.rangeEnd) };
    return (await backend.deleteRange(req)).header.revision;
  }
  const success = op.ops.map((o) =>
    o.kind === 'put'
      ? { requestPut: { key: p(o.key), value: o.value } }
      : { requestDeleteRange: { key: p(o.key) } },
  );
  return (await backend.txn({ success })).header.revision;
}

/** Prefix every key of an op with `p`. */
function prefixed(p: (s: string) => string, op: ModelOp): ModelOp {
  if (op.kind === 'put') return { ...op, key: p(op.key) };
  if (op.kind === 'delete')
    return op.rangeEnd === undefined
      ? { kind: 'delete', key: p(op.key) }
      : { kind: 'delete', key: p(op.key), rangeEnd: p(op.rangeEnd) };
  return { kind: 'txn', ops: op.ops.map((o) => ({ ...o, key: p(o.key) })) };
}

let runCounter = 0;

async function oneRun(ctx: CaseContext, ops: ModelOp[], progressAt: number): Promise<void> {
  const { backend } = ctx;
  const base = ctx.k(`run${++runCounter}/`);
  const p = (s: string) => base + s;
  const r0 = await currentRevision(backend);
  const model = new KeyspaceModel(r0);
  const all = prefixRange(base);
  type Spec = { name: string; request: WatchCreateRequest; model: Parameters<KeyspaceModel['expected']>[0] };
  const specs: Spec[] = [
    {
      name: 'now+prevKv',
      request: { ...all, prevKv: true },
      model: { key: p(''), rangeEnd: toText(all.rangeEnd), start: r0 + 1, prevKv: true },
    },
    {
      name: 'noPut',
      request: { ...all, filters: ['NOPUT'] },
      model: { key: p(''), rangeEnd: toText(all.rangeEnd), start: r0 + 1, filters: ['NOPUT'] },
    },
    {
      name: '[b,d) noDelete+prevKv',
      request: { key: p('b'), rangeEnd: p('d'), filters: ['NODELETE'], prevKv: true },
      model: { key: p('b'), rangeEnd: p('d'), start: r0 + 1, filters: ['NODELETE'], prevKv: true },
    },
    {
      name: 'future',
      request: { ...all, startRevision: r0 + 2 },
      model: { key: p(''), rangeEnd: toText(all.rangeEnd), start: r0 + 2 },
    },
  ];
  const open = async (spec: Spec) => {
    const watcher = backend.watch(spec.request);
    const recorder = new Recorder<WatchResponse>(watcher);
    await watcher.created;
    return { spec, watcher, recorder };
  };
  const watchers = [];
  for (const spec of specs) watchers.push(await open(spec));
  for (const [i, op] of ops.entries()) {
    if (i === progressAt) watchers[0]!.watcher.requestProgress();
    const got = await execute(ctx, p, op);
    expect(got, `revision after ${JSON.stringify(op)}`).toBe(model.apply(prefixed(p, op)));
  }
  // A watcher opened late replays from the start, then continues live.
  const replaySpec: Spec = {
    name: 'replay+prevKv',
    request: { ...all, startRevision: r0 + 1, prevKv: true },
    model: { key: p(''), rangeEnd: toText(all.rangeEnd), start: r0 + 1, prevKv: true },
  };
  watchers.push(await open(replaySpec));
  // Marker: a put then a delete inside every watched range, so that each watcher has a last event to wait for.
  for (const op of [
    { kind: 'put', key: 'c~m', value: 'm' },
    { kind: 'delete', key: 'c~m' },
  ] as ModelOp[]) {
    expect(await execute(ctx, p, op)).toBe(model.apply(prefixed(p, op)));
  }
  const end = model.revision;
  const bookmarks = !differs('progressOvertakesEvents', ctx);
  for (const { spec, watcher, recorder } of watchers) {
    const lastRev = spec.request.filters?.includes('NODELETE') ? end - 1 : end;
    const delivered: WatchEvent[] = [];
    while (!delivered.some((e) => e.kv.modRevision === lastRev)) {
      delivered.push(...(await recorder.next(10_000)).events);
    }
    expect(delivered.map(describeEvent), spec.name).toEqual(model.expected(spec.model, end));
    expect(checkWatchGuarantees(recorder.items, bookmarks), spec.name).toEqual([]);
    await watcher.cancel();
  }
  const now = await backend.range(all);
  expect(
    now.kvs.map((kv) => [toText(kv.key), toText(kv.value), kv.createRevision, kv.modRevision, kv.version]),
  ).toEqual(model.snapshot());
}

export default defineCases('watch history', [
  {
    name: 'random writes: every watcher sees exactly the modelled events, with the robustness guarantees',
    timeoutMs: 120_000,
    async run(ctx) {
      const seedText = process.env.CONFORMANCE_SEED;
      const seed = seedText ? Number(seedText) : Date.now() % 2 ** 31;
      const numRuns = ctx.target === 'etcd' ? 6 : 40;
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), fc.nat(30), (ops, progressAt) =>
            oneRun(ctx, ops, progressAt),
          ),
          { seed, numRuns, endOnFailure: ctx.target === 'etcd' },
        );
      } catch (error) {
        throw new Error(
          `watch history failed; replay with CONFORMANCE_SEED=${seed}\n${String(error)}\ncause: ${String((error as Error).cause)}`,
          {
            cause: error,
          },
        );
      }
    },
  },
]);
