/**
 * Bad input fuzzing on both backends: random lists of malformed calls (see harness/bad-inputs.ts)
 * against a small populated, compacted store. Every call must give the model's answer (typed requests:
 * same error class, code and message) or the expected client-side error class (wrong JS types), always
 * an EtcdError subclass; afterwards the revision and a range of everything must be unchanged. Inputs
 * that crash etcd 3.4 are never sent to the real server.
 */

import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EtcdError } from '../../src/interface/errors.js';
import { canonicalResponse, type ModelRequest, step } from '../../src/testing/model/index.js';
import { type BadCase, badCase } from './harness/bad-inputs.js';
import { fcParams, timeout } from './harness/budget.js';
import { exec } from './harness/exec.js';
import {
  beginSequence,
  clearStore,
  Divergence,
  type SequenceContext,
  type Subject,
  stepBoth,
} from './harness/sequence.js';
import { memorySubject, useEtcdSubject } from './harness/subjects.js';
import { show } from './harness/translate.js';

const env = useEtcdSubject();

/** A few keys and a compaction: revision 5 in model terms, compact revision 3. */
const SETUP: ModelRequest[] = [
  { type: 'put', request: { key: 'a', value: '1' } },
  { type: 'put', request: { key: 'b', value: '1' } },
  { type: 'put', request: { key: 'a', value: '2' } },
  { type: 'compact', request: { revision: 3 } },
  { type: 'put', request: { key: 'c', value: '1' } },
];

const everything: ModelRequest = { type: 'range', request: { key: '\0', rangeEnd: '\0' } };

async function snapshot(subject: Subject, ctx: SequenceContext): Promise<string> {
  const raw = await exec(subject.backend, everything);
  const rev = ctx.mapper.revToModel((await subject.backend.status()).header.revision);
  return `${rev} ${canonicalResponse(everything, raw.ok ? { ok: true, value: ctx.mapper.response(raw.value) } : raw)}`;
}

/** Run one bad case; throws Divergence when the answer or the invariants are wrong. Returns false if not sent. */
async function runCase(subject: Subject, ctx: SequenceContext, c: BadCase): Promise<boolean> {
  const before = await snapshot(subject, ctx);
  if (c.model) {
    const request = c.model(ctx.prefix);
    const model = step(ctx.state, request);
    if (subject.etcd34 && (c.memoryOnly || model.crashesEtcd34)) return false;
    const raw = await exec(subject.backend, ctx.mapper.request(request));
    if (!raw.ok && raw.error.constructor === EtcdError) {
      throw new Divergence(`[${subject.name}] ${c.name}: threw the EtcdError base class, not a subclass`);
    }
    const actual = canonicalResponse(
      request,
      raw.ok ? { ok: true, value: ctx.mapper.response(raw.value) } : raw,
    );
    const expected = canonicalResponse(request, model.response);
    if (actual !== expected) {
      throw new Divergence(
        `[${subject.name}] ${c.name}: ${show(request).slice(0, 300)}\n  model:   ${expected}\n  backend: ${actual}`,
      );
    }
    ctx.state = model.state;
    if (model.response.ok) return true;
  } else {
    if (subject.etcd34 && c.memoryOnly) return false;
    let outcome: string;
    try {
      await c.raw!(subject.backend, ctx.prefix);
      outcome = 'accepted';
    } catch (error) {
      if (error instanceof c.expect!) return checkUnchanged(subject, ctx, c, before);
      outcome = `threw ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`;
    }
    throw new Divergence(`[${subject.name}] ${c.name}: expected ${c.expect!.name}, ${outcome}`);
  }
  return checkUnchanged(subject, ctx, c, before);
}

async function checkUnchanged(
  subject: Subject,
  ctx: SequenceContext,
  c: BadCase,
  before: string,
): Promise<boolean> {
  const after = await snapshot(subject, ctx);
  if (after !== before) {
    throw new Divergence(
      `[${subject.name}] ${c.name}: the store changed after a rejected request\n  before: ${before}\n  after:  ${after}`,
    );
  }
  return true;
}

async function runCases(subject: Subject, cases: BadCase[]): Promise<number> {
  const ctx = await beginSequence(subject, 'bad');
  for (const t of SETUP) await stepBoth(subject, ctx, t);
  let sent = 0;
  try {
    for (const c of cases) if (await runCase(subject, ctx, c)) sent++;
  } finally {
    await clearStore(subject.backend).catch(() => {});
  }
  return sent;
}

describe('bad input fuzzing', () => {
  it(
    '[memory] typed errors, no state change',
    async () => {
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(badCase, { minLength: 1, maxLength: 12 }), async (cases) => {
          const memory = memorySubject();
          try {
            sent += await runCases(memory, cases);
          } finally {
            await memory.backend.close();
          }
        }),
        fcParams(100),
      );
      console.log(`[memory] bad input: ${sent} malformed calls checked`);
      expect(sent).toBeGreaterThan(0);
    },
    timeout(60_000),
  );

  it(
    '[etcd] typed errors, no state change (3.4 crash inputs withheld)',
    async () => {
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(badCase, { minLength: 1, maxLength: 12 }), async (cases) => {
          sent += await runCases(env.subject, cases);
        }),
        fcParams(40),
      );
      console.log(`[etcd] bad input: ${sent} malformed calls checked`);
      expect(sent).toBeGreaterThan(0);
    },
    timeout(90_000),
  );
});
