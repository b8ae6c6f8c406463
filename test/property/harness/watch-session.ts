/**
 * The watchers a property sequence opens: several on one stream (different ranges, filters, prev_kv),
 * collected in the background, checked at the end with the validators of src/testing/watch-checks.ts
 * against the model's history; plus a resumed watch and a compacted-start watch on a second stream.
 */

import { prefixEnd } from '../../../src/common/bytes.js';
import type { KvBackend } from '../../../src/interface/backend.js';
import type { WatchCreateRequest, WatchResponse, WatchStream } from '../../../src/interface/watch.js';
import type { ModelState } from '../../../src/testing/model/index.js';
import { differs } from '../../../src/testing/suite/differences.js';
import {
  checkReliable,
  checkResumable,
  checkWatch,
  expectedEvents,
  isProgress,
  type WatchHistory,
  type WatchViolation,
} from '../../../src/testing/watch-checks.js';
import type { Mapper } from './translate.js';

/** A stream and what it received, normalized to model terms. */
class Recorded {
  readonly responses: WatchResponse[] = [];
  error: unknown;
  readonly #done: Promise<void>;

  constructor(
    readonly stream: WatchStream,
    mapper: Mapper,
  ) {
    this.#done = (async () => {
      try {
        for await (const r of stream) this.responses.push(mapper.response(r));
      } catch (error) {
        this.error = error;
      }
    })();
  }

  /** Create a watcher and wait for its created reply (creates are answered in order). */
  async create(request: WatchCreateRequest, timeoutMs: number): Promise<WatchResponse> {
    const before = this.responses.filter((r) => r.created).length;
    this.stream.create(request);
    await until(
      () => this.responses.filter((r) => r.created).length > before,
      timeoutMs,
      'watch created reply',
    );
    return this.responses.filter((r) => r.created)[before]!;
  }

  /** Responses for one watcher, with stream-wide progress replies (watch ID −1) in arrival order. */
  of(watchId: number): WatchResponse[] {
    return this.responses.filter((r) => !r.created && (r.watchId === watchId || r.watchId === -1));
  }

  async close(): Promise<void> {
    this.stream.close();
    await this.#done;
  }
}

/** Poll `ready` until true, or throw after `timeoutMs`. */
export async function until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Watched {
  request: WatchCreateRequest;
  watchId: number;
  from: number;
}

/** The watchers of one sequence. */
export class WatchSession {
  readonly #watched: Watched[] = [];
  #main: Recorded | undefined;
  /** Events the validators looked at (coverage figure). */
  checkedEvents = 0;

  /** The server, for the known differences (src/testing/suite/differences.ts). */
  #server = { target: '', serverVersion: '' };

  constructor(
    readonly backend: KvBackend,
    readonly mapper: Mapper,
    readonly prefix: string,
    readonly timeoutMs: number,
    /** The subject's name ("memory", "etcd"). */
    readonly target: string,
  ) {}

  /** Open the stream and its watchers at model revision `revision` (before any op). */
  async open(revision: number): Promise<void> {
    this.#server = { target: this.target, serverVersion: (await this.backend.status()).version };
    const main = new Recorded(this.backend.watchStream(), this.mapper);
    this.#main = main;
    const p = this.prefix;
    const end = prefixEnd(p);
    const requests: WatchCreateRequest[] = [
      { key: p, rangeEnd: end, prevKv: true },
      { key: p, rangeEnd: end, filters: ['NODELETE'] },
      { key: `${p}a`, filters: ['NOPUT'], prevKv: true },
      { key: `${p}b`, rangeEnd: '\0', prevKv: true, startRevision: this.mapper.revToReal(revision + 1) },
    ];
    for (const request of requests) {
      const created = await main.create(request, this.timeoutMs);
      const from = request.startRevision
        ? this.mapper.revToModel(request.startRevision)
        : created.header.revision + 1;
      this.#watched.push({ request, watchId: created.watchId, from });
    }
    await this.#refusedCreates(main);
  }

