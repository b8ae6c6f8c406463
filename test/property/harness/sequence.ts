/**
 * Run one generated sequence on one backend against the model: every response must equal the model's
 * (in canonical form), the revision must track the model's, and every watch stream opened must pass the
 * watch validators. Throws an Error describing the first divergence (with the minimal context to replay).
 */

import { flushMicrotasks, type ManualClock } from '../../../src/clock/index.js';
import type { KvBackend } from '../../../src/interface/backend.js';
import {
  canonicalResponse,
  initialState,
  type ModelRequest,
  type ModelResponse,
  type ModelState,
  step,
} from '../../../src/testing/model/index.js';
import { exec } from './exec.js';
import { AUTO_LEASE_BASE } from './ops.js';
import { Mapper, resolve, show } from './translate.js';
import { WatchSession } from './watch-session.js';

/** One backend under test, with what the harness tracks across sequences on it. */
export interface Subject {
  readonly name: string;
  readonly backend: KvBackend;
  /** Present on memory: time moves only through it. */
  readonly clock?: ManualClock;
  /** True for a real etcd 3.4 server: time passes on its own; requests the model flags as crashing 3.4 are never sent. */
  readonly etcd34: boolean;
  /**
   * True when requests go through the etcd backend to a server shared by the file's sequences (a real etcd
   * or the simulator server): the backend refuses the txn shape that crashes etcd 3.4 wherever it appears,
   * so those requests are withheld, and explicit lease IDs get a per-sequence base.
   */
  readonly viaEtcdBackend: boolean;
  readonly minLeaseTtl: number;
  /** The backend's compact revision (real), tracked by the harness; −1 before any compaction. */
  compactRevision: number;
  /** Sequences run so far (for unique prefixes and lease bases). */
  sequences: number;
  /** Requests not sent because they would crash etcd 3.4. */
  skippedCrashInputs: number;
  /** Operations sent. */
  operations: number;
  /** Watch events checked by the validators. */
  watchEvents?: number;
  /** Outcomes seen, by "type ok" or "type ErrorName" (coverage figures). */
  outcomes?: Record<string, number>;
}

/** A fresh per-sequence context: prefix, mapper, model state. */
export interface SequenceContext {
  readonly prefix: string;
  readonly mapper: Mapper;
  state: ModelState;
}

/** Start a sequence: clear the store (keys and leases), take the baseline, build the mapper and model. */
export async function beginSequence(
  subject: Subject,
  tag: string,
  fixedPrefix?: string,
): Promise<SequenceContext> {
  await clearStore(subject.backend);
  let r0 = (await subject.backend.status()).header.revision;
  // Keep the compaction of earlier sequences below revision 1 in model terms (model C = −1, as on a
  // fresh store): two writes past it when it is at or next to the baseline.
  while (subject.compactRevision >= r0 - 1) {
    await subject.backend.put({ key: '\0pad', value: '' });
    r0 = (await subject.backend.deleteRange({ key: '\0pad' })).header.revision;
  }
  const n = ++subject.sequences;
  const prefix = fixedPrefix ?? `${tag}/${String(n).padStart(6, '0')}/`;
  const mapper = new Mapper(r0 - 1, subject.viaEtcdBackend ? BigInt(n) * 1_000_000_000_000n : 0n);
  let state = initialState({ minLeaseTtl: subject.minLeaseTtl });
  state = { ...state, nextLeaseId: AUTO_LEASE_BASE };
  return { prefix, mapper, state };
}

/** Delete every key and revoke every lease: the model starts from an empty store. */
export async function clearStore(backend: KvBackend): Promise<void> {
  for (const { id } of (await backend.leaseLeases()).leases) {
    await backend.leaseRevoke({ id }).catch(() => {});
  }
  await backend.deleteRange({ key: '\0', rangeEnd: '\0' });
}

/** The outcome of one step on a backend. */
export interface StepOutcome {
  readonly request: ModelRequest;
  /** Canonical model response. */
  readonly expected: string;
  /** Canonical backend response; undefined when not sent (3.4 crash input, or a clock advance). */
  readonly actual: string | undefined;
}

