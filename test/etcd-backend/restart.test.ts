/**
 * etcd killed with SIGKILL and restarted on the same ports and data: watchers resume without losing or
 * repeating an event and keep their IDs; lease renewals fail as UnavailableError while it is down.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toText } from '../../src/common/bytes.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { UnavailableError } from '../../src/interface/errors.js';
import type { WatchResponse } from '../../src/interface/watch.js';
import { type EtcdServer, startEtcd } from '../../src/testing/etcd-server.js';
import { sleep } from './helpers.js';
import { startProxy } from './tcp-proxy.js';

let server: EtcdServer;

beforeAll(async () => {
  server = await startEtcd();
});
afterAll(async () => {
  await server?.stop();
});

/** Put `count` fresh keys under `prefix`, one attempt each; failures (server down) are skipped. */
async function writeSome(b: EtcdBackend, prefix: string, from: number, count: number): Promise<number> {
  let ok = 0;
  for (let i = from; i < from + count; i++) {
    try {
      await b.put({ key: `${prefix}${String(i).padStart(5, '0')}`, value: `v${i}` });
      ok++;
    } catch {
      // Down, or unknown outcome: the key may or may not exist; the final range tells.
    }
  }
  return ok;
}

describe('watch across kill -9 and restart', () => {
  it('the consumer receives every event exactly once, in order, with a stable watch ID', async () => {
    // The watcher reaches etcd through a proxy, so its connection can also be cut while etcd stays up
    // and takes writes: it must then catch up from the event after the last one it delivered.
    const proxy = await startProxy(server.clientPort);
    const watcherSide = new EtcdBackend({ endpoints: proxy.endpoint, dialTimeoutMs: 1_000 });
    const writer = new EtcdBackend({
      endpoints: server.endpoint,
      dialTimeoutMs: 500,
      requestTimeoutMs: 2_000,
    });
    const prefix = 'wr/';
    try {
      const w = watcherSide.watch({ key: prefix, rangeEnd: 'wr0' });
      const created = await w.created;
      const seen: WatchResponse[] = [];
      const consumed = (async () => {
        for await (const r of w) {
          seen.push(r);
          if (r.events.some((e) => toText(e.kv.key) === `${prefix}zz-final`)) return;
        }
      })();

      let n = 0;
      for (let cycle = 0; cycle < 2; cycle++) {
        await writeSome(writer, prefix, n, 40);
        n += 40;
        // Kill while writes are in flight, so the watcher loses its stream mid-delivery.
        const inFlight = writeSome(writer, prefix, n, 8);
        n += 8;
        await sleep(5);
        await server.kill();
        await inFlight;
        await writeSome(writer, prefix, n, 3); // fail fast: down
        n += 3;
        await server.restart();
        // Write a burst at once: the watcher catches up on these from its resume revision.
        await writeSome(writer, prefix, n, 60);
        n += 60;
        // The watcher alone loses its connection; 50 writes land before it can reconnect.
        proxy.mode = 'refuse';
        proxy.cut();
        await writeSome(writer, prefix, n, 50);
        n += 50;
        proxy.mode = 'forward';
        await writeSome(writer, prefix, n, 10);
        n += 10;
      }
      await writer.put({ key: `${prefix}zz-final`, value: 'end' });
      await Promise.race([
        consumed,
        sleep(30_000).then(() => {
          throw new Error(`watcher did not reach the final key; saw ${seen.length} responses`);
        }),
      ]);

      const got = seen.flatMap((r) => r.events.map((e) => `${toText(e.kv.key)}@${e.kv.modRevision}`));
      const stored = await writer.range({
        key: prefix,
        rangeEnd: 'wr0',
        sortTarget: 'MOD',
        sortOrder: 'ASCEND',
      });
      const expected = stored.kvs.map((kv) => `${toText(kv.key)}@${kv.modRevision}`);
      expect(stored.count).toBeGreaterThan(150);
      expect(new Set(got).size).toBe(got.length); // nothing repeated
      expect(got).toEqual(expected); // nothing lost, in revision order
      expect(seen.every((r) => r.watchId === created.watchId)).toBe(true);
    } finally {
      await watcherSide.close();
      await writer.close();
      await proxy.close();
    }
  }, 120_000);

  it('watch IDs on one stream stay the same across a restart', async () => {
    const b = new EtcdBackend({ endpoints: server.endpoint, dialTimeoutMs: 1_000 });
    try {
      const stream = b.watchStream();
      const responses: WatchResponse[] = [];
      const reading = (async () => {
        for await (const r of stream) {
          responses.push(r);
          if (responses.filter((x) => x.events.length > 0).length >= 4) return;
        }
      })();
      stream.create({ key: 'ids/a' });
      stream.create({ key: 'ids/b', watchId: 7 });
      stream.create({ key: 'ids/c' });
      while (responses.filter((r) => r.created).length < 3) await sleep(10);
      expect(responses.filter((r) => r.created).map((r) => r.watchId)).toEqual([0, 7, 1]);
      await b.put({ key: 'ids/a', value: '1' });
      await b.put({ key: 'ids/b', value: '1' });
      while (responses.filter((r) => r.events.length > 0).length < 2) await sleep(10);
      await server.kill();
      await server.restart();
      await b.put({ key: 'ids/c', value: '2' });
      await b.put({ key: 'ids/b', value: '2' });
      await reading;
      // Each watcher is ordered; across watchers, catch-up after a reconnect has no defined order.
      const byWatcher = (id: number) =>
        responses
          .filter((r) => r.watchId === id && r.events.length > 0)
          .flatMap((r) => r.events.map((e) => `${toText(e.kv.key)}=${toText(e.kv.value)}`));
      expect(byWatcher(0)).toEqual(['ids/a=1']);
      expect(byWatcher(7)).toEqual(['ids/b=1', 'ids/b=2']);
      expect(byWatcher(1)).toEqual(['ids/c=2']);
      expect(responses.filter((r) => r.created)).toHaveLength(3); // re-creation is not shown to the consumer
      stream.close();
    } finally {
      await b.close();
    }
  }, 60_000);
});