  /** Violations found while opening (refused creates, cancel replies), reported by check(). */
  readonly #early: WatchViolation[] = [];
  /** Watch IDs that were cancelled or never existed: nothing but the cancel reply may arrive for them. */
  readonly #gone = new Set<number>();

  /**
   * On the same stream (semantics §7): an inverted range and a duplicate client watch ID are refused
   * with created + canceled, watch ID −1 and etcd's cancel_reason; a cancelled watcher gets one canceled
   * reply and nothing after; cancelling an unknown ID gets no reply.
   */
  async #refusedCreates(main: Recorded): Promise<void> {
    const p = this.prefix;
    const refuse = async (request: WatchCreateRequest, reason: string) => {
      const r = await main.create(request, this.timeoutMs);
      if (!(r.canceled && r.watchId === -1 && r.cancelReason === reason)) {
        this.#early.push({
          check: 'filter',
          message: `create ${JSON.stringify(request)}: expected refusal "${reason}", got ${JSON.stringify({ canceled: r.canceled, watchId: r.watchId, cancelReason: r.cancelReason })}`,
        });
      }
    };
    await refuse({ key: `${p}c`, rangeEnd: `${p}a` }, 'mvcc: watcher range is empty');
    await refuse(
      { key: `${p}a`, watchId: this.#watched[1]!.watchId }, // not [0]: watch ID 0 means "choose one"
      'mvcc: duplicate watch ID provided on the WatchStream',
    );
    const extra = await main.create({ key: p, rangeEnd: prefixEnd(p) }, this.timeoutMs);
    main.stream.cancel(extra.watchId);
    main.stream.cancel(987_654);
    await until(
      () => main.responses.some((r) => r.canceled && r.watchId === extra.watchId),
      this.timeoutMs,
      'cancel reply',
    ).catch(() =>
      this.#early.push({ check: 'reliable', message: `no canceled reply for watcher ${extra.watchId}` }),
    );
    this.#gone.add(extra.watchId).add(987_654);
  }

  /**
   * Wait until every watcher has delivered its events through the model's revision, request progress,
   * then run the validators; then a resumed watch and, if compacted, a watch from below C.
   */
  async check(state: ModelState): Promise<WatchViolation[]> {
    const main = this.#main!;
    const history: WatchHistory = { events: state.log, compactRevision: state.compactRevision };
    const through = state.revision;
    const delivered = (w: Watched) =>
      main
        .of(w.watchId)
        .flatMap((r) => r.events)
        .filter((e) => e.kv.modRevision <= through).length;
    const want = (w: Watched) => expectedEvents(w.request, history, w.from, through).length;
    try {
      await until(
        () => this.#watched.every((w) => delivered(w) >= want(w)) || main.error !== undefined,
        this.timeoutMs,
        'watch events',
      );
    } catch {
      // Reported below as a reliability violation with the exact difference.
    }
    if (main.error !== undefined)
      return [{ check: 'reliable', message: `watch stream failed: ${String(main.error)}` }];
    const progressBefore = main.responses.filter(isProgress).length;
    main.stream.requestProgress();
    const violations: WatchViolation[] = [];
    // A watcher whose start revision is not reached yet (no write since it was opened) holds back the
    // answer on current servers; older ones answer anyway.
    const held =
      this.#watched.some((w) => w.from > through) &&
      !differs('progressForFutureWatchers', this.#server) &&
      !differs('progressWhileCatchingUp', this.#server);
    if (held) {
      await new Promise((r) => setTimeout(r, 100));
      if (main.responses.filter(isProgress).length > progressBefore) {
        const ahead = Math.max(...this.#watched.map((w) => w.from));
        violations.push({
          check: 'bookmarkable',
          message: `a progress reply while a watcher's start revision (${ahead}) is ahead of ${through}`,
        });
      }
    } else {
      try {
        await until(
          () => main.responses.filter(isProgress).length > progressBefore,
          this.timeoutMs,
          'progress reply',
        );
        const progress = main.responses.filter(isProgress).at(-1)!;
        if (progress.watchId !== -1 || progress.header.revision !== through) {
          violations.push({
            check: 'bookmarkable',
            message: `progress reply ${JSON.stringify({ watchId: progress.watchId, revision: progress.header.revision })}, expected watch ID -1 at revision ${through}`,
          });
        }
      } catch (error) {
        violations.push({ check: 'bookmarkable', message: String(error) });
      }
    }
    violations.push(...this.#early);
    for (const r of main.responses) {
      if (r.watchId === 987_654) {
        violations.push({ check: 'reliable', message: 'a reply to cancelling an unknown watch ID' });
      } else if (this.#gone.has(r.watchId) && !r.created && !(r.canceled && r.events.length === 0)) {
        violations.push({ check: 'reliable', message: `response after cancelling watch ID ${r.watchId}` });
      }
    }
    for (const w of this.#watched) {
      const own = main.of(w.watchId);
      this.checkedEvents += own.reduce((n, r) => n + r.events.length, 0);
      for (const v of checkWatch(own, w.request, history, { from: w.from, through })) {
        violations.push({ ...v, message: `watcher ${JSON.stringify(w.request)}: ${v.message}` });
      }
    }
    await main.close();
    violations.push(...(await this.#resume(history, through)));
    violations.push(...(await this.#compacted(state)));
    return violations;
  }

  /** A new watch from the middle of the first watcher's events must continue exactly. */
  async #resume(history: WatchHistory, through: number): Promise<WatchViolation[]> {
    const first = this.#watched[0]!;
    const own = this.#main!.of(first.watchId).filter((r) => r.events.length > 0);
    const half = own.slice(0, Math.ceil(own.length / 2));
    const last = half.at(-1)?.events.at(-1)?.kv.modRevision ?? first.from - 1;
    // Below C the watch would be canceled; etcd 3.4 may also miss a delete at exactly C (§12).
    if (last + 1 <= history.compactRevision) return [];
    const rec = new Recorded(this.backend.watchStream(), this.mapper);
    try {
      const request = { ...first.request, startRevision: this.mapper.revToReal(last + 1) };
      const created = await rec.create(request, this.timeoutMs);
      const want = expectedEvents(first.request, history, last + 1, through).length;
      const count = () => rec.of(created.watchId).flatMap((r) => r.events).length;
      await until(() => count() >= want, this.timeoutMs, 'resumed watch events').catch(() => {});
      return checkResumable(half, rec.of(created.watchId), first.request, history, through).concat(
        checkReliable(rec.of(created.watchId), first.request, history, last + 1, through),
      );
    } finally {
      await rec.close();
    }
  }

  /** A watch starting below the compact revision: created, then canceled with compact_revision C. */
  async #compacted(state: ModelState): Promise<WatchViolation[]> {
    const c = state.compactRevision;
    if (c < 3) return [];
    const rec = new Recorded(this.backend.watchStream(), this.mapper);
    try {
      await rec.create(
        { key: this.prefix, rangeEnd: prefixEnd(this.prefix), startRevision: this.mapper.revToReal(c - 1) },
        this.timeoutMs,
      );
      await until(() => rec.responses.some((r) => r.canceled), this.timeoutMs, 'compaction cancel').catch(
        () => {},
      );
      const cancel = rec.responses.find((r) => r.canceled);
      if (!cancel || cancel.compactRevision !== c || cancel.events.length > 0) {
        return [
          {
            check: 'reliable',
            message: `watch from ${c - 1} below C=${c}: expected canceled with compactRevision ${c}, got ${JSON.stringify(cancel ? { compactRevision: cancel.compactRevision, events: cancel.events.length } : 'nothing')}`,
          },
        ];
      }
      return [];
    } finally {
      await rec.close();
    }
  }
}