/** Apply one template to the model and the backend, returning both canonical answers. */
export async function stepBoth(
  subject: Subject,
  ctx: SequenceContext,
  template: ModelRequest,
): Promise<StepOutcome> {
  const request = resolve(template, ctx.prefix, ctx.state);
  const model = step(ctx.state, request);
  const expected = canonicalResponse(request, model.response);
  let actual: string | undefined;
  if (request.type === 'advance') {
    if (!subject.clock) throw new Error('clock advance generated for a backend without a manual clock');
    subject.clock.advance(request.ms);
    await flushMicrotasks();
    // The effect (expiry revisions, deleted keys) is checked by the revision check and later reads.
    actual = expected;
    const expired = model.response.ok ? (model.response.value as { expired: bigint[] }).expired.length : 0;
    subject.outcomes ??= {};
    subject.outcomes['advance ok'] = (subject.outcomes['advance ok'] ?? 0) + 1;
    subject.outcomes['advance expired leases'] = (subject.outcomes['advance expired leases'] ?? 0) + expired;
  } else if (subject.viaEtcdBackend && model.crashesEtcd34) {
    // Not sent, so the model does not take the step either.
    subject.skippedCrashInputs++;
    return { request, expected, actual: undefined };
  } else {
    subject.operations++;
    const raw = await exec(subject.backend, ctx.mapper.request(request));
    const got: ModelResponse = raw.ok ? { ok: true, value: ctx.mapper.response(raw.value) } : raw;
    if (got.ok && request.type === 'leaseGrant' && model.response.ok && (request.request.id ?? 0n) === 0n) {
      // A server-chosen ID: the n-th auto grant on the backend is the model's n-th.
      ctx.mapper.bind(
        (model.response.value as { id: bigint }).id,
        (raw as { value: { id: bigint } }).value.id,
      );
      (got.value as { id: bigint }).id = (model.response.value as { id: bigint }).id;
    }
    if (got.ok && request.type === 'compact')
      subject.compactRevision = ctx.mapper.revToReal(request.request.revision);
    if (got.ok && subject.etcd34 && request.type === 'leaseTimeToLive' && model.response.ok) {
      // Real time passes on a real server: allow the remaining TTL to lag the model's by 2 s.
      const want = (model.response.value as { ttl: number }).ttl;
      const v = got.value as { ttl: number };
      if (want > 0 && v.ttl > 0 && want - v.ttl <= 2 && v.ttl <= want) v.ttl = want;
    }
    actual = canonicalResponse(request, got);
    const kind = `${request.type} ${got.ok ? 'ok' : got.error.name}`;
    subject.outcomes ??= {};
    subject.outcomes[kind] = (subject.outcomes[kind] ?? 0) + 1;
  }
  ctx.state = model.state;
  return { request, expected, actual };
}

/** A divergence, with everything needed to reproduce it. */
export class Divergence extends Error {}

/** Run `templates` on `subject` against the model, with watchers; throws Divergence on the first mismatch. */
export async function runAgainstModel(
  subject: Subject,
  templates: readonly ModelRequest[],
  options: { tag: string; watch: boolean; watchTimeoutMs: number },
): Promise<void> {
  const ctx = await beginSequence(subject, options.tag);
  const session = options.watch
    ? new WatchSession(subject.backend, ctx.mapper, ctx.prefix, options.watchTimeoutMs, subject.name)
    : undefined;
  await session?.open(ctx.state.revision);
  const done: ModelRequest[] = [];
  try {
    for (const template of templates) {
      const outcome = await stepBoth(subject, ctx, template);
      done.push(outcome.request);
      if (outcome.actual !== undefined && outcome.actual !== outcome.expected) {
        throw new Divergence(
          `[${subject.name}] op #${done.length - 1} ${show(outcome.request)}\n  model:   ${outcome.expected}\n  backend: ${outcome.actual}\n  sequence (model terms): ${show(done)}`,
        );
      }
      if (!subject.etcd34) await checkRevision(subject, ctx, done);
    }
    await checkRevision(subject, ctx, done);
    await checkEverything(subject, ctx, done);
    const violations = (await session?.check(ctx.state)) ?? [];
    subject.watchEvents = (subject.watchEvents ?? 0) + (session?.checkedEvents ?? 0);
    if (violations.length > 0) {
      throw new Divergence(
        `[${subject.name}] watch violations:\n  ${violations.map((v) => `${v.check}: ${v.message}`).join('\n  ')}\n  sequence (model terms): ${show(done)}`,
      );
    }
  } finally {
    await clearStore(subject.backend).catch(() => {});
  }
}

async function checkRevision(subject: Subject, ctx: SequenceContext, done: ModelRequest[]): Promise<void> {
  const rev = ctx.mapper.revToModel((await subject.backend.status()).header.revision);
  if (rev !== ctx.state.revision) {
    throw new Divergence(
      `[${subject.name}] after op #${done.length - 1} revision is ${rev}, model ${ctx.state.revision}\n  sequence (model terms): ${show(done)}`,
    );
  }
}

/** A read of every key must equal the model's store. */
async function checkEverything(subject: Subject, ctx: SequenceContext, done: ModelRequest[]): Promise<void> {
  const request: ModelRequest = { type: 'range', request: { key: '\0', rangeEnd: '\0' } };
  const expected = canonicalResponse(request, step(ctx.state, request).response);
  const raw = await exec(subject.backend, ctx.mapper.request(request));
  const actual = canonicalResponse(
    request,
    raw.ok ? { ok: true, value: ctx.mapper.response(raw.value) } : raw,
  );
  if (actual !== expected) {
    throw new Divergence(
      `[${subject.name}] final store differs\n  model:   ${expected}\n  backend: ${actual}\n  sequence (model terms): ${show(done)}`,
    );
  }
}
