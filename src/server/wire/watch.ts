/** Watch messages between the wire and the store's watch stream. */

import type { WatchCreateRequest, WatchEvent, WatchFilter, WatchResponse } from '../../interface/watch.js';
import {
  boolOf,
  bytesOf,
  type HeaderEncoder,
  keyValueOut,
  listOf,
  messageOf,
  numberOf,
  present,
  type WireMessage,
} from './message.js';

const FILTERS: readonly WatchFilter[] = ['NOPUT', 'NODELETE'];

/** One request on the Watch stream. A request with no union set gets no reply (etcd ignores it). */
export type WatchRequestIn =
  | { kind: 'create'; request: WatchCreateRequest }
  | { kind: 'cancel'; watchId: number }
  | { kind: 'progress' }
  | { kind: 'none' };

/** A WatchRequest from the wire. */
export function watchRequestIn(m: WireMessage): WatchRequestIn {
  const create = messageOf(m, 'create_request');
  if (create !== undefined) return { kind: 'create', request: watchCreateIn(create) };
  const cancel = messageOf(m, 'cancel_request');
  if (cancel !== undefined) return { kind: 'cancel', watchId: numberOf(cancel, 'watch_id') };
  if (messageOf(m, 'progress_request') !== undefined) return { kind: 'progress' };
  return { kind: 'none' };
}

function watchCreateIn(m: WireMessage): WatchCreateRequest {
  const r: WatchCreateRequest = { key: bytesOf(m, 'key') };
  if (present(m, 'range_end')) {
    const end = bytesOf(m, 'range_end');
    if (end.length > 0) r.rangeEnd = end;
  }
  const start = numberOf(m, 'start_revision');
  if (start !== 0) r.startRevision = start;
  if (boolOf(m, 'progress_notify')) r.progressNotify = true;
  // etcd keeps only the filters it knows; other numbers are ignored.
  const filters = listOf<number>(m, 'filters')
    .map((f) => FILTERS[f])
    .filter((f): f is WatchFilter => f !== undefined);
  if (filters.length > 0) r.filters = [...new Set(filters)];
  if (boolOf(m, 'prev_kv')) r.prevKv = true;
  const id = numberOf(m, 'watch_id');
  if (id !== 0) r.watchId = id;
  if (boolOf(m, 'fragment')) r.fragment = true;
  return r;
}

function eventOut(e: WatchEvent): WireMessage {
  const out: WireMessage = { kv: keyValueOut(e.kv) };
  if (e.type === 'DELETE') out.type = 1;
  if (e.prevKv !== undefined) out.prev_kv = keyValueOut(e.prevKv);
  return out;
}

/**
 * A WatchResponse to the wire. Every response has a header: etcd fills a compaction cancel's with the
 * cluster, member and term but no revision, and Go's clientv3 (etcdctl 3.4) dereferences it.
 */
export function watchResponseOut(h: HeaderEncoder, r: WatchResponse): WireMessage {
  const out: WireMessage = { header: h.full(r.header) };
  if (r.watchId !== 0) out.watch_id = r.watchId;
  if (r.created) out.created = true;
  if (r.canceled) out.canceled = true;
  if (r.compactRevision !== 0) out.compact_revision = r.compactRevision;
  if (r.cancelReason !== '') out.cancel_reason = r.cancelReason;
  if (r.fragment) out.fragment = true;
  if (r.events.length > 0) out.events = r.events.map(eventOut);
  return out;
}

/** Split `out` into fragments whose encoded size stays under `limit` (etcd splits by events). */
export function fragments(out: WireMessage, size: (m: WireMessage) => number, limit: number): WireMessage[] {
  const events = listOf(out, 'events');
  if (events.length <= 1 || size(out) <= limit) return [out];
  const pieces: WireMessage[] = [];
  let batch: WireMessage[] = [];
  let batchSize = 0;
  for (const e of events) {
    const eSize = size({ events: [e] });
    if (batch.length > 0 && batchSize + eSize > limit) {
      pieces.push({ ...out, events: batch, fragment: true });
      batch = [];
      batchSize = 0;
    }
    batch.push(e);
    batchSize += eSize;
  }
  pieces.push({ ...out, events: batch });
  return pieces;
}
