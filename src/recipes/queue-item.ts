/**
 * Claims: how {@link Queue} and {@link PriorityQueue} hand an item to one consumer without losing it.
 *
 * Go's Dequeue deletes the item as it returns it, so a consumer that crashes before handling it loses it.
 * Here dequeue leaves the item where it is and puts a claim marker `pfx/claims/<id>` on the consumer's
 * session lease (one txn, guarded by the item being unchanged and unclaimed). An item is available while
 * it has no marker. ack() deletes the item and the marker in one txn guarded by the marker still being
 * ours. If the consumer's session ends first, the marker goes with the lease and the item is available
 * again, in its original place (its key, hence its order, never changes): at-least-once delivery.
 *
 * Exactly-once, where it can be proven: the effects passed to ack({ ops }) commit in the same txn as the
 * removal, guarded by our claim. Only one ack can remove an item, so those effects happen once for each
 * item, whatever crashes and redeliveries came before. Effects outside etcd are at-least-once; use
 * {@link QueueItem.id} (the same on every delivery) as their idempotency key, and
 * {@link QueueItem.claimRevision} (a fencing token that grows with each delivery) to fence stale ones.
 */

import { prefixRange, toText } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { CompactedError } from '../interface/errors.js';
import type { Compare, KeyValue, RequestOp, SortTarget, TxnResponse } from '../interface/kv.js';
import { ClaimLostError, SessionExpiredError, WaitTimeoutError } from './errors.js';
import { Hold, onLease, removeKey } from './hold.js';
import {
  linkSignals,
  rangeAt,
  throwIfAborted,
  uniqueSuffix,
  type WaitOptions,
  waitSignal,
} from './internal.js';
import type { Session } from './session.js';

/** Where a queue keeps its items and claims, and how it orders them (internal). */
export interface QueueLayout {
  readonly backend: KvBackend;
  /** The queue's prefix, ending in "/": watched for new items and released claims. */
  readonly root: string;
  /** Sort target of the items: CREATE (Queue, FIFO) or KEY (PriorityQueue). */
  readonly order: Extract<SortTarget, 'CREATE' | 'KEY'>;
  /** The priority encoded in an item id, if the queue has priorities. */
  readonly priorityOf?: (id: string) => number;
}

const itemsOf = (layout: QueueLayout) => `${layout.root}items/`;
const claimsOf = (layout: QueueLayout) => `${layout.root}claims/`;

/**
 * One item a consumer has claimed: handle it, then {@link ack} it; or {@link release} it to have it
 * delivered again. `await using` releases it at scope end unless it was acked (e.g. the handler threw).
 */
export class QueueItem implements AsyncDisposable {
  /** The item's id, unchanged across deliveries: use it as the idempotency key of external effects. */
  readonly id: string;
  /** The item's key, `pfx/items/<id>`. */
  readonly key: string;
  /** The enqueued value. */
  readonly value: Uint8Array;
  /** The item's priority (PriorityQueue), else undefined. */
  readonly priority: number | undefined;
  /** Create revision of the item: when it was enqueued. */
  readonly enqueueRevision: number;
  readonly #backend: KvBackend;
  readonly #claim: Hold;
  #settled = false;

  /** @internal Made by dequeue. */
  constructor(layout: QueueLayout, item: KeyValue, claim: Hold) {
    this.key = toText(item.key);
    this.id = this.key.slice(itemsOf(layout).length);
    this.value = item.value;
    this.priority = layout.priorityOf?.(this.id);
    this.enqueueRevision = item.createRevision;
    this.#backend = layout.backend;
    this.#claim = claim;
  }

  /** The value as UTF-8 text. */
  get text(): string {
    return toText(this.value);
  }

  /** The claim marker's create revision: a fencing token that grows with every delivery of any item. */
  get claimRevision(): number {
    return this.#claim.rev;
  }

  /** True until ack, release, or the end of the consumer's session. */
  get claimed(): boolean {
    return !this.#settled && this.#claim.held;
  }

  /** Aborts when the consumer's session ends while the item is claimed: it will be delivered again. */
  get lost(): AbortSignal {
    return this.#claim.lost;
  }

  /** A compare true only while this claim holds: guard writes made while handling the item. */
  isClaimed(): Compare {
    return this.#claim.isOwner();
  }

  /** Run `success` only while this claim holds (guarded by {@link isClaimed}). */
  guardedTxn(success: RequestOp[], failure: RequestOp[] = [], extra: Compare[] = []): Promise<TxnResponse> {
    return this.#claim.guardedTxn(success, failure, extra);
  }

