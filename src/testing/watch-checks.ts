/**
 * Watch stream validators, ported from etcd's robustness tests (docs/semantics.md §7, §11): ordered, unique,
 * atomic, reliable, resumable, bookmarkable, prev_kv correct and filters honoured. Each takes the
 * responses one watcher received (in arrival order; stream-wide progress replies with watch ID −1 may be
 * included) and returns the violations found, empty when the stream is correct. The ground truth is a
 * history of changes, e.g. the reference model's log (`ModelState.log`) or a replay of the test's writes.
 */

import { bytesEqual, toText } from '../common/bytes.js';
import type { KeyValue } from '../interface/kv.js';
import type { WatchCreateRequest, WatchEvent, WatchResponse } from '../interface/watch.js';
import { inInterval, interval, keyString } from './model/keys.js';
import type { ModelEvent } from './model/types.js';

/** One failed guarantee. */
export interface WatchViolation {
  readonly check:
    | 'ordered'
    | 'unique'
    | 'atomic'
    | 'reliable'
    | 'resumable'
    | 'bookmarkable'
    | 'prevKv'
    | 'filter';
  readonly message: string;
}

/** The ground truth: every change in commit order, and the compact revision at the end of the test. */
export interface WatchHistory {
  readonly events: readonly ModelEvent[];
  readonly compactRevision: number;
}

/** An event with the revision of the response it came in. */
interface Delivered {
  readonly event: WatchEvent;
  readonly response: number;
}

function delivered(responses: readonly WatchResponse[]): Delivered[] {
  return responses.flatMap((r, i) => r.events.map((event) => ({ event, response: i })));
}

/** True for a progress notice: no events, not created or canceled, compactRevision 0, header.revision ≠ 0. */
export function isProgress(r: WatchResponse): boolean {
  return (
    r.events.length === 0 && !r.created && !r.canceled && r.compactRevision === 0 && r.header.revision !== 0
  );
}

function describeKv(kv: KeyValue | undefined): string {
  if (!kv) return 'none';
  return `{key ${JSON.stringify(toText(kv.key))}, value ${JSON.stringify(toText(kv.value))}, create ${kv.createRevision}, mod ${kv.modRevision}, version ${kv.version}, lease ${kv.lease}}`;
}

function sameKv(a: KeyValue | undefined, b: KeyValue | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    bytesEqual(a.key, b.key) &&
    bytesEqual(a.value, b.value) &&
    a.createRevision === b.createRevision &&
    a.modRevision === b.modRevision &&
    a.version === b.version &&
    a.lease === b.lease
  );
}

/** Ordered: event revisions never decrease. */
export function checkOrdered(responses: readonly WatchResponse[]): WatchViolation[] {
  const out: WatchViolation[] = [];
  let last = 0;
  for (const { event } of delivered(responses)) {
    const rev = event.kv.modRevision;
    if (rev < last) out.push({ check: 'ordered', message: `event at revision ${rev} after one at ${last}` });
    last = Math.max(last, rev);
  }
  return out;
}

/**
 * Unique: no event delivered twice. etcd's validator keys events by (revision, key), but one txn can
 * legitimately touch a key several times at one revision when from-key deletes are involved (semantics
 * docs/semantics.md §12: `[delete(a, "\0"), put c, delete(a, "\0")]` yields DELETE c, PUT c, DELETE c, as 3.4.23 sends
 * them). So with a history, an event may occur at most as often as the history has it; without one,
 * the same (revision, type, key) may not arrive in two different responses.
 */
export function checkUnique(responses: readonly WatchResponse[], history?: WatchHistory): WatchViolation[] {
  const id = (revision: number, type: string, key: Uint8Array) => `${revision}/${type}/${keyString(key)}`;
  const out: WatchViolation[] = [];
  if (history) {
    const allowed = new Map<string, number>();
    for (const e of history.events) {
      const k = id(e.revision, e.type, e.kv.key);
      allowed.set(k, (allowed.get(k) ?? 0) + 1);
    }
    const seen = new Map<string, number>();
    for (const { event } of delivered(responses)) {
      const k = id(event.kv.modRevision, event.type, event.kv.key);
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (n > (allowed.get(k) ?? 0))
        out.push({ check: 'unique', message: `event ${k} delivered ${n} times` });
    }
    return out;
  }
  const where = new Map<string, number>();
  for (const { event, response } of delivered(responses)) {
    const k = id(event.kv.modRevision, event.type, event.kv.key);
    const first = where.get(k);
    if (first !== undefined && first !== response)
      out.push({ check: 'unique', message: `duplicate event ${k}` });
    if (first === undefined) where.set(k, response);
  }
  return out;
}

