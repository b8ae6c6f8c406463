/** The memory watch stream: slow consumers, compaction, progress, filters, IDs, close. */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { CompactedError, WatchCanceledError } from '../../src/interface/errors.js';
import { eventsOf, Reader, rev, setup } from './helpers.js';

describe('memory watch stream', () => {
  it('a consumer that reads nothing never blocks writers, and later gets every event in order', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    stream.create({ key: 'k/', rangeEnd: 'k0' });
    const r0 = await rev(backend);
    for (let i = 0; i < 2_000; i++) await backend.put({ key: `k/${i % 50}`, value: String(i) });
    const responses = await new Reader(stream).take();
    expect(responses[0]!.created).toBe(true);
    const events = responses.slice(1);
    expect(events).toHaveLength(2_000);
    events.forEach((r, i) => {
      expect(r.events).toHaveLength(1);
      expect(r.events[0]!.kv.modRevision).toBe(r0 + 1 + i);
      expect(toText(r.events[0]!.kv.value)).toBe(String(i));
    });
    stream.close();
    await backend.close();
  });

  it('a slow watcher whose position is compacted away is canceled with the compact revision', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    stream.create({ key: 'k' });
    // Nothing is read while the writes and the compaction happen.
    for (let i = 0; i < 10; i++) await backend.put({ key: 'k', value: String(i) });
    const c = await rev(backend);
    await backend.compact({ revision: c });
    const reader = new Reader(stream);
    const responses = await reader.take();
    expect(responses).toHaveLength(2);
    expect(responses[0]!.created).toBe(true);
    expect(responses[1]).toMatchObject({ watchId: 0, canceled: true, compactRevision: c, events: [] });
    expect(responses[1]!.header.revision).toBe(0);
    // The stream still serves other watchers.
    stream.create({ key: 'k' });
    await backend.put({ key: 'k', value: 'after' });
    expect(eventsOf(await reader.take())).toEqual([`PUT k@${c + 1}`]);
    await backend.close();
  });

  it('a watcher that kept up is not canceled by a compaction', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    stream.create({ key: 'k' });
    const reader = new Reader(stream);
    await backend.put({ key: 'k', value: '1' });
    expect(eventsOf(await reader.take())).toHaveLength(1);
    await backend.compact({ revision: await rev(backend) });
    await backend.put({ key: 'k', value: '2' });
    const got = await reader.take();
    expect(got.map((r) => r.canceled)).toEqual([false]);
    await backend.close();
  });

  it('watch() on a compacted start throws CompactedError carrying the compact revision', async () => {
    const { backend } = setup();
    for (let i = 0; i < 5; i++) await backend.put({ key: 'k', value: String(i) });
    await backend.compact({ revision: 4 });
    const watcher = backend.watch({ key: 'k', startRevision: 2 });
    await expect(watcher.created).resolves.toMatchObject({ created: true });
    const it = watcher[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toSatisfy((e) => e instanceof CompactedError && e.compactRevision === 4);
    await backend.close();
  });

  it('prevKv is omitted when it lies below the compact revision, and on creates', async () => {
    const { backend } = setup();
    await backend.put({ key: 'k', value: 'v1' }); // 2
    await backend.put({ key: 'k', value: 'v2' }); // 3
    await backend.put({ key: 'k', value: 'v3' }); // 4
    await backend.compact({ revision: 3 });
    const stream = backend.watchStream();
    stream.create({ key: 'k', startRevision: 3, prevKv: true });
    const responses = (await new Reader(stream).take()).slice(1);
    expect(responses.map((r) => r.events[0]!.prevKv && toText(r.events[0]!.prevKv.value))).toEqual([
      undefined,
      'v2',
    ]);
    await backend.put({ key: 'fresh', value: 'x' });
    await backend.close();
  });

  it('NOPUT and NODELETE drop events; a response left empty is not sent', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    stream.create({ key: 'a', filters: ['NOPUT'] });
    stream.create({ key: 'a', filters: ['NODELETE'] });
    const reader = new Reader(stream);
    await reader.take();
    await backend.put({ key: 'a', value: '1' });
    await backend.deleteRange({ key: 'a' });
    const got = await reader.take();
    expect(got.map((r) => `${r.watchId}:${eventsOf([r]).join()}`).sort()).toEqual([
      `0:DELETE a@${await rev(backend)}`,
      `1:PUT a@${(await rev(backend)) - 1}`,
    ]);
    await backend.close();
  });

  it('progress requests are answered (watch ID −1) only when every watcher is caught up', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    const reader = new Reader(stream);
    stream.requestProgress(); // no watcher to send it on: no answer (older releases answer; see etcd-version)
    expect(await reader.take()).toEqual([]);
    await backend.put({ key: 'k', value: '1' });
    stream.create({ key: 'k', startRevision: 1 });
    stream.requestProgress(); // catching up: no answer
    const r0 = await rev(backend);
    stream.create({ key: 'k', startRevision: r0 + 5 });
    const got = await reader.take();
    expect(got.filter((r) => r.watchId === -1)).toEqual([]);
    stream.requestProgress(); // a future watcher: no answer
    expect((await reader.take()).filter((r) => r.watchId === -1)).toEqual([]);
    stream.cancel(1);
    await reader.take();
    stream.requestProgress();
    const answer = await reader.take();
    expect(answer).toHaveLength(1);
    expect(answer[0]).toMatchObject({ watchId: -1, events: [], created: false, canceled: false });
    expect(answer[0]!.header.revision).toBe(r0);
    await backend.close();
  });

  it('a watcher that only has filtered changes pending counts as caught up', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    stream.create({ key: 'k', filters: ['NOPUT'] });
    const reader = new Reader(stream);
    await reader.take();
    await backend.put({ key: 'k', value: '1' });
    stream.requestProgress();
    expect((await reader.take()).map((r) => r.watchId)).toEqual([-1]);
    await backend.close();
  });

  it('progress_notify sends idle caught-up watchers a notice each interval of the clock', async () => {
    const { clock, backend } = setup({ progressNotifyIntervalMs: 1_000 });
    const stream = backend.watchStream();
    stream.create({ key: 'quiet', progressNotify: true });
    stream.create({ key: 'busy', progressNotify: true });
    stream.create({ key: 'plain' });
    const reader = new Reader(stream);
    await reader.take();
    await backend.put({ key: 'busy', value: '1' });
    await reader.take();
    clock.advance(1_000);
    const first = await reader.take();
    expect(first.map((r) => r.watchId)).toEqual([0]);
    expect(first[0]!.events).toEqual([]);
    expect(first[0]!.header.revision).toBe(await rev(backend));
    clock.advance(1_000);
    expect((await reader.take()).map((r) => r.watchId).sort()).toEqual([0, 1]);
    await backend.close();
  });

  it('auto IDs start at 0, skip IDs in use and are never reused; duplicates and empty ranges are refused', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    const reader = new Reader(stream);
    stream.create({ key: 'a', watchId: 1 });
    stream.create({ key: 'a' });
    stream.create({ key: 'a' });
    stream.cancel(0);
    stream.create({ key: 'a' });
    stream.create({ key: 'a', watchId: 2 });
    stream.create({ key: 'b', rangeEnd: 'a' });
    stream.create({ key: 'a', startRevision: -1 });
    stream.cancel(99);
    const got = await reader.take();
    expect(got.map((r) => [r.watchId, r.created, r.canceled, r.cancelReason])).toEqual([
      [1, true, false, ''],
      [0, true, false, ''],
      [2, true, false, ''],
      [0, false, true, ''],
      [3, true, false, ''],
      [-1, true, true, 'mvcc: duplicate watch ID provided on the WatchStream'],
      [-1, true, true, 'mvcc: watcher range is empty'],
      [-1, true, true, 'etcdserver: mvcc: required revision has been compacted'],
    ]);
    await backend.close();
  });

  it('a txn that puts and deletes a key at one revision is one response, in op order', async () => {
    const { backend } = setup();
    await backend.put({ key: 'b', value: 'old' });
    const stream = backend.watchStream();
    stream.create({ key: '\0', rangeEnd: '\0', prevKv: true });
    const reader = new Reader(stream);
    await reader.take();
    const txn = await backend.txn({
      success: [
        { requestPut: { key: 'x', value: '1' } },
        { requestDeleteRange: { key: 'a', rangeEnd: '\0' } },
      ],
    });
    const got = await reader.take();
    expect(got).toHaveLength(1);
    const n = txn.header.revision;
    expect(eventsOf(got)).toEqual([`PUT x@${n}`, `DELETE b@${n}`, `DELETE x@${n}`]);
    // prev_kv is read at rev − 1: the put at n is not it.
    expect(got[0]!.events.map((e) => (e.prevKv ? toText(e.prevKv.value) : null))).toEqual([
      null,
      'old',
      null,
    ]);
    expect((await backend.range({ key: 'x' })).count).toBe(0);
    await backend.close();
  });

  it('a key re-created in the txn that deleted it is a create event: no prevKv (etcd IsCreateEvent)', async () => {
    const { backend } = setup();
    await backend.put({ key: 'a', value: 'v1' });
    const stream = backend.watchStream();
    stream.create({ key: 'a', prevKv: true });
    const reader = new Reader(stream);
    await reader.take();
    await backend.txn({
      success: [
        { requestDeleteRange: { key: '\0', rangeEnd: '\0' } },
        { requestPut: { key: 'a', value: 'v2' } },
      ],
    });
    const events = (await reader.take()).flatMap((r) => r.events);
    expect(events.map((e) => [e.type, e.prevKv ? toText(e.prevKv.value) : null])).toEqual([
      ['DELETE', 'v1'],
      ['PUT', null],
    ]);
    await backend.close();
  });

  it('closing the backend ends every stream with WatchCanceledError and later watches fail', async () => {
    const { backend } = setup();
    const stream = backend.watchStream();
    stream.create({ key: 'k' });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const pending = it.next();
    const watcher = backend.watch({ key: 'k' });
    await watcher.created;
    const wit = watcher[Symbol.asyncIterator]();
    const wpending = wit.next();
    await backend.close();
    await expect(pending).rejects.toBeInstanceOf(WatchCanceledError);
    await expect(wpending).rejects.toBeInstanceOf(WatchCanceledError);
    await expect(backend.put({ key: 'k' })).rejects.toMatchObject({ name: 'ClosedError' });
  });

  it('aborting the signal closes the stream and ends iteration', async () => {
    const { backend } = setup();
    const controller = new AbortController();
    const stream = backend.watchStream({ signal: controller.signal });
    stream.create({ key: 'k' });
    const reader = new Reader(stream);
    await reader.take();
    controller.abort();
    await reader.take();
    expect(reader.done).toBe(true);
    await backend.close();
  });
});
