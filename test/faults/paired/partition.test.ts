/**
 * Paired: a client cut off from etcd. [etcd]: its connection through a TCP proxy is cut and reconnects
 * are refused, then let through again. [memory]: `store.faults.partition()` / `heal()`. Both sides run
 * the same story and must report the same outcome.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { toText } from '../../../src/common/bytes.js';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import type { KvBackend } from '../../../src/interface/backend.js';
import { MemoryStore } from '../../../src/memory-backend/index.js';
import { LeaseLostError, Session } from '../../../src/recipes/index.js';
import { type EtcdServer, startEtcd } from '../../../src/testing/etcd-server.js';
import { startProxy, type TcpProxy } from '../../etcd-backend/tcp-proxy.js';
import { manualTime, outcomeOf, type PairTime, realTime } from './time.js';

/** One side of the pair. */
interface Side {
  /** The client the partition cuts off (dial timeout 500 ms, request timeout 2 s). */
  readonly a: KvBackend;
  /** A client that stays connected. */
  readonly w: KvBackend;
  readonly time: PairTime;
  /** Start a write, and cut the connection while it is in flight (it never reached the server). */
  cutWithWriteInFlight(write: () => Promise<unknown>): Promise<{ pending: Promise<unknown> }>;
  heal(): void;
}

/** What both sides must report. */
const EXPECTED = {
  inFlightWrite: 'UnknownOutcomeError',
  readWhileCut: 'UnavailableError',
  writeWhileCut: 'UnavailableError',
  watchOpenedWhileCut: 'UnavailableError',
  sessionEnd: 'unreachable',
  leaseAfterHeal: -1,
  leasedKeyAfterHeal: 0,
  writesApplied: 0,
  events: ['pp/w/1', 'pp/w/2', 'pp/w/3', 'pp/w/4', 'pp/w/5', 'pp/w/6', 'pp/w/final'],
};

async function story(side: Side): Promise<typeof EXPECTED> {
  const { a, w, time } = side;
  const session = await Session.create(a, { ttl: 2 });
  await a.put({ key: 'pp/held', value: 'x', lease: session.lease });
  const watcher = a.watch({ key: 'pp/w/', rangeEnd: 'pp/w0' });
  await watcher.created;
  const events: string[] = [];
  const reading = (async () => {
    for await (const r of watcher) {
      for (const e of r.events) events.push(toText(e.kv.key));
      if (events.includes('pp/w/final')) return;
    }
  })();
  await w.put({ key: 'pp/w/1', value: 'x' });
  await w.put({ key: 'pp/w/2', value: 'x' });
  await time.waitFor(async () => events.length === 2);

  const { pending } = await side.cutWithWriteInFlight(() => a.put({ key: 'pp/inflight', value: 'x' }));
  const inFlight = await time.until(pending);
  const read = await time.until(a.range({ key: 'pp/w/1' }));
  const write = await time.until(a.put({ key: 'pp/during', value: 'x' }));
  const newWatch = await time.until(a.watch({ key: 'pp/other' }).created);
  for (let i = 3; i <= 5; i++) await w.put({ key: `pp/w/${i}`, value: 'x' });
  const ended = await time.until(session.finished);
  // The server's clock expires the lease: no renewal reaches it.
  await time.waitFor(async () => (await w.leaseTimeToLive({ id: session.lease })).ttl === -1);
  side.heal();
  await w.put({ key: 'pp/w/6', value: 'x' });
  await w.put({ key: 'pp/w/final', value: 'x' });
  await time.until(reading);
  const result = {
    inFlightWrite: outcomeOf(inFlight),
    readWhileCut: outcomeOf(read),
    writeWhileCut: outcomeOf(write),
    watchOpenedWhileCut: outcomeOf(newWatch),
    sessionEnd: ended.ok ? (ended.value as LeaseLostError).reason : 'failed',
    leaseAfterHeal: (await time.until(a.leaseTimeToLive({ id: session.lease }))).ok
      ? (await a.leaseTimeToLive({ id: session.lease })).ttl
      : Number.NaN,
    leasedKeyAfterHeal: (await w.range({ key: 'pp/held' })).count,
    writesApplied:
      (await w.range({ key: 'pp/inflight' })).count + (await w.range({ key: 'pp/during' })).count,
    events,
  };
  expect(ended.ok && ended.value).toBeInstanceOf(LeaseLostError);
  await session.close();
  return result;
}

describe('paired: partition (TCP proxy cut, reconnects refused) [etcd]', () => {
  let server: EtcdServer;
  let proxy: TcpProxy;
  beforeAll(async () => {
    server = await startEtcd();
    proxy = await startProxy(server.clientPort);
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('reports the expected outcome', async () => {
    await using a = new EtcdBackend({
      endpoints: proxy.endpoint,
      dialTimeoutMs: 500,
      requestTimeoutMs: 2_000,
    });
    await using w = new EtcdBackend({ endpoints: server.endpoint });
    const time = realTime();
    const outcome = await story({
      a,
      w,
      time,
      cutWithWriteInFlight: async (write) => {
        proxy.mode = 'blackhole'; // the write leaves the client and never reaches etcd
        const pending = write();
        await time.sleep(100);
        proxy.mode = 'refuse';
        proxy.cut();
        return { pending };
      },
      heal: () => {
        proxy.mode = 'forward';
      },
    });
    expect(outcome).toEqual(EXPECTED);
  }, 60_000);
});

describe('paired: partition (store.faults.partition) [memory]', () => {
  it('reports the expected outcome', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({ clock, minLeaseTtl: 1, seed: 1 });
    const a = store.connect({ name: 'a', dialTimeoutMs: 500, requestTimeoutMs: 2_000 });
    const w = store.connect({ name: 'w' });
    const time = manualTime(clock);
    const outcome = await story({
      a,
      w,
      time,
      cutWithWriteInFlight: async (write) => {
        store.faults.latency('a', 200); // so that the write is in flight for a while
        const pending = write();
        await time.sleep(50);
        store.faults.partition('a', { inFlight: 'lost' });
        store.faults.latency('a', 0);
        return { pending };
      },
      heal: () => store.faults.heal('a'),
    });
    expect(outcome).toEqual(EXPECTED);
  });
});
