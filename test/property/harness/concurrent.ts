/**
 * Concurrent histories for the linearizability check: several clients, each running its own list of
 * KV operations one at a time, all clients at once; every operation is recorded with invocation and
 * response times and its normalized, canonical response, then checked against the model with the
 * Wing–Gong search of src/testing/linearizability.ts.
 */

import * as fc from 'fast-check';
import type { KvBackend } from '../../../src/interface/backend.js';
import { UnknownOutcomeError } from '../../../src/interface/errors.js';
import {
  checkLinearizable,
  etcdSpecification,
  HistoryRecorder,
  type LinearizabilityResult,
} from '../../../src/testing/linearizability.js';
import { canonicalResponse, initialState, type ModelRequest } from '../../../src/testing/model/index.js';
import { exec } from './exec.js';
import { clearStore } from './sequence.js';
import { Mapper, show } from './translate.js';

const KEYS = ['a', 'b', 'c'];

/** One client's operation: keys and values are filled in per history (values unique). */
const linOp = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom(...KEYS) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.constantFrom(...KEYS) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('list' as const), limit: fc.integer({ min: 0, max: 2 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom(...KEYS) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('cas' as const),
      key: fc.constantFrom(...KEYS),
      other: fc.constantFrom(...KEYS),
      version: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteAll' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('getAt' as const),
      key: fc.constantFrom(...KEYS),
      rev: fc.integer({ min: 1, max: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('compact' as const), rev: fc.integer({ min: 1, max: 10 }) }),
  },
);

/** Per-client operation lists. */
export const clientsArb = (clients: number, opsPerClient: number) =>
  fc.array(fc.array(linOp, { minLength: 1, maxLength: opsPerClient }), {
    minLength: clients,
    maxLength: clients,
  });

type LinOp = typeof linOp extends fc.Arbitrary<infer T> ? T : never;

function toRequest(op: LinOp, prefix: string, value: string): ModelRequest {
  const end = `${prefix}~`;
  switch (op.kind) {
    case 'put':
      return { type: 'put', request: { key: prefix + op.key, value, prevKv: true } };
    case 'get':
      return { type: 'range', request: { key: prefix + op.key } };
    case 'list':
      return { type: 'range', request: { key: prefix, rangeEnd: end, limit: op.limit } };
    case 'delete':
      return { type: 'deleteRange', request: { key: prefix + op.key, prevKv: true } };
    case 'deleteAll':
      return { type: 'deleteRange', request: { key: prefix, rangeEnd: end } };
    case 'getAt':
      // A historical read: depending on the interleaving it may be future, compacted or a value.
      return { type: 'range', request: { key: prefix + op.key, revision: op.rev } };
    case 'compact':
      return { type: 'compact', request: { revision: op.rev } };
    case 'cas':
      return {
        type: 'txn',
        request: {
          compare: [{ key: prefix + op.key, target: 'VERSION', result: 'EQUAL', version: op.version }],
          success: [
            { requestPut: { key: prefix + op.key, value } },
            { requestRange: { key: prefix + op.other } },
          ],
          failure: [{ requestRange: { key: prefix + op.key } }],
        },
      };
  }
}

/** Run one concurrent history (client i uses `backends[i % backends.length]`) and check it. */
export async function runHistory(
  backends: readonly KvBackend[],
  clients: readonly LinOp[][],
  tag: string,
): Promise<{
  result: LinearizabilityResult;
  operations: number;
  overlapping: number;
  describe: () => string;
}> {
  const first = backends[0]!;
  await clearStore(first);
  // Two writes, so that an earlier history's compaction lies below revision 1 in model terms.
  await first.put({ key: `${tag}-pad`, value: '' });
  const r0 = (await first.deleteRange({ key: `${tag}-pad` })).header.revision;
  const mapper = new Mapper(r0 - 1, 0n);
  const prefix = `${tag}/`;
  const recorder = new HistoryRecorder<ModelRequest, string>();
  await Promise.all(
    clients.map(async (ops, c) => {
      const backend = backends[c % backends.length]!;
      for (const [i, op] of ops.entries()) {
        const request = toRequest(op, prefix, `c${c}-${i}`);
        await recorder.record(
          c,
          request,
          () => exec(backend, mapper.request(request)),
          (outcome) => {
            if (!outcome.ok) return `thrown: ${String(outcome.error)}`;
            const r = outcome.value;
            return canonicalResponse(request, r.ok ? { ok: true, value: mapper.response(r.value) } : r);
          },
          (error) => error instanceof UnknownOutcomeError,
        );
      }
    }),
  );
  const history = recorder.operations;
  const result = checkLinearizable(
    etcdSpecification(() => initialState()),
    history,
  );
  // How concurrent the history really was: operations overlapping another client's operation.
  const overlapping = history.filter((a) =>
    history.some((b) => b.clientId !== a.clientId && b.call < a.return && a.call < b.return),
  ).length;
  return {
    result,
    operations: history.length,
    overlapping,
    describe: () =>
      history
        .map(
          (h) =>
            `client ${h.clientId} [${h.call.toFixed(2)}, ${h.return.toFixed(2)}] ${show(h.input)} → ${h.output}`,
        )
        .join('\n'),
  };
}