/** Atomic: a revision's events all arrive in one response (unless the response is fragmented). */
export function checkAtomic(responses: readonly WatchResponse[]): WatchViolation[] {
  const out: WatchViolation[] = [];
  const where = new Map<number, number>();
  responses.forEach((r, i) => {
    if (r.fragment) return;
    for (const e of r.events) {
      const rev = e.kv.modRevision;
      const first = where.get(rev);
      if (first === undefined) where.set(rev, i);
      else if (first !== i)
        out.push({ check: 'atomic', message: `revision ${rev} split across responses ${first} and ${i}` });
    }
  });
  return out;
}

/** Bookmarkable: after a progress notice at P, no event at a revision ≤ P. */
export function checkBookmarkable(responses: readonly WatchResponse[]): WatchViolation[] {
  const out: WatchViolation[] = [];
  let bookmark = 0;
  for (const r of responses) {
    if (isProgress(r)) bookmark = Math.max(bookmark, r.header.revision);
    for (const e of r.events) {
      if (e.kv.modRevision <= bookmark) {
        out.push({
          check: 'bookmarkable',
          message: `event at revision ${e.kv.modRevision} after a progress notice at ${bookmark}`,
        });
      }
    }
  }
  return out;
}

/** Filters honoured: no PUT with NOPUT, no DELETE with NODELETE, and only keys in the watched range. */
export function checkFilters(
  responses: readonly WatchResponse[],
  request: WatchCreateRequest,
): WatchViolation[] {
  const filters = request.filters ?? [];
  const iv = watchInterval(request);
  const out: WatchViolation[] = [];
  for (const { event } of delivered(responses)) {
    if (
      (event.type === 'PUT' && filters.includes('NOPUT')) ||
      (event.type === 'DELETE' && filters.includes('NODELETE'))
    ) {
      out.push({
        check: 'filter',
        message: `${event.type} event delivered despite filters ${filters.join(',')}`,
      });
    }
    if (!inInterval(keyString(event.kv.key), iv)) {
      out.push({
        check: 'filter',
        message: `event for ${JSON.stringify(toText(event.kv.key))} outside the range`,
      });
    }
  }
  return out;
}

/** The watched interval (an empty key means "\0"). */
export function watchInterval(request: WatchCreateRequest) {
  const key = keyString(request.key) === '' ? '\0' : request.key;
  return interval(key, request.rangeEnd);
}

/**
 * prev_kv correct: with prev_kv asked, an event's prevKv equals the key at revision − 1 in the history,
 * except on a create (PUT with create == mod), which has none; it may be missing only if the key did not
 * exist then or revision − 1 is below the compact revision.
 * Without prev_kv asked, none is present.
 */
export function checkPrevKv(
  responses: readonly WatchResponse[],
  request: WatchCreateRequest,
  history: WatchHistory,
): WatchViolation[] {
  const out: WatchViolation[] = [];
  for (const { event } of delivered(responses)) {
    const rev = event.kv.modRevision;
    if (!request.prevKv) {
      if (event.prevKv)
        out.push({ check: 'prevKv', message: `prevKv at revision ${rev} without prev_kv asked` });
      continue;
    }
    const truth = history.events.find(
      (h) => h.revision === rev && h.type === event.type && keyString(h.kv.key) === keyString(event.kv.key),
    );
    if (!truth) continue; // reported by checkReliable
    // etcd skips the lookup for a create (PUT with create == mod), even when a from-key delete earlier
    // in the same txn removed an older generation of the key at rev − 1 (measured on 3.4.23).
    const isCreate = event.type === 'PUT' && event.kv.createRevision === event.kv.modRevision;
    const want = isCreate ? undefined : truth.prevKv;
    if (event.prevKv === undefined) {
      if (want && rev - 1 >= history.compactRevision) {
        out.push({
          check: 'prevKv',
          message: `prevKv missing at revision ${rev}; expected ${describeKv(want)}`,
        });
      }
    } else if (!sameKv(event.prevKv, want)) {
      out.push({
        check: 'prevKv',
        message: `prevKv at revision ${rev} is ${describeKv(event.prevKv)}; expected ${describeKv(want)}`,
      });
    }
  }
  return out;
}

