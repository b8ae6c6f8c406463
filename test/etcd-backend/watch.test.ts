/**
 * The watch stream's own behaviour on a real etcd: requests made before the stream connects keep their
 * order, compaction while a watcher is disconnected surfaces as CompactedError, namespaces apply.
 */

import { describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { CompactedError } from '../../src/interface/errors.js';
import type { WatchResponse } from '../../src/interface/watch.js';
import { collect, sleep, useEtcdBackend } from './helpers.js';
import { startProxy } from './tcp-proxy.js';

const env = useEtcdBackend();

describe('watch stream', () => {
  it('creates made before the stream connects are answered in call order, refusals included', async () => {
    const b = new EtcdBackend({ endpoints: env.server.endpoint });
    try {
      const stream = b.watchStream();
      stream.create({ key: 'ws/a', watchId: 5 });
      stream.create({ key: 'ws/b', watchId: 5 }); // duplicate ID
      stream.create({ key: 'ws/c', rangeEnd: 'ws/b' }); // empty range
      stream.create({ key: 'ws/d' }); // auto: 0
      stream.requestProgress();
      const got: WatchResponse[] = [];
      for await (const r of stream) {
        got.push(r);
        if (got.length === 5) break;
      }
      expect(got.map((r) => [r.watchId, r.created, r.canceled])).toEqual([
        [5, true, false],
        [-1, true, true],
        [-1, true, true],
        [0, true, false],
        [-1, false, false], // the progress answer (3.4 answers at once)
      ]);
      expect(got[1]!.cancelReason).toBe('mvcc: duplicate watch ID provided on the WatchStream');
      expect(got[2]!.cancelReason).toBe('mvcc: watcher range is empty');
    } finally {
      await b.close();
    }
  });

  it('history compacted while a watcher was disconnected ends watch() with CompactedError and the compact revision', async () => {
    const proxy = await startProxy(env.server.clientPort);
    const b = new EtcdBackend({ endpoints: proxy.endpoint, dialTimeoutMs: 1_000 });
    try {
      const w = b.watch({ key: 'wc/k' });
      await w.created;
      await env.backend.put({ key: 'wc/k', value: '1' });
      const seen: WatchResponse[] = [];
      const reading = (async () => {
        for await (const r of w) seen.push(r);
      })();
      while (seen.length < 1) await sleep(10);
      proxy.mode = 'refuse';
      proxy.cut();
      await env.backend.put({ key: 'wc/k', value: '2' });
      const last = (await env.backend.put({ key: 'wc/k', value: '3' })).header.revision;
      await env.backend.compact({ revision: last });
      proxy.mode = 'forward';
      const error = await reading.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CompactedError);
      expect((error as CompactedError).compactRevision).toBe(last);
      expect(seen.flatMap((r) => r.events.map((e) => toText(e.kv.value)))).toEqual(['1']);
    } finally {
      await b.close();
      await proxy.close();
    }
  }, 30_000);

  it('a watcher canceled for compaction keeps its ID across a reconnect; its cancel is answered once', async () => {
    const proxy = await startProxy(env.server.clientPort);
    const b = new EtcdBackend({ endpoints: proxy.endpoint, dialTimeoutMs: 1_000 });
    try {
      const r0 = (await env.backend.put({ key: 'wr/k', value: '1' })).header.revision;
      await env.backend.put({ key: 'wr/k', value: '2' });
      await env.backend.compact({ revision: r0 + 1 });
      const stream = b.watchStream();
      const got: WatchResponse[] = [];
      const reading = (async () => {
        for await (const r of stream) got.push(r);
      })();
      const until = async (n: number) => {
        for (let i = 0; got.length < n && i < 500; i++) await sleep(10);
        expect(got.length).toBe(n);
      };
      stream.create({ key: 'wr/k', startRevision: r0, watchId: 7 });
      await until(2);
      expect(got[1]).toMatchObject({ watchId: 7, canceled: true, compactRevision: r0 + 1 });
      // The connection drops; the stream reconnects, re-creating the watcher as the server had it.
      proxy.cut();
      await sleep(500);
      stream.create({ key: 'wr/k', watchId: 7 });
      await until(3);
      expect(got[2]).toMatchObject({ watchId: -1, created: true, canceled: true });
      expect(got[2]!.cancelReason).toBe('mvcc: duplicate watch ID provided on the WatchStream');
      stream.cancel(7);
      await until(4);
      expect(got[3]).toMatchObject({ watchId: 7, created: false, canceled: true, compactRevision: 0 });
      expect(got[3]!.header.revision).toBeGreaterThan(0); // the server's answer, not a stand-in
      stream.cancel(7); // gone now: no reply
      stream.create({ key: 'wr/k', watchId: 7 });
      await until(5);
      expect(got[4]).toMatchObject({ watchId: 7, created: true, canceled: false });
      await sleep(300);
      expect(got.length).toBe(5); // the second compaction cancel after the reconnect was not passed on
      stream.close();
      await reading;
    } finally {
      await b.close();
      await proxy.close();
    }
  }, 30_000);

  it('a namespaced watch sees only its namespace, with the prefix stripped', async () => {
    const ns = new EtcdBackend({ endpoints: env.server.endpoint, namespace: 'tenant/' });
    try {
      const w = ns.watch({ key: '', rangeEnd: '\0' }); // everything in the namespace
      await w.created;
      await env.backend.put({ key: 'elsewhere', value: 'x' });
      await ns.put({ key: 'k', value: 'in' });
      const got = await collect(w, (all) => all.some((r) => r.events.length > 0));
      expect(got.flatMap((r) => r.events.map((e) => `${toText(e.kv.key)}=${toText(e.kv.value)}`))).toEqual([
        'k=in',
      ]);
    } finally {
      await ns.close();
    }
  });

  it('an aborted signal ends watch() quietly', async () => {
    const controller = new AbortController();
    const w = env.backend.watch({ key: 'wa/k' }, { signal: controller.signal });
    await w.created;
    controller.abort();
    const got = await collect(w, () => false, 5_000);
    expect(got).toEqual([]);
  });
});
