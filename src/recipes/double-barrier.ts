/**
 * DoubleBarrier: `count` participants enter together and leave together, after etcd's recipe
 * (client/v3/experimental/recipes/double_barrier.go). Each participant puts `key/waiters/<id>` on its
 * session's lease; `key/ready` marks a round that has filled.
 *
 * Enter: one txn creates our key (unless `key/ready` exists: the barrier is full) and reads the waiters.
 * If `count` or more are older than us we delete our key: {@link TooManyClientsError}. Otherwise we wait,
 * following the waiters with one watch from our own revision, until `count` keys exist or `key/ready`
 * is put; whoever sees the barrier full puts `key/ready` (create-if-absent, guarded by its own key and by
 * the existence of the `count` keys it counted, so a round is marked full only while `count` are in).
 * Leave: as Go, the oldest participant waits for the newest to go, the others delete their key and wait
 * for the oldest; the last one deletes `key/ready` and its key in one txn. Only the keys of our round
 * count: those created before its `key/ready` (enter refuses newcomers while it exists).
 *
 * What the others observe when a participant crashes (its keepalives stop; its lease expires TTL later):
 * - before the barrier fills: it counts until its lease expires. If the round is marked full before then,
 *   every participant is released with it counted; after, it no longer counts and the rest wait for
 *   another. (The same for a participant whose enter fails: its key goes, and with it its place.)
 * - after entering, before leaving: the others' leave() returns once its lease has expired, at most one
 *   TTL later than if it had left.
 * - while it is the last to leave: `key/ready` stays behind; the next round's first enter sees a ready
 *   key with no waiters and deletes it.
 *
 * Departures from Go: the waiters are counted by every participant, not only the last to enter (Go waits
 * for `key/ready` alone, so a last participant that crashed between its count and its put of
 * `key/ready` blocked the others for good); `key/ready` present means full (Go only counts waiters, so a
 * newcomer could join a round that was leaving); a stale `key/ready` is cleaned up (Go's stays and
 * releases the next round early); leave waits for its own round only (Go's reads every waiter again after
 * each wait, so a leaver that is late to see its round end waits for the next round too, which may need
 * it to fill); a cancelled or failed enter or leave deletes our key; `key/ready` is put only while the
 * keys counted still exist (Go's last enterer puts it unguarded; without the guard, 63 of 1,000 simulated
 * fault schedules released a round with fewer than `count` in). Above 126 participants
 * only 126 of the counted keys are checked (etcd's 128 compares per txn).
 */

import { prefixRange, toText } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { CompactedError, InvalidArgumentError } from '../interface/errors.js';
import type { Compare, KeyValue, RangeRequest } from '../interface/kv.js';
import { SessionExpiredError, TooManyClientsError, WaitTimeoutError } from './errors.js';
import { Hold, onLease, onOurLease, removeKey } from './hold.js';
import {
  linkSignals,
  rangeAt,
  throwIfAborted,
  uniqueSuffix,
  type WaitOptions,
  waitSignal,
} from './internal.js';
import type { Session } from './session.js';
import { waitDelete } from './wait-deletes.js';

/**
 * How many counted keys the txn that marks a round full checks (etcd allows 128 compares per txn, two
 * are taken): above it, only this many of the `count` are checked still to exist.
 */
const MAX_COUNTED = 126;

/** A double barrier on `key` for `count` participants; one object is one participant. */
export class DoubleBarrier {
  readonly #session: Session;
  readonly #key: string;
  readonly #count: number;
  readonly #myKey: string;
  #hold: Hold | undefined;
  /** The create revision of our round's ready key, from enter() to leave(). */
  #round = 0;
  #busy = false;

  /** A double barrier on `key` (keys `key/waiters/<id>`, `key/ready`) for `count` participants. */
  constructor(session: Session, key: string, count: number) {
    if (typeof key !== 'string' || key === '')
      throw new InvalidArgumentError(
        `DoubleBarrier: key must be a non-empty string, received ${JSON.stringify(key)}`,
      );
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
      throw new InvalidArgumentError(
        `DoubleBarrier: count must be an integer ≥ 1, received ${String(count)}`,
      );
    this.#session = session;
    this.#key = key;
    this.#count = count;
    this.#myKey = `${key}/waiters/${uniqueSuffix(session.lease)}`;
  }

