/**
 * Queue: a multi-producer, multi-consumer FIFO queue, after etcd's recipe
 * (client/v3/experimental/recipes/queue.go): each item is a key `pfx/items/<id>` with a unique id, and
 * items are served in create-revision order, that is in the order their enqueue committed.
 *
 * Departure from Go, for crash safety: Go's Dequeue deletes the item as it returns it, so an item is lost
 * when its consumer crashes before handling it. Here dequeue() claims the item on the consumer's session
 * lease and ack() removes it; an item whose consumer's session ends before the ack is delivered again, in
 * its original place (see {@link QueueItem}: at-least-once, and exactly-once for effects on etcd passed to
 * ack). A blocking dequeue watches the queue from its read, as Go's does; every waiting consumer wakes on
 * a new item and one wins it.
 *
 * Cost: etcd cannot sort by create revision from an index, so each dequeue makes the server sort the
 * queue's keys. Keep a Queue to thousands of items; {@link PriorityQueue} orders by key and scales further.
 */

import { randomBytes } from 'node:crypto';
import { prefixRange } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type { Bytes } from '../interface/kv.js';
import type { WaitOptions } from './internal.js';
import { dequeueFrom, type QueueItem, type QueueLayout } from './queue-item.js';
import type { Session } from './session.js';

/** What enqueue() wrote. */
export interface Enqueued {
  /** The item's id (its key after `pfx/items/`), the same on every delivery. */
  id: string;
  /** The item's key. */
  key: string;
  /** The revision of the item's write. */
  revision: number;
}

/** A FIFO queue on a key prefix. Producers need only the backend; consumers dequeue with a {@link Session}. */
export class Queue {
  readonly #layout: QueueLayout;

  /** A queue on `pfx` (keys `pfx/items/<id>`, claims `pfx/claims/<id>`). */
  constructor(backend: KvBackend, pfx: string) {
    if (typeof pfx !== 'string')
      throw new InvalidArgumentError(`Queue: pfx must be a string, received ${typeof pfx}`);
    this.#layout = { backend, root: `${pfx}/`, order: 'CREATE' };
  }

  /** Add `value` at the tail (Go: Enqueue). */
  async enqueue(value: Bytes, options: { signal?: AbortSignal } = {}): Promise<Enqueued> {
    const { backend, root } = this.#layout;
    for (;;) {
      const id = randomBytes(8).toString('hex');
      const key = `${root}items/${id}`;
      // Create-if-absent, as Go's newUniqueKV: a colliding id (2^-64) is retried, never overwritten.
      const r = await backend.txn(
        {
          compare: [{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
          success: [{ requestPut: { key, value } }],
        },
        { signal: options.signal },
      );
      if (r.succeeded) return { id, key, revision: r.header.revision };
    }
  }

  /**
   * Claim the oldest available item for `session`, waiting for one if the queue is empty (Go: Dequeue).
   * Ack it once handled. Throws {@link SessionExpiredError} if the session ends while waiting.
   */
  async dequeue(session: Session, options: WaitOptions = {}): Promise<QueueItem> {
    return (await dequeueFrom(this.#layout, session, options, true))!;
  }

  /** Claim the oldest available item now, or resolve undefined if there is none. */
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