/** The events a watcher must deliver from `from` through `through` (inclusive), in order. */
export function expectedEvents(
  request: WatchCreateRequest,
  history: WatchHistory,
  from: number,
  through: number,
): ModelEvent[] {
  const iv = watchInterval(request);
  const filters = request.filters ?? [];
  return history.events.filter(
    (e) =>
      e.revision >= from &&
      e.revision <= through &&
      inInterval(keyString(e.kv.key), iv) &&
      !(e.type === 'PUT' && filters.includes('NOPUT')) &&
      !(e.type === 'DELETE' && filters.includes('NODELETE')),
  );
}

/**
 * Reliable: the events delivered at revisions in [from, through] are exactly the history's matching
 * events there, in order, with identical KeyValues. `from` is the watcher's effective start (its
 * start_revision, or creation header.revision + 1 for "now"); `through` a revision it has caught up to.
 */
export function checkReliable(
  responses: readonly WatchResponse[],
  request: WatchCreateRequest,
  history: WatchHistory,
  from: number,
  through: number,
  check: 'reliable' | 'resumable' = 'reliable',
): WatchViolation[] {
  const got = delivered(responses)
    .map((d) => d.event)
    .filter((e) => e.kv.modRevision >= from && e.kv.modRevision <= through);
  const want = expectedEvents(request, history, from, through);
  const n = Math.max(got.length, want.length);
  for (let i = 0; i < n; i++) {
    const g = got[i];
    const w = want[i];
    if (!g || !w || g.type !== w.type || !sameKv(g.kv, w.kv)) {
      return [
        {
          check,
          message: `event #${i} in [${from}, ${through}]: got ${g ? `${g.type} ${describeKv(g.kv)}` : 'nothing'}, expected ${w ? `${w.type} ${describeKv(w.kv)}` : 'nothing'} (${got.length} delivered, ${want.length} expected)`,
        },
      ];
    }
  }
  return [];
}

/**
 * Resumable: a second watch opened at the first one's last delivered revision + 1 continues exactly
 * where the first left off (checked as reliability of the second from that revision).
 */
export function checkResumable(
  first: readonly WatchResponse[],
  second: readonly WatchResponse[],
  request: WatchCreateRequest,
  history: WatchHistory,
  through: number,
): WatchViolation[] {
  const events = delivered(first);
  const last = events.length > 0 ? events[events.length - 1]!.event.kv.modRevision : 0;
  return checkReliable(second, request, history, last + 1, through, 'resumable');
}

/** Options of {@link checkWatch}. */
export interface CheckWatchOptions {
  /** The watcher's effective first revision. */
  readonly from: number;
  /** A revision the watcher is known to have caught up to. */
  readonly through: number;
  /** Skip the bookmarkable check (etcd 3.4 answers progress requests while catching up, docs/semantics.md §12). */
  readonly skipBookmarkable?: boolean;
}

/** Every single-stream check at once. */
export function checkWatch(
  responses: readonly WatchResponse[],
  request: WatchCreateRequest,
  history: WatchHistory,
  options: CheckWatchOptions,
): WatchViolation[] {
  return [
    ...checkOrdered(responses),
    ...checkUnique(responses, history),
    ...checkAtomic(responses),
    ...(options.skipBookmarkable ? [] : checkBookmarkable(responses)),
    ...checkFilters(responses, request),
    ...checkPrevKv(responses, request, history),
    ...checkReliable(responses, request, history, options.from, options.through),
  ];
}
