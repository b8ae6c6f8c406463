/**
 * Election: etcd's leader election (client/v3/concurrency/election.go, docs/semantics.md §10). Candidates put
 * `pfx/<leaseHex>` on their session's lease; the key with the lowest create revision is the leader and
 * its value is the leader's proclamation. Like a lock, each candidate waits only on its predecessor.
 */

import { AsyncQueue } from '../common/async-queue.js';
import { leaseHex, prefixRange, toText } from '../common/bytes.js';
import type { KvBackend } from '../interface/backend.js';
import { CompactedError, InvalidArgumentError } from '../interface/errors.js';
import type { Bytes, Compare, KeyValue, ResponseHeader } from '../interface/kv.js';
import type { WatchResponse } from '../interface/watch.js';
import { NoLeaderError, NotLeaderError, SessionExpiredError } from './errors.js';
import { firstCreate, linkSignals } from './internal.js';
import type { Session } from './session.js';
import { waitDeletes } from './wait-deletes.js';

/** The current leader as read from the store. */
export interface LeaderInfo {
  /** The leader's key, `pfx/<leaseHex>`. */
  key: string;
  /** The leader's proclaimed value. */
  value: Uint8Array;
  /** The value as UTF-8 text. */
  text: string;
  /** Create revision of the leader's key: its term. Strictly grows from one leader to the next. */
  createRevision: number;
  /** Revision of the latest proclamation. */
  modRevision: number;
  /** The leader's lease. */
  lease: bigint;
  /** The revision this observation reflects. */
  revision: number;
}

/** An election on a key prefix, for one {@link Session}. */
export class Election {
  readonly #session: Session;
  readonly #pfx: string;
  #leaderKey = '';
  #leaderRev = -1;
  #leading = false;
  #hdr: ResponseHeader | undefined;

  /** An election on `pfx` (candidate keys are `pfx/<leaseHex>`) for `session`. */
  constructor(session: Session, pfx: string) {
    if (typeof pfx !== 'string')
      throw new InvalidArgumentError(`Election: pfx must be a string, received ${typeof pfx}`);
    this.#session = session;
    this.#pfx = `${pfx}/`;
  }

