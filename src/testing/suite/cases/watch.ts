/** Watch through the Watcher iterator: start positions, replay, compaction, prevKv, filters, event grouping. */

import { prefixRange, toText, ZERO_KEY } from '../../../common/bytes.js';
import { CompactedError } from '../../../interface/errors.js';
import type { WatchCreateRequest, WatchEvent, WatchResponse } from '../../../interface/watch.js';
import type { CaseContext } from '../../../testing/conformance.js';
import { defineCases } from '../../../testing/conformance.js';
import { differs } from '../differences.js';
import { expect } from '../expect.js';
import { currentRevision, Recorder } from '../helpers.js';

/** Open a watcher, wait for its creation, and record it. */
export async function openWatch(ctx: CaseContext, request: WatchCreateRequest) {
  const watcher = ctx.backend.watch(request);
  const recorder = new Recorder<WatchResponse>(watcher);
  const created = await watcher.created;
  return { watcher, recorder, created };
}

/** Collect events from `recorder` until there are `n` of them (responses may batch several). */
export async function collectEvents(
  recorder: Recorder<WatchResponse>,
  n: number,
  timeoutMs = 10_000,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  while (events.length < n) {
    const response = await recorder.next(timeoutMs);
    events.push(...response.events);
  }
  expect(events).toHaveLength(n);
  return events;
}

/** [type, key, modRevision] of each event. */
export function summary(events: readonly WatchEvent[]): [string, string, number][] {
  return events.map((e) => [e.type, toText(e.kv.key), e.kv.modRevision]);
}

