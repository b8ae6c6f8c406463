/** The raw watch stream: creation replies, watch IDs, refused creates, cancel, progress requests. */

import { prefixRange, ZERO_KEY } from '../../../common/bytes.js';
import type { WatchResponse, WatchStream } from '../../../interface/watch.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { currentRevision, Recorder } from '../helpers.js';
import { summary } from './watch.js';

/** Open a stream and record it. */
function openStream(ctx: CaseContext): { stream: WatchStream; recorder: Recorder<WatchResponse> } {
  const stream = ctx.backend.watchStream();
  return { stream, recorder: new Recorder<WatchResponse>(stream) };
}

const DUPLICATE_ID = 'mvcc: duplicate watch ID provided on the WatchStream';
const EMPTY_RANGE = 'mvcc: watcher range is empty';

export default defineCases('watch stream', [
  {
    name: 'created comes before events; auto IDs start at 0, skip IDs in use and are never reused',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('a') });
      const first = await recorder.next();
      expect(first).toMatchObject({
        watchId: 0,
        created: true,
        canceled: false,
        cancelReason: '',
        compactRevision: 0,
      });
      expect(first.events).toEqual([]);
      expect(first.header.revision).toBe(r0);
      stream.create({ key: k('a'), watchId: 1 });
      expect(await recorder.next()).toMatchObject({ watchId: 1, created: true, canceled: false });
      stream.create({ key: k('a') }); // 1 is taken: gets 2
      expect(await recorder.next()).toMatchObject({ watchId: 2, created: true, canceled: false });
      stream.cancel(0);
      expect(await recorder.next()).toMatchObject({ watchId: 0, canceled: true, created: false });
      stream.create({ key: k('a') }); // 0 is free again but IDs only increase
      expect(await recorder.next()).toMatchObject({ watchId: 3, created: true });
      // Created with a start in the past: the created reply still precedes the replayed events.
      await backend.put({ key: k('b'), value: '1' });
      stream.create({ key: k('b'), startRevision: r0 + 1, watchId: 10 });
      let sawCreated = false;
      let sawEvent = false;
      while (!sawEvent) {
        const response = await recorder.next();
        if (response.watchId === 10 && response.created) sawCreated = true;
        if (response.watchId === 10 && response.events.length > 0) {
          expect(sawCreated).toBe(true);
          expect(summary(response.events)).toEqual([['PUT', k('b'), r0 + 1]]);
          sawEvent = true;
        }
      }
      // Each watcher gets the event under its own ID.
      await backend.put({ key: k('a'), value: '1' });
      const ids: number[] = [];
      while (ids.length < 3) {
        const response = await recorder.next();
        expect(summary(response.events)).toEqual([['PUT', k('a'), r0 + 2]]);
        ids.push(response.watchId);
      }
      expect(ids.sort((x, y) => x - y)).toEqual([1, 2, 3]);
      stream.close();
      expect(await recorder.ended()).toBeUndefined();
    },
  },
  {
    name: 'a duplicate ID and an empty range are refused with created + canceled, ID −1 and a cancel reason',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('a'), watchId: 7 });
      expect(await recorder.next()).toMatchObject({ watchId: 7, created: true, canceled: false });
      stream.create({ key: k('b'), watchId: 7 });
      const duplicate = await recorder.next();
      expect(duplicate).toMatchObject({
        watchId: -1,
        created: true,
        canceled: true,
        cancelReason: DUPLICATE_ID,
      });
      expect(duplicate.header.revision).toBe(r0);
      stream.create({ key: k('c'), rangeEnd: k('b') });
      expect(await recorder.next()).toMatchObject({
        watchId: -1,
        created: true,
        canceled: true,
        cancelReason: EMPTY_RANGE,
      });
      stream.create({ key: k('b'), rangeEnd: k('b') });
      expect(await recorder.next()).toMatchObject({
        watchId: -1,
        created: true,
        canceled: true,
        cancelReason: EMPTY_RANGE,
      });
      // The refusals did not disturb the existing watcher, and refused creates took no auto ID.
      stream.create({ key: k('a') });
      expect(await recorder.next()).toMatchObject({ watchId: 0, created: true, canceled: false });
      await backend.put({ key: k('a'), value: '1' });
      const got = await recorder.take(2);
      expect(got.map((r) => r.watchId).sort()).toEqual([0, 7]);
      stream.close();
    },
  },
  {
    name: 'cancelling an unknown ID gets no reply; cancelling a watcher stops its events',
    async run(ctx) {
      const { backend, k } = ctx;
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('a') });
      expect(await recorder.next()).toMatchObject({ watchId: 0, created: true });
      stream.create({ key: k('b') });
      expect(await recorder.next()).toMatchObject({ watchId: 1, created: true });
      stream.cancel(77);
      // The next response is the reply to this create: nothing came for ID 77.
      stream.create({ key: k('c') });
      expect(await recorder.next()).toMatchObject({ watchId: 2, created: true, canceled: false });
      stream.cancel(0);
      const canceled = await recorder.next();
      expect(canceled).toMatchObject({
        watchId: 0,
        canceled: true,
        created: false,
        cancelReason: '',
        compactRevision: 0,
      });
      expect(canceled.events).toEqual([]);
      stream.cancel(0); // already gone: no reply either
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: 'unwatched' });
      await backend.put({ key: k('b'), value: 'watched' });
      const next = await recorder.next();
      expect(next.watchId).toBe(1);
      expect(summary(next.events)).toEqual([['PUT', k('b'), r0 + 2]]);
      stream.close();
    },
  },
  {
    name: 'a compacted start is created, then canceled with compact_revision, no reason and header revision 0',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('a'), value: '2' });
      await backend.compact({ revision: r0 + 2 });
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('a'), startRevision: r0 + 1, watchId: 3 });
      expect(await recorder.next()).toMatchObject({ watchId: 3, created: true, canceled: false });
      const canceled = await recorder.next(10_000);
      expect(canceled).toMatchObject({
        watchId: 3,
        created: false,
        canceled: true,
        compactRevision: r0 + 2,
        cancelReason: '',
      });
      expect(canceled.events).toEqual([]);
      expect(canceled.header.revision).toBe(0);
      // The stream itself is still usable.
      stream.create({ key: k('a'), watchId: 4 });
      expect(await recorder.next()).toMatchObject({ watchId: 4, created: true, canceled: false });
      stream.close();
    },
  },
  {
    name: 'a watcher canceled for compaction keeps its ID until cancelled: a cancel then gets a canceled reply',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('a'), value: '2' });
      await backend.compact({ revision: r0 + 2 });
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('a'), startRevision: r0 + 1, watchId: 3 });
      expect(await recorder.next()).toMatchObject({ watchId: 3, created: true, canceled: false });
      expect(await recorder.next(10_000)).toMatchObject({
        watchId: 3,
        canceled: true,
        compactRevision: r0 + 2,
      });
      // The server keeps the canceled watcher until the client cancels it: its ID is still taken...
      stream.create({ key: k('a'), watchId: 3 });
      expect(await recorder.next()).toMatchObject({
        watchId: -1,
        created: true,
        canceled: true,
        cancelReason: 'mvcc: duplicate watch ID provided on the WatchStream',
      });
      // ...and a cancel is answered like any other: canceled, that ID, the current revision, no reason.
      await backend.put({ key: k('b'), value: '1' });
      stream.cancel(3);
      const reply = await recorder.next();
      expect(reply).toMatchObject({
        watchId: 3,
        created: false,
        canceled: true,
        compactRevision: 0,
        cancelReason: '',
      });
      expect(reply.events).toEqual([]);
      expect(reply.header.revision).toBe(r0 + 3);
      // Now it is gone: a second cancel gets no reply, and the ID can be used again.
      stream.cancel(3);
      stream.create({ key: k('a'), watchId: 3 });
      expect(await recorder.next()).toMatchObject({ watchId: 3, created: true, canceled: false });
      expect(recorder.pending).toBe(0);
      stream.close();
    },
  },
  {
    name: 'a negative start revision (version difference)',
    async run(ctx) {
      const { k } = ctx;
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('a'), startRevision: -5, watchId: 2 });
      if (differs('negativeWatchStart', ctx)) {
        expect(await recorder.next()).toMatchObject({ watchId: 2, created: true, canceled: false });
        const canceled = await recorder.next(10_000);
        expect(canceled).toMatchObject({ watchId: 2, canceled: true, cancelReason: '' });
        expect(canceled.compactRevision).not.toBe(0);
        expect(canceled.header.revision).toBe(0);
      } else {
        expect(await recorder.next()).toMatchObject({
          watchId: -1,
          created: true,
          canceled: true,
          cancelReason: 'etcdserver: mvcc: required revision has been compacted',
        });
      }
      stream.close();
    },
  },
  {
    name: 'an empty key means "\\0": alone it is that one key, with rangeEnd "\\0" every key',
    async run(ctx) {
      const { backend, k } = ctx;
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: '' });
      expect(await recorder.next()).toMatchObject({ watchId: 0, created: true, canceled: false });
      stream.create({ key: '', rangeEnd: ZERO_KEY });
      expect(await recorder.next()).toMatchObject({ watchId: 1, created: true, canceled: false });
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('anything'), value: '1' });
      await backend.put({ key: k('more'), value: '1' });
      const events = [];
      while (events.length < 2) {
        const response = await recorder.next();
        expect(response.watchId).toBe(1);
        events.push(...response.events);
      }
      expect(summary(events)).toEqual([
        ['PUT', k('anything'), r0 + 1],
        ['PUT', k('more'), r0 + 2],
      ]);
      expect(recorder.pending).toBe(0);
      stream.close();
    },
  },
  {
    name: 'a progress request when every watcher is synced: one reply with watch ID −1 at the current revision',
    async run(ctx) {
      const { backend, k } = ctx;
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('a') });
      stream.create(prefixRange(k('')));
      await recorder.take(2);
      await backend.put({ key: k('x'), value: '1' });
      const r = await currentRevision(backend);
      expect((await recorder.next()).watchId).toBe(1);
      stream.requestProgress();
      const progress = await recorder.next();
      expect(progress).toMatchObject({ watchId: -1, created: false, canceled: false, compactRevision: 0 });
      expect(progress.events).toEqual([]);
      expect(progress.header.revision).toBe(r);
      // Exactly one reply: the next response is the next event.
      await backend.put({ key: k('a'), value: '1' });
      const after = await recorder.take(2);
      for (const response of after) expect(response.events).toHaveLength(1);
      stream.close();
    },
  },
  {
    name: 'a progress request while a watcher is catching up or waits for a future revision (version difference)',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      for (let i = 0; i < 20; i++) await backend.put({ key: k(`h${i}`), value: String(i) });
      const r = r0 + 20;
      const { stream, recorder } = openStream(ctx);
      stream.create({ ...prefixRange(k('')), startRevision: r0 + 1, watchId: 1 });
      stream.create({ key: k('future'), startRevision: r + 3, watchId: 2 });
      stream.requestProgress();
      // A marker that ends the observation window: a put the prefix watcher sees after its catch-up.
      await backend.put({ key: k('marker'), value: 'm' });
      const seen: WatchResponse[] = [];
      let events = 0;
      while (events < 21) {
        const response = await recorder.next();
        seen.push(response);
        if (response.watchId === 1) events += response.events.length;
      }
      const progress = seen.filter((resp) => resp.watchId === -1);
      const atOnce = differs('progressWhileCatchingUp', ctx);
      if (atOnce) {
        // Answered at once; only the shape is asserted (it may precede the catch-up events).
        const answer = progress[0] ?? (await recorder.next());
        expect(answer).toMatchObject({ watchId: -1, created: false, canceled: false, compactRevision: 0 });
        expect(answer.events).toEqual([]);
        expect(answer.header.revision).toBeGreaterThanOrEqual(r);
      } else if (differs('progressRequestDeferred', ctx)) {
        // Held until every watcher is synced (the future one counts as synced on these releases), then
        // answered once, after the catch-up.
        const answer = progress[0] ?? (await recorder.next());
        expect(answer).toMatchObject({ watchId: -1, created: false, canceled: false, compactRevision: 0 });
        expect(answer.header.revision).toBeGreaterThanOrEqual(r);
        seen.push(...(progress.length === 0 ? [answer] : []));
        await ctx.advanceTime(200);
        expect(recorder.pending).toBe(0);
      } else {
        // Not answered: a watcher was not synced when it came. A notice would claim that every event up to
        // its revision had been delivered.
        expect(progress).toEqual([]);
        await ctx.advanceTime(200);
        expect(recorder.pending).toBe(0);
      }
      // Bookmarkable, wherever the answer is ordered: no event at or below a progress notice's revision after it.
      let bookmark = 0;
      for (const response of seen) {
        if (response.watchId === -1 && !atOnce) bookmark = response.header.revision;
        for (const event of response.events) expect(event.kv.modRevision).toBeGreaterThan(bookmark);
      }
      stream.close();
    },
  },
  {
    name: 'a progress request on a stream with no watcher (version difference)',
    async run(ctx) {
      const { backend, k } = ctx;
      const r = await currentRevision(backend);
      const { stream, recorder } = openStream(ctx);
      stream.requestProgress();
      if (differs('progressWhileCatchingUp', ctx)) {
        // Answered from the control channel, watcher or not.
        expect(await recorder.next()).toMatchObject({ watchId: -1, header: { revision: r }, events: [] });
      } else {
        // Every watcher is synced, but there is none to send the notice on: no reply.
        await ctx.advanceTime(200);
        stream.create({ key: k('a'), watchId: 1 });
        expect(await recorder.next()).toMatchObject({ watchId: 1, created: true });
      }
      await ctx.advanceTime(200);
      expect(recorder.pending).toBe(0);
      stream.close();
    },
  },
  {
    name: 'periodic progress notices go to idle synced watchers; to one whose start is still ahead only on older servers (version difference)',
    timeoutMs: 30_000,
    async run(ctx) {
      const { backend, k } = ctx;
      const interval = ctx.progressNotifyIntervalMs;
      if (interval > 5_000)
        throw new Error(`needs a target with a short progress interval, has ${interval} ms`);
      const older = differs('progressForFutureWatchers', ctx);
      const r = await currentRevision(backend);
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('now'), progressNotify: true, watchId: 1 });
      stream.create({ key: k('next'), startRevision: r + 1, progressNotify: true, watchId: 2 });
      stream.create({ key: k('future'), startRevision: r + 5, progressNotify: true, watchId: 3 });
      await recorder.take(3);
      /** IDs of the watchers notified at each revision while `ms` pass. */
      const noticesDuring = async (ms: number) => {
        await ctx.advanceTime(ms);
        const byRevision = new Map<number, Set<number>>();
        while (recorder.pending > 0) {
          const notice = await recorder.next();
          expect(notice).toMatchObject({ created: false, canceled: false, compactRevision: 0, events: [] });
          const ids = byRevision.get(notice.header.revision) ?? new Set<number>();
          byRevision.set(notice.header.revision, ids.add(notice.watchId));
        }
        return byRevision;
      };
      // Nothing written: watcher 1 is synced; 2 and 3 start after the current revision.
      const before = await noticesDuring(interval * 2.5);
      expect([...before.keys()]).toEqual([r]);
      expect([...before.get(r)!].sort()).toEqual(older ? [1, 2, 3] : [1]);
      // One write elsewhere: revision r + 1 reaches watcher 2's start, not watcher 3's. (A notice at r sent
      // just before the write may still arrive on a loaded machine; it is not counted.)
      await backend.put({ key: k('elsewhere'), value: '1' });
      const after = await noticesDuring(interval * 2.5);
      for (const revision of after.keys()) expect([r, r + 1]).toContain(revision);
      expect([...(after.get(r + 1) ?? [])].sort()).toEqual(older ? [1, 2, 3] : [1, 2]);
      stream.close();
    },
  },
  {
    name: 'a progress request while the only watcher starts at the next revision (version difference)',
    async run(ctx) {
      const { backend, k } = ctx;
      const r = await currentRevision(backend);
      const { stream, recorder } = openStream(ctx);
      stream.create({ key: k('next'), startRevision: r + 1, watchId: 1 });
      await recorder.take(1);
      stream.requestProgress();
      if (differs('progressForFutureWatchers', ctx) || differs('progressWhileCatchingUp', ctx)) {
        expect(await recorder.next()).toMatchObject({ watchId: -1, header: { revision: r } });
      } else {
        // Unanswered: a notice at r would claim that every event up to r was delivered to a watcher that
        // starts at r + 1, which says nothing. The next reply is the next request's.
        await ctx.advanceTime(200);
        stream.create({ key: k('marker'), watchId: 2 });
        expect(await recorder.next()).toMatchObject({ watchId: 2, created: true });
        await ctx.advanceTime(200);
        expect(recorder.pending).toBe(0);
      }
      // Once its start revision is reached it counts as synced on every server.
      await backend.put({ key: k('elsewhere'), value: '1' });
      stream.requestProgress();
      const answer = await recorder.next();
      expect(answer).toMatchObject({ watchId: -1, created: false, canceled: false, events: [] });
      expect(answer.header.revision).toBe(r + 1);
      stream.close();
    },
  },
]);