  /**
   * Remove the item for good, with `ops` (your effects on etcd) in the same txn, only while our claim
   * holds. Resolves true when this call removed it (and applied `ops`); false when the item was already
   * gone (an earlier ack of ours whose outcome was unknown, or another consumer's after a redelivery);
   * throws {@link ClaimLostError} when the item is back in the queue. Nothing is written unless true.
   * After an error that leaves the outcome unknown, call ack again: it is safe to repeat.
   */
  async ack(options: { ops?: RequestOp[]; signal?: AbortSignal } = {}): Promise<boolean> {
    const response = await this.#backend.txn(
      {
        compare: [this.#claim.isOwner()],
        success: [
          { requestDeleteRange: { key: this.key } },
          { requestDeleteRange: { key: this.#claim.key } },
          ...(options.ops ?? []),
        ],
        failure: [{ requestRange: { key: this.key } }],
      },
      { signal: options.signal },
    );
    this.#settle();
    if (response.succeeded) return true;
    if (rangeAt(response, 0)?.kvs[0]?.createRevision === this.enqueueRevision) throw new ClaimLostError();
    return false;
  }

  /** Give the item back: delete our claim (if still ours), so it is delivered again, in its place. */
  async release(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#claim.release(options.signal);
    this.#settle();
  }

  /** Release the item unless it was acked or released. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#settled) await this.release();
  }

  #settle(): void {
    this.#settled = true;
    this.#claim.forget();
  }
}

/**
 * Claim the first available item of `layout` for `session`: waiting (watch-based) for one when `wait`,
 * else resolving undefined when none is available now.
 */
export async function dequeueFrom(
  layout: QueueLayout,
  session: Session,
  options: WaitOptions,
  wait: boolean,
): Promise<QueueItem | undefined> {
  const { backend } = layout;
  const what = 'queue: dequeue';
  const { signal, dispose, timedOut } = waitSignal(backend.clock, options, what);
  const items = itemsOf(layout);
  const claims = claimsOf(layout);
  let limit = 16;
  try {
    for (;;) {
      throwIfAborted(signal);
      if (!session.alive) throw new SessionExpiredError({ cause: session.done.reason });
      const read = await backend.txn(
        {
          success: [
            { requestRange: { ...prefixRange(claims), keysOnly: true } },
            { requestRange: { ...prefixRange(items), sortTarget: layout.order, sortOrder: 'ASCEND', limit } },
          ],
        },
        { signal },
      );
      const claimed = new Set(rangeAt(read, 0)!.kvs.map((kv) => toText(kv.key).slice(claims.length)));
      const head = rangeAt(read, 1)!;
      const candidates = head.kvs.filter((kv) => !claimed.has(toText(kv.key).slice(items.length)));
      for (const kv of candidates) {
        throwIfAborted(signal);
        const claim = await tryClaim(layout, session, kv);
        if (claim) return claim;
      }
      // Every candidate was taken by another consumer meanwhile: read again at once.
      if (candidates.length > 0) continue;
      // The first `limit` items are all claimed: at most `claimed.size` are, so read that many more.
      if (head.more) {
        limit = claimed.size + 16;
        continue;
      }
      if (!wait) return undefined;
      const linked = linkSignals(signal, session.done);
      try {
        await waitForWork(layout, read.header.revision, linked.signal);
      } finally {
        linked.dispose();
      }
    }
  } catch (error) {
    if (timedOut()) throw new WaitTimeoutError(what, options.timeoutMs ?? 0, { cause: error });
    if (!session.alive && !signal?.aborted) throw new SessionExpiredError({ cause: error });
    throw error;
  } finally {
    dispose();
  }
}

/** Put our claim marker on `kv` if it is still there, unchanged and unclaimed. */
async function tryClaim(layout: QueueLayout, session: Session, kv: KeyValue): Promise<QueueItem | undefined> {
  const claimKey = claimsOf(layout) + toText(kv.key).slice(itemsOf(layout).length);
  // A value of this attempt's own, so that a cleanup after a lost reply removes this claim and no other.
  const mark = uniqueSuffix(session.lease);
  let response: TxnResponse;
  try {
    response = await onLease(
      layout.backend.txn({
        compare: [
          { key: kv.key, target: 'MOD', result: 'EQUAL', modRevision: kv.modRevision },
          { key: claimKey, target: 'CREATE', result: 'EQUAL', createRevision: 0 },
        ],
        success: [{ requestPut: { key: claimKey, value: mark, lease: session.lease } }],
      }),
    );
  } catch (error) {
    // The claim may have been applied unseen: remove it, or the item would wait for our session's end.
    const ours: Compare = { key: claimKey, target: 'VALUE', result: 'EQUAL', value: mark };
    await removeKey(session, claimKey, ours, error, 'queue: dequeue');
    throw error;
  }
  if (!response.succeeded) return undefined;
  return new QueueItem(layout, kv, new Hold(session, claimKey, response.header.revision));
}

/** Wait, from `revision` + 1, for a new item or a released claim (a crashed consumer's included). */
async function waitForWork(layout: QueueLayout, revision: number, signal: AbortSignal): Promise<void> {
  const items = itemsOf(layout);
  const claims = claimsOf(layout);
  const watcher = layout.backend.watch(
    { ...prefixRange(layout.root), startRevision: revision + 1 },
    { signal },
  );
  try {
    for await (const response of watcher) {
      for (const event of response.events) {
        const key = toText(event.kv.key);
        if (event.type === 'PUT' ? key.startsWith(items) : key.startsWith(claims)) return;
      }
    }
  } catch (error) {
    if (!(error instanceof CompactedError)) throw error; // compacted: the caller reads again
  } finally {
    await watcher.cancel();
  }
  throwIfAborted(signal);
}
