/**
 * Linearizability checking as porcupine does it (docs/semantics.md §11): the Wing–Gong search over a history
 * of concurrent operations, with memoization of (set of linearized operations, model state), against
 * the reference model. Also a recorder that builds such histories from real calls.
 */

import { canonicalResponse } from './model/canonical.js';
import { keyString } from './model/keys.js';
import { step } from './model/step.js';
import type { ModelRequest, ModelState } from './model/types.js';

/** One completed (or uncertain) operation of a history. */
export interface Operation<I, O> {
  readonly clientId: number;
  readonly input: I;
  /** Invocation time. */
  readonly call: number;
  /** Response time; `Infinity` when the outcome is unknown (it may or may not have taken effect). */
  readonly return: number;
  /** The observed output; ignored when `return` is Infinity. */
  readonly output: O;
}

/** A sequential specification: a step that says whether the observed output is allowed. */
export interface SequentialModel<S, I, O> {
  /** The state before the first operation. */
  init(): S;
  /** Apply `input`; `ok` is false when the model cannot produce `output` from `state`. */
  step(state: S, input: I, output: O, outputKnown: boolean): { ok: boolean; state: S };
  /** A string equal for equal states (for memoization). */
  key(state: S): string;
}

/** Result of {@link checkLinearizable}. */
export interface LinearizabilityResult {
  /** 'ok': a linearization exists; 'illegal': none does; 'unknown': the step budget ran out. */
  readonly result: 'ok' | 'illegal' | 'unknown';
  /** Operation indexes in a valid linearization order, when ok. */
  readonly order?: number[];
  /** Search steps taken. */
  readonly steps: number;
}

interface Entry {
  kind: 'call' | 'return';
  id: number;
  time: number;
  prev: Entry | undefined;
  next: Entry | undefined;
  match: Entry | undefined;
}

function buildList(history: readonly Operation<unknown, unknown>[]): Entry {
  const entries: Entry[] = [];
  history.forEach((op, id) => {
    const ret: Entry = {
      kind: 'return',
      id,
      time: op.return,
      prev: undefined,
      next: undefined,
      match: undefined,
    };
    const call: Entry = { kind: 'call', id, time: op.call, prev: undefined, next: undefined, match: ret };
    entries.push(call, ret);
  });
  // By time; at equal times calls first, so touching operations count as concurrent (as porcupine does).
  entries.sort((a, b) => a.time - b.time || (a.kind === b.kind ? a.id - b.id : a.kind === 'call' ? -1 : 1));
  const head: Entry = {
    kind: 'call',
    id: -1,
    time: -Infinity,
    prev: undefined,
    next: undefined,
    match: undefined,
  };
  let last = head;
  for (const e of entries) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

function lift(call: Entry): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

/**
 * Is `history` linearizable with respect to `model`? Depth-first search over orders consistent with
 * real time, pruning (linearized set, state) pairs already explored. `maxSteps` bounds the work.
 */
export function checkLinearizable<S, I, O>(
  model: SequentialModel<S, I, O>,
  history: readonly Operation<I, O>[],
  maxSteps = 2_000_000,
): LinearizabilityResult {
  const head = buildList(history as readonly Operation<unknown, unknown>[]);
  const linearized = new Array<boolean>(history.length).fill(false);
  const cache = new Set<string>();
  const calls: { entry: Entry; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  const bits = (): string => linearized.map((b) => (b ? '1' : '0')).join('');
  while (head.next) {
    if (++steps > maxSteps) return { result: 'unknown', steps };
    if (!entry) return { result: 'illegal', steps };
    if (entry.kind === 'call') {
      const op = history[entry.id]!;
      const known = op.return !== Infinity;
      const out = model.step(state, op.input, op.output, known);
      if (out.ok) {
        linearized[entry.id] = true;
        const key = `${bits()}|${model.key(out.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          calls.push({ entry, state });
          state = out.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[entry.id] = false;
      }
      entry = entry.next;
    } else {
      // A return reached before its call was linearized: undo the last choice.
      const top = calls.pop();
      if (!top) return { result: 'illegal', steps };
      state = top.state;
      linearized[top.entry.id] = false;
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { result: 'ok', order: calls.map((c) => c.entry.id), steps };
}

/** A string that is equal for equal model states. */
export function modelStateKey(state: ModelState): string {
  const kvs = [...state.kvs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, kv]) => [
      k,
      keyString(kv.value),
      kv.createRevision,
      kv.modRevision,
      kv.version,
      String(kv.lease),
    ]);
  const log = state.log.map((e) => [e.revision, e.type, keyString(e.kv.key), keyString(e.kv.value)]);
  const leases = [...state.leases.values()].map((l) => [String(l.id), l.ttl, l.expiresAt]);
  return JSON.stringify([state.revision, state.compactRevision, kvs, leases, log, state.now]);
}

/**
 * The reference model as a sequential specification. Outputs are canonical response strings
 * (see `canonicalResponse`), so backends' answers must be normalized (revision offset, lease IDs)
 * before recording.
 */
export function etcdSpecification(init: () => ModelState): SequentialModel<ModelState, ModelRequest, string> {
  return {
    init,
    step(state, input, output, known) {
      const r = step(state, input);
      if (!known) return { ok: true, state: r.state };
      return { ok: canonicalResponse(input, r.response) === output, state: r.state };
    },
    key: modelStateKey,
  };
}

/**
 * Records a concurrent history: wrap each call with {@link HistoryRecorder.record}. Times come from
 * `performance.now()`; an operation that throws something `isUncertain` accepts is recorded with
 * return time Infinity (it may or may not have been applied).
 */
export class HistoryRecorder<I, O> {
  readonly operations: Operation<I, O>[] = [];

  /** Run `call` for `clientId`, recording its input, times and `toOutput` of its result or error. */
  async record<R>(
    clientId: number,
    input: I,
    call: () => Promise<R>,
    toOutput: (result: { ok: true; value: R } | { ok: false; error: unknown }) => O,
    isUncertain: (error: unknown) => boolean = () => false,
  ): Promise<void> {
    const start = performance.now();
    let outcome: { ok: true; value: R } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await call() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const end = performance.now();
    const uncertain = !outcome.ok && isUncertain(outcome.error);
    this.operations.push({
      clientId,
      input,
      call: start,
      return: uncertain ? Infinity : end,
      output: toOutput(outcome),
    });
  }
}
