/**
 * Paired: the server process is stopped for longer than a lease TTL, then continued. [etcd]: SIGSTOP
 * and SIGCONT of the etcd process. [memory]: `store.faults.freeze()` / `thaw()`. Both sides run the
 * same story and must report the same outcome.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import type { KvBackend } from '../../../src/interface/backend.js';
import { MemoryStore } from '../../../src/memory-backend/index.js';
import { type LeaseLostError, Session } from '../../../src/recipes/index.js';
import { type EtcdServer, startEtcd } from '../../../src/testing/etcd-server.js';
import { manualTime, outcomeOf, type PairTime, realTime } from './time.js';

/** Stopped for longer than the 2 s TTL. */
const STOPPED_MS = 3_500;

interface Side {
  /** A client with a 1 s request timeout. */
  readonly a: KvBackend;
  readonly time: PairTime;
  stop(): void;
  cont(): void;
}

const EXPECTED = {
  writeWhileStopped: 'UnknownOutcomeError',
  readWhileStopped: 'DeadlineExceededError',
  keepAliveWhileStopped: 'DeadlineExceededError',
  sessionEnd: 'unreachable',
  /** The write that timed out was applied once the server ran again, or not (on etcd, a race with its cancel); never twice. */
  timedOutWriteAppliedAtMostOnce: true,
  /** Leases past their TTL expire as soon as the server runs again: a late renewal gets TTL 0. */
  renewalAfterContinue: 0,
  leaseAfterContinue: -1,
  leasedKeyAfterContinue: 0,
};

async function story(side: Side): Promise<typeof EXPECTED> {
  const { a, time } = side;
  const lease = await a.leaseGrant({ ttl: 2 });
  await a.put({ key: 'fz/leased', value: 'x', lease: lease.id });
  const session = await Session.create(a, { ttl: 2 });
  side.stop();
  const write = await time.until(a.put({ key: 'fz/x', value: '1' }));
  const read = await time.until(a.range({ key: 'fz/x' }));
  const keepAlive = await time.until(a.leaseKeepAlive({ id: lease.id }));
  const ended = await time.until(session.finished);
  await time.sleep(STOPPED_MS - 3_000);
  const late = a.leaseKeepAlive({ id: lease.id }); // waits at the stopped server
  await time.sleep(100);
  side.cont();
  const renewal = await time.until(late);
  const result = {
    writeWhileStopped: outcomeOf(write),
    readWhileStopped: outcomeOf(read),
    keepAliveWhileStopped: outcomeOf(keepAlive),
    sessionEnd: ended.ok ? (ended.value as LeaseLostError).reason : 'failed',
    timedOutWriteAppliedAtMostOnce: ((await a.range({ key: 'fz/x' })).kvs[0]?.version ?? 0) <= 1,
    renewalAfterContinue: renewal.ok ? renewal.value.ttl : Number.NaN,
    leaseAfterContinue: (await a.leaseTimeToLive({ id: lease.id })).ttl,
    leasedKeyAfterContinue: (await a.range({ key: 'fz/leased' })).count,
  };
  await session.close();
  return result;
}

describe('paired: server stopped longer than a TTL (SIGSTOP / SIGCONT of etcd) [etcd]', () => {
  let server: EtcdServer;
  beforeAll(async () => {
    server = await startEtcd();
  }, 60_000);
  afterAll(async () => {
    // Never leave a stopped etcd behind.
    if (server) process.kill(server.pid, 'SIGCONT');
    await server?.stop();
  });

  it('reports the expected outcome', async () => {
    await using a = new EtcdBackend({
      endpoints: server.endpoint,
      dialTimeoutMs: 500,
      requestTimeoutMs: 1_000,
    });
    const outcome = await story({
      a,
      time: realTime(),
      stop: () => process.kill(server.pid, 'SIGSTOP'),
      cont: () => process.kill(server.pid, 'SIGCONT'),
    });
    expect(outcome).toEqual(EXPECTED);
  }, 60_000);
});

describe('paired: server stopped longer than a TTL (store.faults.freeze / thaw) [memory]', () => {
  it('reports the expected outcome', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({ clock, minLeaseTtl: 1, seed: 3 });
    const a = store.connect({ name: 'a', dialTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const outcome = await story({
      a,
      time: manualTime(clock),
      stop: () => store.faults.freeze(),
      cont: () => store.faults.thaw(),
    });
    expect(outcome).toEqual(EXPECTED);
  });
});
