/**
 * PriorityQueue: a queue served by priority, lowest number first, FIFO within a priority, after etcd's
 * recipe (client/v3/experimental/recipes/priority_queue.go): items are keys
 * `pfx/items/<priority, 5 digits>/<sequence, 16 digits>` and are served in key order.
 *
 * Departures from Go:
 * - The sequence number is the revision of a put to `pfx/seq`, then the item is written under it: two
 *   writes, never retried. Go reads the last key and writes in a txn guarded by a bookkeeping key, which
 *   producers racing on one priority retry in turn. Either way an enqueue that completed before another
 *   began is served first.
 * - Crash-safe dequeue, as {@link Queue}: items are claimed on the consumer's session lease and removed
 *   by ack, so a crashed consumer's item is delivered again in its place ({@link QueueItem}).
 * - Priorities are integers 0..65535 (Go's Enqueue takes a uint16; its EnqueueUint64 pads to 5 digits
 *   too, so larger numbers sort wrongly: not offered).
 */

import { prefixRange } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type { Bytes } from '../interface/kv.js';
import type { WaitOptions } from './internal.js';
import type { Enqueued } from './queue.js';
import { dequeueFrom, type QueueItem, type QueueLayout } from './queue-item.js';
import type { Session } from './session.js';

/** The highest priority number (served last). */
export const MAX_PRIORITY = 65_535;

/** A priority queue on a key prefix. Producers need only the backend; consumers dequeue with a {@link Session}. */
export class PriorityQueue {
  readonly #layout: QueueLayout;

  /** A priority queue on `pfx` (keys `pfx/items/<priority>/<seq>`, claims `pfx/claims/...`, `pfx/seq`). */
  constructor(backend: KvBackend, pfx: string) {
    if (typeof pfx !== 'string')
      throw new InvalidArgumentError(`PriorityQueue: pfx must be a string, received ${typeof pfx}`);
    this.#layout = {
      backend,
      root: `${pfx}/`,
      order: 'KEY',
      priorityOf: (id) => Number(id.slice(0, id.indexOf('/'))),
    };
  }

  /** Add `value` with `priority` (0..65535; lower is served first), behind the items of that priority. */
  async enqueue(value: Bytes, priority: number, options: { signal?: AbortSignal } = {}): Promise<Enqueued> {
    if (
      typeof priority !== 'number' ||
      !Number.isInteger(priority) ||
      priority < 0 ||
      priority > MAX_PRIORITY
    )
      throw new InvalidArgumentError(
        `PriorityQueue: priority must be an integer in 0..${MAX_PRIORITY}, received ${String(priority)}`,
      );
    const { backend, root } = this.#layout;
    const seq = (await backend.put({ key: `${root}seq`, value: '' }, { signal: options.signal })).header
      .revision;
    const id = `${String(priority).padStart(5, '0')}/${String(seq).padStart(16, '0')}`;
    const key = `${root}items/${id}`;
    const r = await backend.put({ key, value }, { signal: options.signal });
    return { id, key, revision: r.header.revision };
  }

  /** Claim the first available item (lowest priority number, then oldest), waiting for one if none. */
  async dequeue(session: Session, options: WaitOptions = {}): Promise<QueueItem> {
    return (await dequeueFrom(this.#layout, session, options, true))!;
  }

  /** Claim the first available item now, or resolve undefined if there is none. */
  tryDequeue(session: Session, options: { signal?: AbortSignal } = {}): Promise<QueueItem | undefined> {
    return dequeueFrom(this.#layout, session, options, false);
  }

  /** The number of items in the queue, claimed ones included. */
  async size(options: { signal?: AbortSignal } = {}): Promise<number> {
    const { backend, root } = this.#layout;
    const r = await backend.range({ ...prefixRange(`${root}items/`), countOnly: true }, options);
    return r.count;
  }
}
