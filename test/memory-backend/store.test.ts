/** One store, many clients: shared state, per-client streams, and who closes what. */

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { toText } from '../../src/common/bytes.js';
import { ClosedError, InvalidArgumentError, WatchCanceledError } from '../../src/interface/errors.js';
import { MemoryBackend, MemoryStore } from '../../src/memory-backend/index.js';
import { eventsOf, Reader } from './helpers.js';

describe('memory store shared by clients', () => {
  it('clients see one keyspace, one revision counter and one set of leases', async () => {
    await using store = new MemoryStore({ clock: new ManualClock(), minLeaseTtl: 1 });
    const a = store.connect();
    const b = new MemoryBackend({ store });
    const put = await a.put({ key: 'k', value: 'from-a' });
    const got = await b.range({ key: 'k' });
    expect(toText(got.kvs[0]!.value)).toBe('from-a');
    expect(got.header.revision).toBe(put.header.revision);
    const { id } = await b.leaseGrant({ ttl: 5 });
    await a.put({ key: 'l', value: '', lease: id });
    expect((await a.leaseTimeToLive({ id, keys: true })).keys.map(toText)).toEqual(['l']);
    expect(store.revision).toBe(put.header.revision + 1);
    expect(store.clientCount).toBe(2);
  });

  it("a watcher on one client sees another client's writes", async () => {
    await using store = new MemoryStore({ clock: new ManualClock() });
    const a = store.connect();
    const b = store.connect();
    const stream = a.watchStream();
    const reader = new Reader(stream);
    stream.create({ key: 'w' });
    await reader.take();
    await b.put({ key: 'w', value: '1' });
    expect(eventsOf(await reader.take())).toEqual(['PUT w@2']);
    expect(store.watcherCount).toBe(1);
  });

  it('closing a client ends its own streams only; the store and other clients carry on', async () => {
    await using store = new MemoryStore({ clock: new ManualClock() });
    const a = store.connect();
    const b = store.connect();
    const ra = new Reader(a.watchStream());
    const sb = b.watchStream();
    const rb = new Reader(sb);
    sb.create({ key: 'x' });
    await rb.take();
    expect(store.watcherCount).toBe(1);
    await a.close();
    await expect(ra.take()).rejects.toBeInstanceOf(WatchCanceledError);
    await expect(a.put({ key: 'x', value: '1' })).rejects.toBeInstanceOf(ClosedError);
    await b.put({ key: 'x', value: '2' });
    expect(eventsOf(await rb.take())).toEqual(['PUT x@2']);
    expect(store.clientCount).toBe(1);
    expect(store.closed).toBe(false);
  });

  it('closing the store closes every client and removes every watcher', async () => {
    const store = new MemoryStore({ clock: new ManualClock() });
    const clients = [store.connect(), store.connect(), store.connect()];
    const streams = clients.map((c) => c.watchStream());
    for (const s of streams) s.create({ key: 'p', rangeEnd: 'q' });
    const iterators = streams.map((s) => s[Symbol.asyncIterator]());
    for (const it of iterators) await it.next(); // created
    expect(store.watcherCount).toBe(3);
    await store.close();
    for (const it of iterators) await expect(it.next()).rejects.toBeInstanceOf(WatchCanceledError);
    for (const c of clients) await expect(c.range({ key: 'p' })).rejects.toBeInstanceOf(ClosedError);
    expect(store.watcherCount).toBe(0);
    expect(store.clientCount).toBe(0);
    expect(() => store.connect()).toThrow(ClosedError);
  });

  it('new MemoryBackend() owns its store and closes it; a connected client does not', async () => {
    const own = new MemoryBackend({ clock: new ManualClock() });
    await own.close();
    expect(own.store.closed).toBe(true);
    const store = new MemoryStore();
    const client = store.connect();
    await client.close();
    expect(store.closed).toBe(false);
    await store.close();
  });

  it('leases outlive the client that granted them, as on etcd, and expire on the store clock', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({ clock, minLeaseTtl: 1 });
    const a = store.connect();
    const { id } = await a.leaseGrant({ ttl: 2 });
    await a.put({ key: 'eph', value: '', lease: id });
    await a.close();
    const b = store.connect();
    expect((await b.range({ key: 'eph' })).count).toBe(1);
    await clock.advanceAsync(2_000);
    expect((await b.range({ key: 'eph' })).count).toBe(0);
    expect(store.leaseCount).toBe(0);
  });

  it('store options on a client of an existing store are refused, naming them', async () => {
    await using store = new MemoryStore();
    expect(() => new MemoryBackend({ store, minLeaseTtl: 5, maxTxnOps: 3 })).toThrow(
      new InvalidArgumentError(
        'store options (minLeaseTtl, maxTxnOps) belong to new MemoryStore(), not to a client of an existing store',
      ),
    );
    expect(() => new MemoryBackend({ store: {} as MemoryStore })).toThrow(InvalidArgumentError);
    expect(store.clientCount).toBe(0);
  });
});
