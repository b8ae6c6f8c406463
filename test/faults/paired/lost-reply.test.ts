/**
 * Paired: the reply to a write is lost. [etcd]: a TCP proxy drops the reply (and the connection with
 * it) after the request reached etcd. [memory]: `store.faults.loseReplies()`. Both sides run the same
 * story and must report the same outcome.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { toText } from '../../../src/common/bytes.js';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import type { KvBackend } from '../../../src/interface/backend.js';
import { MemoryStore } from '../../../src/memory-backend/index.js';
import { type EtcdServer, startEtcd } from '../../../src/testing/etcd-server.js';
import { startProxy, type TcpProxy } from '../../etcd-backend/tcp-proxy.js';
import { manualTime, outcomeOf, type PairTime, realTime } from './time.js';

interface Side {
  readonly a: KvBackend;
  readonly time: PairTime;
  /** Lose the reply to the next request of `a`. */
  loseNextReply(): void;
}

const EXPECTED = {
  write: 'UnknownOutcomeError',
  /** Applied exactly once: the write was not resent. */
  versionAfterLostReply: 1,
  nextWrite: 'ok',
  versionAfterNextWrite: 2,
  /** The client's watcher saw both writes, once each. */
  events: ['lr/k=1', 'lr/k=2'],
};

async function story(side: Side): Promise<typeof EXPECTED> {
  const { a, time } = side;
  await a.status(); // connected
  const watcher = a.watch({ key: 'lr/k' });
  await watcher.created;
  const events: string[] = [];
  const reading = (async () => {
    for await (const r of watcher) {
      for (const e of r.events) events.push(`${toText(e.kv.key)}=${toText(e.kv.value)}`);
      if (events.length === 2) return;
    }
  })();
  side.loseNextReply();
  const write = await time.until(a.put({ key: 'lr/k', value: '1' }));
  const after = await time.until(a.range({ key: 'lr/k' })); // retried on a new connection if needed
  const next = await time.until(a.put({ key: 'lr/k', value: '2' }));
  const final = await a.range({ key: 'lr/k' });
  await time.until(reading);
  return {
    write: outcomeOf(write),
    versionAfterLostReply: after.ok ? (after.value.kvs[0]?.version ?? 0) : -1,
    nextWrite: outcomeOf(next),
    versionAfterNextWrite: final.kvs[0]?.version ?? 0,
    events,
  };
}

describe('paired: lost reply (dropped by a TCP proxy) [etcd]', () => {
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
    await using a = new EtcdBackend({ endpoints: proxy.endpoint });
    const outcome = await story({
      a,
      time: realTime(),
      loseNextReply: () => {
        proxy.mode = 'drop-next-reply';
      },
    });
    expect(outcome).toEqual(EXPECTED);
  }, 60_000);
});

describe('paired: lost reply (store.faults.loseReplies) [memory]', () => {
  it('reports the expected outcome', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({ clock, minLeaseTtl: 1, seed: 4 });
    const a = store.connect({ name: 'a' });
    const outcome = await story({
      a,
      time: manualTime(clock),
      loseNextReply: () => store.faults.loseReplies('a'),
    });
    expect(outcome).toEqual(EXPECTED);
  });
});
