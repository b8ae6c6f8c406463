/**
 * Paired: the server is killed and restarted after longer than a lease TTL. [etcd]: SIGKILL, then a
 * restart on the same ports and data dir. [memory]: `store.faults.restart({ downMs })`. Both sides
 * run the same story and must report the same outcome.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { toText } from '../../../src/common/bytes.js';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import type { KvBackend } from '../../../src/interface/backend.js';
import { MemoryStore } from '../../../src/memory-backend/index.js';
import { type LeaseLostError, Session } from '../../../src/recipes/index.js';
import { type EtcdServer, startEtcd } from '../../../src/testing/etcd-server.js';
import { manualTime, outcomeOf, type PairTime, realTime } from './time.js';

/** Down time: longer than the 2 s TTL. */
const DOWN_MS = 3_500;

interface Side {
  /** A client (dial timeout 500 ms, request timeout 2 s). */
  readonly a: KvBackend;
  readonly time: PairTime;
  /** Kill the server; it starts again after DOWN_MS. Resolves once it is up. */
  killAndRestart(duringDown: () => Promise<void>): Promise<void>;
}

const EXPECTED = {
  readWhileDown: 'UnavailableError',
  writeWhileDown: 'UnavailableError',
  keepAliveWhileDown: 'UnavailableError',
  sessionEnd: 'unreachable',
  /** A lease nobody renewed is alive after the restart, with its ID and full TTL. */
  idleLeaseAfterRestart: { alive: true, renewedTtl: 2 },
  events: ['rs/1', 'rs/2', 'rs/3', 'rs/final'],
};

async function story(side: Side): Promise<typeof EXPECTED> {
  const { a, time } = side;
  const idle = await a.leaseGrant({ ttl: 2 });
  await a.put({ key: 'rs/idle', value: 'x', lease: idle.id });
  const session = await Session.create(a, { ttl: 2 });
  const watcher = a.watch({ key: 'rs/', rangeEnd: 'rs0' });
  await watcher.created;
  const events: string[] = [];
  const reading = (async () => {
    for await (const r of watcher) {
      for (const e of r.events) if (e.type === 'PUT') events.push(toText(e.kv.key));
      if (events.includes('rs/final')) return;
    }
  })();
  await a.put({ key: 'rs/1', value: 'x' });
  await time.waitFor(async () => events.length === 1);
  let read = '';
  let write = '';
  let keepAlive = '';
  await side.killAndRestart(async () => {
    read = outcomeOf(await time.until(a.range({ key: 'rs/1' })));
    write = outcomeOf(await time.until(a.put({ key: 'rs/down', value: 'x' })));
    keepAlive = outcomeOf(await time.until(a.leaseKeepAlive({ id: idle.id })));
  });
  const ended = await time.until(session.finished);
  // The client reconnects within its backoff; the first calls may still fail.
  await time.waitFor(
    async () =>
      await a.status().then(
        () => true,
        () => false,
      ),
  );
  const ttl = await a.leaseTimeToLive({ id: idle.id });
  const renewed = await a.leaseKeepAlive({ id: idle.id });
  await a.put({ key: 'rs/2', value: 'x' });
  await a.put({ key: 'rs/3', value: 'x' });
  await a.put({ key: 'rs/final', value: 'x' });
  await time.until(reading);
  await session.close();
  await a.leaseRevoke({ id: idle.id });
  return {
    readWhileDown: read,
    writeWhileDown: write,
    keepAliveWhileDown: keepAlive,
    sessionEnd: ended.ok ? (ended.value as LeaseLostError).reason : 'failed',
    idleLeaseAfterRestart: { alive: ttl.ttl > 0 && renewed.id === idle.id, renewedTtl: renewed.ttl },
    events,
  };
}

describe('paired: server killed and restarted (SIGKILL, restart on the same data) [etcd]', () => {
  let server: EtcdServer;
  beforeAll(async () => {
    server = await startEtcd();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('reports the expected outcome', async () => {
    await using a = new EtcdBackend({
      endpoints: server.endpoint,
      dialTimeoutMs: 500,
      requestTimeoutMs: 2_000,
    });
    const time = realTime();
    const outcome = await story({
      a,
      time,
      killAndRestart: async (duringDown) => {
        await server.kill();
        const downSince = Date.now();
        await duringDown();
        await time.sleep(Math.max(0, DOWN_MS - (Date.now() - downSince)));
        await server.restart();
      },
    });
    expect(outcome).toEqual(EXPECTED);
  }, 60_000);
});

describe('paired: server killed and restarted (store.faults.restart) [memory]', () => {
  it('reports the expected outcome', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({ clock, minLeaseTtl: 1, seed: 2 });
    const a = store.connect({ name: 'a', dialTimeoutMs: 500, requestTimeoutMs: 2_000 });
    const time = manualTime(clock);
    const outcome = await story({
      a,
      time,
      killAndRestart: async (duringDown) => {
        const downSince = clock.now();
        store.faults.restart({ downMs: DOWN_MS });
        await duringDown();
        await time.sleep(Math.max(0, DOWN_MS - (clock.now() - downSince)));
      },
    });
    expect(outcome).toEqual(EXPECTED);
  });
});