describe('lease renewal while etcd is down', () => {
  it('renewals fail as UnavailableError for longer than the TTL, and the lease answers again after restart', async () => {
    const b = new EtcdBackend({ endpoints: server.endpoint, dialTimeoutMs: 500, requestTimeoutMs: 2_000 });
    try {
      const { id, ttl } = await b.leaseGrant({ ttl: 2 });
      expect((await b.leaseKeepAlive({ id })).ttl).toBe(ttl);
      await server.kill();
      const downSince = Date.now();
      let failures = 0;
      while (Date.now() - downSince < (ttl + 1) * 1_000) {
        const error = await b.leaseKeepAlive({ id }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).retryable).toBe(true);
        failures++;
        await sleep(200);
      }
      expect(failures).toBeGreaterThan(2);
      await server.restart();
      // The client reconnects within its reconnect backoff; until then a renewal may still fail.
      let renewed = await b.leaseKeepAlive({ id }).catch(() => undefined);
      for (let i = 0; !renewed && i < 50; i++) {
        await sleep(200);
        renewed = await b.leaseKeepAlive({ id }).catch(() => undefined);
      }
      // etcd extends every lease on a leader change (semantics §8), so this lease is alive again.
      if (!renewed) throw new Error('no renewal succeeded within 10 s of the restart');
      expect(renewed.id).toBe(id);
      expect(renewed.ttl).toBe(ttl);
      await b.leaseRevoke({ id });
      expect((await b.leaseKeepAlive({ id })).ttl).toBe(0); // revoked: TTL 0, not an error
      expect((await b.leaseKeepAlive({ id: 424_242n })).ttl).toBe(0); // unknown: TTL 0
    } finally {
      await b.close();
    }
  }, 60_000);
});