  get #backend(): KvBackend {
    return this.#session.backend;
  }

  /** This candidate's key while campaigning or leading, else "". */
  get key(): string {
    return this.#leading ? this.#leaderKey : '';
  }

  /** This candidate's term (its key's create revision) while campaigning or leading, else −1. */
  get rev(): number {
    return this.#leading ? this.#leaderRev : -1;
  }

  /** Header of the last successful write or leadership check (Go: Header()). */
  get header(): ResponseHeader | undefined {
    return this.#hdr;
  }

  /** A compare that holds only while this candidate is the leader of the same term: guard writes with it. */
  isLeader(): Compare {
    return { key: this.#leaderKey, target: 'CREATE', result: 'EQUAL', createRevision: this.#leaderRev };
  }

  /**
   * Campaign with `value` and resolve once this candidate is the leader. Cancel with `signal`: the
   * candidacy is then withdrawn (resigned) and the abort reason thrown. Throws
   * {@link SessionExpiredError} when the session's lease is gone once the wait is over.
   */
  async campaign(value: Bytes, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { signal } = options;
    const session = this.#session;
    if (!session.alive) throw new SessionExpiredError({ cause: session.done.reason });
    const key = this.#pfx + leaseHex(session.lease);
    const response = await this.#backend.txn(
      {
        compare: [{ key, target: 'CREATE', result: 'EQUAL', createRevision: 0 }],
        success: [{ requestPut: { key, value, lease: session.lease } }],
        failure: [{ requestRange: { key } }],
      },
      // Not aborted mid-flight (an aborted write may still be applied and leave the key unseen); an abort is
      // honoured right after it, by the wait below, which then resigns.
    );
    this.#leaderKey = key;
    this.#leaderRev = response.header.revision;
    this.#leading = true;
    if (!response.succeeded) {
      const first = response.responses[0];
      const kv = first && 'responseRange' in first ? first.responseRange.kvs[0] : undefined;
      if (!kv) throw new SessionExpiredError();
      this.#leaderRev = kv.createRevision;
      if (toText(kv.value) !== (typeof value === 'string' ? value : toText(value))) {
        try {
          await this.proclaim(value, { signal });
        } catch (error) {
          await this.resign().catch(() => {});
          throw error;
        }
      }
    }
    const wait = linkSignals(signal, session.done);
    try {
      await waitDeletes(this.#backend, this.#pfx, this.#leaderRev - 1, wait.signal);
      // Like Mutex (etcd #11456): if our lease ran out while we waited, our key is gone.
      const got = await this.#backend.range({ key }, { signal });
      if (got.kvs[0]?.createRevision !== this.#leaderRev) throw new SessionExpiredError();
      this.#hdr = got.header;
    } catch (error) {
      // Withdraw on cancel (Go resigns when the context is done) and on any failure.
      await this.resign().catch(() => {});
      if (!session.alive && !signal?.aborted) throw new SessionExpiredError({ cause: error });
      throw error;
    } finally {
      wait.dispose();
    }
  }

  /** Publish a new value as leader without a new election; {@link NotLeaderError} if not the leader. */
  async proclaim(value: Bytes, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#leading) throw new NotLeaderError();
    const response = await this.#backend.txn(
      {
        compare: [this.isLeader()],
        success: [{ requestPut: { key: this.#leaderKey, value, lease: this.#session.lease } }],
      },
      { signal: options.signal },
    );
    if (!response.succeeded) {
      this.#leading = false;
      throw new NotLeaderError();
    }
    this.#hdr = response.header;
  }

  /** Give up leadership (or the candidacy): delete our key if it is still ours. A no-op when not leading. */
  async resign(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.#leading) return;
    try {
      const response = await this.#backend.txn(
        { compare: [this.isLeader()], success: [{ requestDeleteRange: { key: this.#leaderKey } }] },
        { signal: options.signal },
      );
      this.#hdr = response.header;
    } finally {
      this.#leading = false;
    }
  }

  /** The current leader; {@link NoLeaderError} when there is none. */
  async leader(options: { signal?: AbortSignal } = {}): Promise<LeaderInfo> {
    const response = await this.#backend.range(firstCreate(this.#pfx), { signal: options.signal });
    const kv = response.kvs[0];
    if (!kv) throw new NoLeaderError();
    return leaderInfo(kv, response.header.revision);
  }

  /**
   * The leader and each change of it, as an async iterator (Go: Observe): the current leader first, then
   * every proclamation and every new leader. Ends when `signal` aborts or the loop breaks; throws if the
   * backend fails. Only the latest values are guaranteed: intermediate proclamations may be skipped.
   */
  observe(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<LeaderInfo> {
    const stop = linkSignals(options.signal);
    const queue = new AsyncQueue<LeaderInfo>(() => stop.abort());
    void this.#observeLoop(queue, stop.signal)
      .then(
        () => queue.end(),
        (error) => (stop.signal.aborted ? queue.end() : queue.fail(error)),
      )
      .finally(() => stop.dispose());
    // Aborting ends the iteration at once, even while the loop awaits the backend.
    stop.signal.addEventListener('abort', () => queue.end(), { once: true });
    return queue;
  }

  async #observeLoop(queue: AsyncQueue<LeaderInfo>, signal: AbortSignal): Promise<void> {
    const backend = this.#backend;
    while (!signal.aborted) {
      const response = await backend.range(firstCreate(this.#pfx), { signal });
      let leader: KeyValue | undefined = response.kvs[0];
      let revision = response.header.revision;
      if (!leader) {
        // Wait for the first PUT under the prefix: with no keys, that put is the new leader.
        const watcher = backend.watch({ ...prefixRange(this.#pfx), startRevision: revision }, { signal });
        try {
          for await (const r of compactionTolerant(watcher)) {
            const put = r.events.find((e) => e.type === 'PUT');
            if (put) {
              leader = put.kv;
              revision = put.kv.modRevision;
              break;
            }
          }
        } finally {
          await watcher.cancel();
        }
        if (!leader) {
          if (signal.aborted) return;
          continue;
        }
      }
      queue.push(leaderInfo(leader, revision));
      // Follow that leader's key until it is deleted.
      const watcher = backend.watch({ key: leader.key, startRevision: revision + 1 }, { signal });
      try {
        outer: for await (const r of compactionTolerant(watcher)) {
          for (const event of r.events) {
            if (event.type === 'DELETE') break outer;
            queue.push(leaderInfo(event.kv, event.kv.modRevision));
          }
        }
      } finally {
        await watcher.cancel();
      }
    }
  }
}

/** A watcher whose compaction just ends the iteration: the observe loop then re-reads the leader. */
async function* compactionTolerant(watcher: AsyncIterable<WatchResponse>): AsyncGenerator<WatchResponse> {
  try {
    yield* watcher;
  } catch (error) {
    if (!(error instanceof CompactedError)) throw error;
  }
}

function leaderInfo(kv: KeyValue, revision: number): LeaderInfo {
  return {
    key: toText(kv.key),
    value: kv.value,
    text: toText(kv.value),
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    lease: kv.lease,
    revision,
  };
}