export default defineCases('watch', [
  {
    name: 'start 0 means now: only later writes are delivered; created carries the current revision',
    async run(ctx) {
      const { backend, k } = ctx;
      await backend.put({ key: k('before'), value: 'old' });
      const r0 = await currentRevision(backend);
      const { watcher, recorder, created } = await openWatch(ctx, prefixRange(k('')));
      expect(created.created).toBe(true);
      expect(created.canceled).toBe(false);
      expect(created.header.revision).toBe(r0);
      await backend.put({ key: k('after'), value: 'new' });
      const response = await recorder.next();
      expect(summary(response.events)).toEqual([['PUT', k('after'), r0 + 1]]);
      const kv = response.events[0]!.kv;
      expect(toText(kv.value)).toBe('new');
      expect(kv).toMatchObject({ createRevision: r0 + 1, version: 1, lease: 0n });
      expect(response.events[0]!.prevKv).toBeUndefined();
      expect(response.header.revision).toBeGreaterThanOrEqual(r0 + 1);
      expect(response.created).toBe(false);
      await watcher.cancel();
      expect(await recorder.ended()).toBeUndefined();
    },
  },
  {
    name: 'a past start replays history inclusively, deletes as {key, modRevision}, then continues live',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' }); // r0+1
      await backend.put({ key: k('b'), value: '2' }); // r0+2
      await backend.deleteRange({ key: k('a') }); // r0+3
      await backend.put({ key: k('b'), value: '3' }); // r0+4
      const { watcher, recorder } = await openWatch(ctx, { ...prefixRange(k('')), startRevision: r0 + 2 });
      await backend.put({ key: k('c'), value: '4' }); // r0+5
      const events = await collectEvents(recorder, 4);
      expect(summary(events)).toEqual([
        ['PUT', k('b'), r0 + 2],
        ['DELETE', k('a'), r0 + 3],
        ['PUT', k('b'), r0 + 4],
        ['PUT', k('c'), r0 + 5],
      ]);
      const deleted = events[1]!.kv;
      expect(deleted).toMatchObject({ createRevision: 0, version: 0, lease: 0n });
      expect(deleted.value.length).toBe(0);
      expect(events[2]!.kv).toMatchObject({ createRevision: r0 + 2, version: 2 });
      expect(toText(events[2]!.kv.value)).toBe('3');
      await watcher.cancel();
    },
  },
  {
    name: 'a future start waits until the store reaches it',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      const { watcher, recorder, created } = await openWatch(ctx, {
        ...prefixRange(k('')),
        startRevision: r0 + 2,
      });
      expect(created.canceled).toBe(false);
      await backend.put({ key: k('a'), value: 'skipped' }); // r0+1
      await backend.put({ key: k('b'), value: 'first' }); // r0+2
      await backend.put({ key: k('a'), value: 'second' }); // r0+3
      const events = await collectEvents(recorder, 2);
      expect(summary(events)).toEqual([
        ['PUT', k('b'), r0 + 2],
        ['PUT', k('a'), r0 + 3],
      ]);
      await watcher.cancel();
    },
  },
  {
    name: 'a compacted start: created, then the iteration throws CompactedError with the compact revision',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('a'), value: '2' });
      await backend.compact({ revision: r0 + 2 });
      const { recorder, created } = await openWatch(ctx, { key: k('a'), startRevision: r0 + 1 });
      expect(created.created).toBe(true);
      const error = await recorder.ended(10_000);
      expect(error).toBeInstanceOf(CompactedError);
      expect((error as CompactedError).compactRevision).toBe(r0 + 2);
      expect((error as CompactedError).message).toBe(
        'etcdserver: mvcc: required revision has been compacted',
      );
      expect(recorder.items).toEqual([]);
      // A watch from exactly C is fine and replays C.
      const atC = await openWatch(ctx, { key: k('a'), startRevision: r0 + 2 });
      expect(summary(await collectEvents(atC.recorder, 1))).toEqual([['PUT', k('a'), r0 + 2]]);
      await atC.watcher.cancel();
    },
  },
  {
    name: 'a watch from exactly C: prevKv below C is omitted; a delete at C (version difference)',
    async run(ctx) {
      const { backend, k } = ctx;
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' }); // r0+1
      await backend.put({ key: k('a'), value: '2' }); // r0+2
      await backend.put({ key: k('b'), value: '1' }); // r0+3
      await backend.deleteRange({ key: k('b') }); // r0+4 = C
      await backend.put({ key: k('a'), value: '3' }); // r0+5
      const c = r0 + 4;
      await backend.compact({ revision: c });
      const { watcher, recorder } = await openWatch(ctx, {
        ...prefixRange(k('')),
        startRevision: c,
        prevKv: true,
      });
      const events: WatchEvent[] = [];
      while (!events.some((e) => e.kv.modRevision === r0 + 5)) events.push(...(await recorder.next()).events);
      const put = events[events.length - 1]!;
      expect(summary([put])).toEqual([['PUT', k('a'), r0 + 5]]);
      // prevKv is read at r0+4 = C: still there.
      expect(toText(put.prevKv!.value)).toBe('2');
      if (differs('deleteAtCompactRevision', ctx)) {
        // 3.4 usually drops the delete made at C; when it does deliver it, it must be the right one.
        expect(events.length === 1 || events.length === 2).toBe(true);
        if (events.length === 2) {
          expect(summary(events.slice(0, 1))).toEqual([['DELETE', k('b'), c]]);
          expect(events[0]!.prevKv).toBeUndefined();
        }
      } else {
        expect(summary(events)).toEqual([
          ['DELETE', k('b'), c],
          ['PUT', k('a'), r0 + 5],
        ]);
        // Its prevKv would be read at C − 1, below the compaction: omitted, not an error.
        expect(events[0]!.prevKv).toBeUndefined();
      }
      await watcher.cancel();
    },
  },
  {
    name: 'prevKv: absent on creates, the previous value on updates and deletes',
    async run(ctx) {
      const { backend, k } = ctx;
      const { watcher, recorder } = await openWatch(ctx, { key: k('a'), prevKv: true });
      const first = await backend.put({ key: k('a'), value: 'one' });
      await backend.put({ key: k('a'), value: 'two' });
      await backend.deleteRange({ key: k('a') });
      await backend.put({ key: k('a'), value: 'three' });
      const events = await collectEvents(recorder, 4);
      expect(events.map((e) => e.type)).toEqual(['PUT', 'PUT', 'DELETE', 'PUT']);
      expect(events[0]!.prevKv).toBeUndefined();
      expect(toText(events[1]!.prevKv!.value)).toBe('one');
      expect(events[1]!.prevKv).toMatchObject({ modRevision: first.header.revision, version: 1 });
      expect(toText(events[2]!.prevKv!.value)).toBe('two');
      expect(events[2]!.prevKv!.version).toBe(2);
      expect(events[3]!.prevKv).toBeUndefined();
      await watcher.cancel();
      // Without prevKv no event carries one.
      const plain = await openWatch(ctx, { key: k('a') });
      await backend.put({ key: k('a'), value: 'four' });
      const [event] = await collectEvents(plain.recorder, 1);
      expect(event!.prevKv).toBeUndefined();
      await plain.watcher.cancel();
    },
  },
  {
    name: 'NOPUT and NODELETE filters drop those events; all-filtered responses are not sent',
    async run(ctx) {
      const { backend, k } = ctx;
      const noPut = await openWatch(ctx, { ...prefixRange(k('')), filters: ['NOPUT'] });
      const noDelete = await openWatch(ctx, { ...prefixRange(k('')), filters: ['NODELETE'] });
      const r0 = await currentRevision(backend);
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('b'), value: '1' });
      await backend.deleteRange({ key: k('a') });
      await backend.put({ key: k('a'), value: '2' });
      await backend.deleteRange(prefixRange(k('')));
      // Each response is checked, so an empty (all-filtered) response would fail here.
      const deletes: WatchEvent[] = [];
      while (deletes.length < 3) {
        const response = await noPut.recorder.next();
        expect(response.events.length).toBeGreaterThan(0);
        deletes.push(...response.events);
      }
      expect(summary(deletes)).toEqual([
        ['DELETE', k('a'), r0 + 3],
        ['DELETE', k('a'), r0 + 5],
        ['DELETE', k('b'), r0 + 5],
      ]);
      const puts: WatchEvent[] = [];
      while (puts.length < 3) {
        const response = await noDelete.recorder.next();
        expect(response.events.length).toBeGreaterThan(0);
        puts.push(...response.events);
      }
      expect(summary(puts)).toEqual([
        ['PUT', k('a'), r0 + 1],
        ['PUT', k('b'), r0 + 2],
        ['PUT', k('a'), r0 + 4],
      ]);
      // Marker: a later put reaches the NODELETE watcher next, so nothing else was queued for it.
      await backend.put({ key: k('marker'), value: 'm' });
      expect(summary((await noDelete.recorder.next()).events)).toEqual([['PUT', k('marker'), r0 + 6]]);
      expect(noPut.recorder.pending).toBe(0);
      await noPut.watcher.cancel();
      await noDelete.watcher.cancel();
    },
  },
  {
    name: 'the events of one txn come in one response, in op order, at one revision',
    async run(ctx) {
      const { backend, k } = ctx;
      await backend.put({ key: k('b'), value: 'old' });
      const { watcher, recorder } = await openWatch(ctx, prefixRange(k('')));
      const r0 = await currentRevision(backend);
      await backend.txn({
        success: [
          { requestPut: { key: k('c'), value: '1' } },
          { requestPut: { key: k('a'), value: '1' } },
          { requestDeleteRange: { key: k('b') } },
          { requestTxn: { success: [{ requestPut: { key: k('0'), value: 'nested' } }] } },
        ],
      });
      const response = await recorder.next();
      expect(summary(response.events)).toEqual([
        ['PUT', k('c'), r0 + 1],
        ['PUT', k('a'), r0 + 1],
        ['DELETE', k('b'), r0 + 1],
        ['PUT', k('0'), r0 + 1],
      ]);
      // A put inside a from-key delete: PUT then DELETE of the same key at one revision (semantics §12).
      await backend.txn({
        success: [
          { requestPut: { key: k('zz/x'), value: 'x' } },
          { requestDeleteRange: { key: k('zz/'), rangeEnd: ZERO_KEY } },
        ],
      });
      const second = await recorder.next();
      expect(summary(second.events)).toEqual([
        ['PUT', k('zz/x'), r0 + 2],
        ['DELETE', k('zz/x'), r0 + 2],
      ]);
      await watcher.cancel();
    },
  },
  {
    name: 'prevKv inside a txn is read at the revision before it; a 100-op txn is one response',
    async run(ctx) {
      const { backend, k } = ctx;
      await backend.put({ key: k('zz/x'), value: 'old' });
      const { watcher, recorder } = await openWatch(ctx, { ...prefixRange(k('')), prevKv: true });
      const r0 = await currentRevision(backend);
      // PUT then DELETE of one key in one txn: both prevKvs are the value before the txn (real 3.4.23).
      await backend.txn({
        success: [
          { requestPut: { key: k('zz/x'), value: 'new' } },
          { requestDeleteRange: { key: k('zz/'), rangeEnd: ZERO_KEY } },
        ],
      });
      const first = await recorder.next();
      expect(summary(first.events)).toEqual([
        ['PUT', k('zz/x'), r0 + 1],
        ['DELETE', k('zz/x'), r0 + 1],
      ]);
      expect(first.events.map((e) => (e.prevKv ? toText(e.prevKv.value) : null))).toEqual(['old', 'old']);
      // A key that did not exist before the txn: no prevKv on either event.
      await backend.txn({
        success: [
          { requestPut: { key: k('zz/y'), value: 'fresh' } },
          { requestDeleteRange: { key: k('zz/'), rangeEnd: ZERO_KEY } },
        ],
      });
      const second = await recorder.next();
      expect(summary(second.events)).toEqual([
        ['PUT', k('zz/y'), r0 + 2],
        ['DELETE', k('zz/y'), r0 + 2],
      ]);
      expect(second.events.map((e) => e.prevKv)).toEqual([undefined, undefined]);
      // Atomic: one revision never spans responses.
      const many = Array.from({ length: 100 }, (_, i) => ({
        requestPut: { key: k(`m/${String(i).padStart(3, '0')}`), value: String(i) },
      }));
      await backend.txn({ success: many });
      const big = await recorder.next();
      expect(big.events).toHaveLength(100);
      expect(big.events.every((e) => e.kv.modRevision === r0 + 3)).toBe(true);
      expect(big.events.map((e) => toText(e.kv.key))).toEqual(many.map((op) => op.requestPut.key));
      await watcher.cancel();
    },
  },
  {
    name: 'a range delete and a lease revoke emit their deletes in key order, in one response',
    async run(ctx) {
      const { backend, k } = ctx;
      const lease = await backend.leaseGrant({ ttl: 60 });
      for (const s of ['d/c', 'd/a', 'd/b']) await backend.put({ key: k(s), value: s });
      for (const s of ['l/z', 'l/x', 'l/y']) await backend.put({ key: k(s), value: s, lease: lease.id });
      const { watcher, recorder } = await openWatch(ctx, { ...prefixRange(k('')), prevKv: true });
      const r0 = await currentRevision(backend);
      await backend.deleteRange(prefixRange(k('d/')));
      const del = await recorder.next();
      expect(summary(del.events)).toEqual([
        ['DELETE', k('d/a'), r0 + 1],
        ['DELETE', k('d/b'), r0 + 1],
        ['DELETE', k('d/c'), r0 + 1],
      ]);
      expect(del.events.map((e) => toText(e.prevKv!.value))).toEqual(['d/a', 'd/b', 'd/c']);
      await backend.leaseRevoke({ id: lease.id });
      const revoke = await recorder.next();
      expect(summary(revoke.events)).toEqual([
        ['DELETE', k('l/x'), r0 + 2],
        ['DELETE', k('l/y'), r0 + 2],
        ['DELETE', k('l/z'), r0 + 2],
      ]);
      expect(revoke.events.map((e) => e.prevKv!.lease)).toEqual([lease.id, lease.id, lease.id]);
      await watcher.cancel();
    },
  },
  {
    name: 'a progress request on a caught-up watcher yields an empty response at the current revision',
    async run(ctx) {
      const { backend, k } = ctx;
      const { watcher, recorder } = await openWatch(ctx, { key: k('a') });
      await backend.put({ key: k('a'), value: '1' });
      await backend.put({ key: k('other'), value: '1' });
      const r = await currentRevision(backend);
      expect((await recorder.next()).events).toHaveLength(1);
      watcher.requestProgress();
      const progress = await recorder.next();
      expect(progress.events).toEqual([]);
      expect(progress.created).toBe(false);
      expect(progress.canceled).toBe(false);
      expect(progress.compactRevision).toBe(0);
      expect(progress.header.revision).toBe(r);
      await watcher.cancel();
    },
  },
  {
    name: 'cancel and abort end the iteration without an error and stop events',
    async run(ctx) {
      const { backend, k } = ctx;
      const first = await openWatch(ctx, { key: k('a') });
      await first.watcher.cancel();
      expect(await first.recorder.ended()).toBeUndefined();
      const controller = new AbortController();
      const watcher = backend.watch({ key: k('a') }, { signal: controller.signal });
      const recorder = new Recorder<WatchResponse>(watcher);
      await watcher.created;
      controller.abort();
      expect(await recorder.ended()).toBeUndefined();
      await backend.put({ key: k('a'), value: 'after' });
      // A live watcher opened afterwards sees the next write; the ended ones saw nothing.
      const live = await openWatch(ctx, { key: k('a') });
      await backend.put({ key: k('a'), value: 'later' });
      expect((await live.recorder.next()).events).toHaveLength(1);
      expect(first.recorder.items).toEqual([]);
      expect(recorder.items).toEqual([]);
      await live.watcher.cancel();
    },
  },
]);
