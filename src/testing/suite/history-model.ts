/**
 * A tiny model of etcd's keyspace for checking watch histories: it replays the writes a case made and
 * derives, for every revision, the events a watcher must see (with prevKv as the state at rev − 1).
 * Only single-revision writes on distinct keys are modelled (put, delete, delete range, flat txns).
 */

import { compareBytes, toBytes, toText } from '../../common/bytes.js';
import type { WatchEvent, WatchFilter, WatchResponse } from '../../interface/watch.js';

/** One key's live state. */
export interface ModelKv {
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
}

/** An event as the model predicts it. */
export interface ModelEvent {
  type: 'PUT' | 'DELETE';
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  prev: ModelKv | undefined;
}

/** One write op the model understands. */
export type ModelOp =
  | { kind: 'put'; key: string; value: string }
  | { kind: 'delete'; key: string; rangeEnd?: string }
  | { kind: 'txn'; ops: ({ kind: 'put'; key: string; value: string } | { kind: 'delete'; key: string })[] };

const inRange = (key: string, start: string, end: string | undefined): boolean =>
  end === undefined
    ? key === start
    : compareBytes(toBytes(key), toBytes(start)) >= 0 && compareBytes(toBytes(key), toBytes(end)) < 0;

/** The keyspace model. */
export class KeyspaceModel {
  readonly #state = new Map<string, ModelKv>();
  /** Events by revision, in op order. */
  readonly events: ModelEvent[] = [];
  revision: number;
  /** The keyspace after each revision this model made (and empty at the start revision). */
  readonly #history: { revision: number; state: Map<string, ModelKv> }[];

  constructor(startRevision: number) {
    this.revision = startRevision;
    this.#history = [{ revision: startRevision, state: new Map() }];
  }

  /** Live keys at `revision` (0: now), in key order. */
  stateAt(revision: number): [string, ModelKv][] {
    const at = revision <= 0 ? this.revision : revision;
    let found = this.#history[0]!;
    for (const h of this.#history) if (h.revision <= at) found = h;
    return [...found.state.entries()].sort(([a], [b]) => compareBytes(toBytes(a), toBytes(b)));
  }

  /** Apply `op` as the store would; returns the revision after it (unchanged when nothing changed). */
  apply(op: ModelOp): number {
    const rev = this.revision + 1;
    const out: ModelEvent[] = [];
    const steps = op.kind === 'txn' ? op.ops : [op];
    const before = new Map(this.#state);
    for (const step of steps) {
      if (step.kind === 'put') {
        const prev = before.get(step.key);
        const cur = this.#state.get(step.key);
        const kv: ModelKv = {
          value: step.value,
          createRevision: cur ? cur.createRevision : rev,
          modRevision: rev,
          version: cur ? cur.version + 1 : 1,
        };
        this.#state.set(step.key, kv);
        out.push({ type: 'PUT', key: step.key, ...kv, prev });
      } else {
        const end = (step as { rangeEnd?: string }).rangeEnd;
        const keys = [...this.#state.keys()]
          .filter((key) => inRange(key, step.key, end))
          .sort((a, b) => compareBytes(toBytes(a), toBytes(b)));
        for (const key of keys) {
          this.#state.delete(key);
          out.push({
            type: 'DELETE',
            key,
            value: '',
            createRevision: 0,
            modRevision: rev,
            version: 0,
            prev: before.get(key),
          });
        }
      }
    }
    if (out.length > 0) {
      this.revision = rev;
      this.events.push(...out);
      this.#history.push({ revision: rev, state: new Map(this.#state) });
    }
    return this.revision;
  }

  /** Live keys and values, in key order. */
  snapshot(): [string, string, number, number, number][] {
    return [...this.#state.entries()]
      .sort(([a], [b]) => compareBytes(toBytes(a), toBytes(b)))
      .map(([key, kv]) => [key, kv.value, kv.createRevision, kv.modRevision, kv.version]);
  }

  /** The events a watcher on [key, rangeEnd) from `start` with these filters must get, up to `until`. */
  expected(
    w: { key: string; rangeEnd?: string; start: number; filters?: WatchFilter[]; prevKv?: boolean },
    until: number,
  ) {
    return this.events
      .filter((e) => e.modRevision >= w.start && e.modRevision <= until && inRange(e.key, w.key, w.rangeEnd))
      .filter((e) => !(e.type === 'PUT' && w.filters?.includes('NOPUT')))
      .filter((e) => !(e.type === 'DELETE' && w.filters?.includes('NODELETE')))
      .map((e) => describeModelEvent(e, w.prevKv ?? false));
  }
}

/** A comparable tuple for a model event. */
function describeModelEvent(e: ModelEvent, withPrev: boolean) {
  const prev =
    withPrev && e.prev ? [e.prev.value, e.prev.createRevision, e.prev.modRevision, e.prev.version] : null;
  return [e.type, e.key, e.value, e.createRevision, e.modRevision, e.version, prev] as const;
}

/** The same tuple for an event a backend delivered. */
export function describeEvent(e: WatchEvent) {
  const p = e.prevKv;
  const prev = p ? [toText(p.value), p.createRevision, p.modRevision, p.version] : null;
  return [
    e.type,
    toText(e.kv.key),
    toText(e.kv.value),
    e.kv.createRevision,
    e.kv.modRevision,
    e.kv.version,
    prev,
  ] as const;
}

/**
 * The robustness checks that need no model: Ordered (revisions never decrease), Unique (no (rev, key)
 * twice), Atomic (a revision never spans responses) and, when `bookmarks`, Bookmarkable (no event at or
 * below a progress notice's revision after it). Returns the problems found.
 */
export function checkWatchGuarantees(responses: readonly WatchResponse[], bookmarks: boolean): string[] {
  const problems: string[] = [];
  let last = 0;
  let bookmark = 0;
  const seen = new Set<string>();
  const responseOfRevision = new Map<number, number>();
  responses.forEach((response, index) => {
    if (response.events.length === 0 && !response.created && !response.canceled && bookmarks) {
      bookmark = Math.max(bookmark, response.header.revision);
    }
    for (const event of response.events) {
      const rev = event.kv.modRevision;
      const id = `${rev}/${toText(event.kv.key)}`;
      if (rev < last) problems.push(`ordered: ${rev} after ${last}`);
      if (seen.has(id)) problems.push(`unique: ${id} twice`);
      if (rev <= bookmark) problems.push(`bookmarkable: ${rev} after a progress notice at ${bookmark}`);
      const owner = responseOfRevision.get(rev);
      if (owner !== undefined && owner !== index)
        problems.push(`atomic: revision ${rev} in responses ${owner} and ${index}`);
      responseOfRevision.set(rev, index);
      seen.add(id);
      last = rev;
    }
  });
  return problems;
}