  get #backend(): KvBackend {
    return this.#session.backend;
  }

  get #ready(): string {
    return `${this.#key}/ready`;
  }

  get #waiters(): string {
    return `${this.#key}/waiters/`;
  }

  /** The number of participants. */
  get count(): number {
    return this.#count;
  }

  /** This participant's key, `key/waiters/<id>`. */
  get key(): string {
    return this.#myKey;
  }

  /** True between enter() and leave() while this participant's key exists. */
  get entered(): boolean {
    return this.#hold?.held ?? false;
  }

  /**
   * Wait until `count` participants have entered. Throws {@link TooManyClientsError} if the barrier is
   * already full, {@link SessionExpiredError} if our lease ends while waiting. After abort, timeout or any
   * error (a lost reply included) our key is deleted, retried for up to the session TTL.
   */
  async enter(options: WaitOptions = {}): Promise<void> {
    if (this.#busy || this.#hold)
      throw new InvalidArgumentError('DoubleBarrier: already entered; leave first');
    this.#busy = true;
    const session = this.#session;
    const backend = this.#backend;
    const { signal, dispose, timedOut } = waitSignal(backend.clock, options, 'double barrier: enter');
    let hold: Hold | undefined;
    let sent = false;
    try {
      const byCreate: RangeRequest = {
        ...prefixRange(this.#waiters),
        sortTarget: 'CREATE',
        sortOrder: 'ASCEND',
      };
      let entered: Awaited<ReturnType<KvBackend['txn']>>;
      for (;;) {
        throwIfAborted(signal);
        if (!session.alive) throw new SessionExpiredError({ cause: session.done.reason });
        sent = true;
        entered = await onLease(
          backend.txn({
            compare: [{ key: this.#ready, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
            success: [
              { requestPut: { key: this.#myKey, value: '', lease: session.lease } },
              { requestRange: byCreate },
              { requestRange: { key: this.#myKey } },
            ],
            failure: [
              { requestRange: { key: this.#ready } },
              { requestRange: { ...prefixRange(this.#waiters), countOnly: true } },
            ],
          }),
        );
        if (entered.succeeded) break;
        const ready = rangeAt(entered, 0)?.kvs[0];
        if (!ready || rangeAt(entered, 1)!.count > 0) throw new TooManyClientsError();
        // A ready key with no participant left: its round's last leaver crashed. Remove it and retry.
        await backend.txn({
          compare: [{ key: this.#ready, target: 'MOD', result: 'EQUAL', modRevision: ready.modRevision }],
          success: [{ requestDeleteRange: { key: this.#ready } }],
        });
      }
      // Our key's create revision (this txn's, unless a key of ours from a failed earlier enter remained).
      const myRev = rangeAt(entered, 2)?.kvs[0]?.createRevision ?? entered.header.revision;
      hold = new Hold(session, this.#myKey, myRev);
      const waiters = rangeAt(entered, 1)!.kvs;
      if (waiters.findIndex((kv) => toText(kv.key) === this.#myKey) >= this.#count) {
        throw new TooManyClientsError();
      }
      const present = new Set(waiters.map((kv) => toText(kv.key)));
      let revision = entered.header.revision;
      // The round's ready key's create revision, once known: every key of the round is older.
      let round: number | undefined;
      const linked = linkSignals(signal, session.done);
      try {
        while (round === undefined) {
          if (present.size < this.#count) {
            round = await this.#waitFull(present, revision, linked.signal);
            if (round !== undefined) break;
          }
          // Mark the round full for late comers: create-if-absent, only while we are in it, and only while
          // `count` of the keys we counted still exist (one may have gone since: a crash, a failed enter).
          const counted = [...present].slice(0, Math.min(this.#count, MAX_COUNTED));
          const marked = await backend.txn({
            compare: [
              { key: this.#ready, target: 'CREATE', result: 'EQUAL', createRevision: 0 },
              hold.isOwner(),
              ...counted.map(
                (key): Compare => ({ key, target: 'CREATE', result: 'GREATER', createRevision: 0 }),
              ),
            ],
            success: [{ requestPut: { key: this.#ready, value: '' } }],
            failure: [
              { requestRange: { key: this.#ready } },
              { requestRange: { key: this.#myKey } },
              { requestRange: { ...prefixRange(this.#waiters), keysOnly: true } },
            ],
          });
          if (marked.succeeded) round = marked.header.revision;
          else if (rangeAt(marked, 1)?.kvs[0]?.createRevision !== hold.rev) throw new SessionExpiredError();
          else if (rangeAt(marked, 0)?.kvs[0] !== undefined) {
            round = rangeAt(marked, 0)!.kvs[0]!.createRevision; // another participant marked it
          } else {
            // A counted key is gone: count again from what is there now, and wait for the rest.
            present.clear();
            for (const kv of rangeAt(marked, 2)!.kvs) present.add(toText(kv.key));
            revision = marked.header.revision;
          }
        }
      } finally {
        linked.dispose();
      }
      this.#hold = hold;
      this.#round = round;
    } catch (error) {
      // Remove our key (it may exist even if the txn's reply was lost), so nobody counts us.
      if (sent) {
        const guard = hold?.isOwner() ?? onOurLease(this.#myKey, session);
        await removeKey(session, this.#myKey, guard, error, 'double barrier: enter');
      }
      hold?.forget();
      if (timedOut())
        throw new WaitTimeoutError('double barrier: enter', options.timeoutMs ?? 0, { cause: error });
      if (!session.alive && !signal?.aborted && !(error instanceof TooManyClientsError))
        throw new SessionExpiredError({ cause: error });
      throw error;
    } finally {
      this.#busy = false;
      dispose();
    }
  }

  /**
   * Follow the barrier's keys from `revision` + 1 until `count` waiters exist or `key/ready` is put.
   * `present` holds the waiter keys at `revision`. Resolves the ready key's create revision if it was
   * put, undefined if the count was reached. Throws {@link SessionExpiredError} if our key goes.
   */
  async #waitFull(present: Set<string>, revision: number, signal: AbortSignal): Promise<number | undefined> {
    const backend = this.#backend;
    for (;;) {
      const watcher = backend.watch(
        { ...prefixRange(`${this.#key}/`), startRevision: revision + 1 },
        { signal },
      );
      try {
        for await (const response of watcher) {
          for (const event of response.events) {
            const key = toText(event.kv.key);
            if (key === this.#ready) {
              if (event.type === 'PUT') return event.kv.createRevision;
            } else if (key.startsWith(this.#waiters)) {
              if (event.type === 'PUT') present.add(key);
              else present.delete(key);
              if (key === this.#myKey && event.type === 'DELETE') throw new SessionExpiredError();
            }
          }
          if (present.size >= this.#count) return undefined;
          revision = response.header.revision;
        }
      } catch (error) {
        if (!(error instanceof CompactedError)) throw error;
      } finally {
        await watcher.cancel();
      }
      throwIfAborted(signal);
      // Compacted: read the waiters again and follow them from there.
      const again = await backend.txn({
        success: [{ requestRange: { key: this.#ready } }, { requestRange: prefixRange(this.#waiters) }],
      });
      const ready = rangeAt(again, 0)?.kvs[0];
      if (ready && ready.createRevision > revision) return ready.createRevision;
      present.clear();
      for (const kv of rangeAt(again, 1)!.kvs) present.add(toText(kv.key));
      if (!present.has(this.#myKey)) throw new SessionExpiredError();
      if (present.size >= this.#count) return undefined;
      revision = again.header.revision;
    }
  }

  /**
   * Wait until every participant has left (or its lease has ended). On abort or timeout our key is
   * deleted anyway, so nobody waits for us.
   */
  async leave(options: WaitOptions = {}): Promise<void> {
    const hold = this.#hold;
    if (this.#busy || !hold)
      throw new InvalidArgumentError('DoubleBarrier: leave() without a successful enter()');
    this.#busy = true;
    const backend = this.#backend;
    const { signal, dispose, timedOut } = waitSignal(backend.clock, options, 'double barrier: leave');
    try {
      for (;;) {
        throwIfAborted(signal);
        // Only our round's keys, all older than its ready key: a next round may have begun meanwhile.
        const got = await backend.range(
          {
            ...prefixRange(this.#waiters),
            maxCreateRevision: this.#round - 1,
            sortTarget: 'CREATE',
            sortOrder: 'ASCEND',
            keysOnly: true,
          },
          { signal },
        );
        const kvs = got.kvs;
        const lowest = kvs[0];
        const highest = kvs[kvs.length - 1];
        if (!lowest || !highest) return;
        const mine = (kv: KeyValue) => toText(kv.key) === this.#myKey && kv.createRevision === hold.rev;
        if (kvs.length === 1 && mine(lowest)) {
          // Last one out: delete the round's ready key with ours.
          const own: Compare = hold.isOwner();
          const r = await backend.txn({
            compare: [own],
            success: [
              { requestDeleteRange: { key: this.#ready } },
              { requestDeleteRange: { key: this.#myKey } },
            ],
          });
          if (r.succeeded) return;
          continue;
        }
        if (mine(lowest)) {
          await waitDelete(backend, highest, got.header.revision, signal);
        } else {
          if (kvs.some(mine)) await hold.release(signal);
          await waitDelete(backend, lowest, got.header.revision, signal);
        }
      }
    } catch (error) {
      // So that nobody waits for us.
      await removeKey(this.#session, this.#myKey, hold.isOwner(), error, 'double barrier: leave');
      if (timedOut())
        throw new WaitTimeoutError('double barrier: leave', options.timeoutMs ?? 0, { cause: error });
      throw error;
    } finally {
      hold.forget();
      this.#hold = undefined;
      this.#busy = false;
      dispose();
    }
  }
}
