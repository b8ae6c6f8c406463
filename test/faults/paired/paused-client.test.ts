/**
 * Paired: a lock holder's process is stopped for longer than its session TTL, while another client
 * takes the lock. [etcd]: the holder is a child process stopped with SIGSTOP and continued with
 * SIGCONT. [memory]: `store.faults.pause()` / `resume()` on the holder's client. Both sides must report
 * the same outcome: the holder wakes up to a lost session and a failing guarded write.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock/manual-clock.js';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import type { KvBackend } from '../../../src/interface/backend.js';
import { MemoryStore } from '../../../src/memory-backend/index.js';
import { Mutex, Session } from '../../../src/recipes/index.js';
import { type EtcdServer, startEtcd } from '../../../src/testing/etcd-server.js';
import { type Holder, type HolderReport, holder } from './paused-holder.js';
import { manualTime, type PairTime, realTime } from './time.js';

interface Side {
  /** The other client, which waits for the lock. */
  readonly b: KvBackend;
  readonly time: PairTime;
  /** Start the holder: it takes the lock on a 2 s session. */
  startHolder(): Promise<void>;
  pauseHolder(): void;
  resumeHolder(): void;
  /** The holder's view once it runs again; `continuedAt` by its clock. */
  report(continuedAt: number): Promise<HolderReport>;
  /** The holder's clock. */
  now(): number;
}

const EXPECTED = {
  otherAcquired: true,
  holder: { session: 'unreachable', endedWhileStopped: false, held: false, guardedWrite: false },
  guardedKey: 0,
};

async function story(side: Side): Promise<typeof EXPECTED> {
  const { b, time } = side;
  await side.startHolder();
  const sb = await Session.create(b, { ttl: 2 });
  const waiting = new Mutex(sb, 'ph/lock').lock();
  side.pauseHolder();
  // The holder's lease expires on the server while its process is stopped: b gets the lock.
  const acquired = await time.until(waiting);
  await time.sleep(500);
  const continuedAt = side.now();
  side.resumeHolder();
  await time.sleep(200);
  const report = await side.report(continuedAt);
  const result = {
    otherAcquired: acquired.ok && acquired.value.held,
    holder: report,
    guardedKey: (await b.range({ key: 'ph/guarded' })).count,
  };
  await sb.close();
  return result;
}

describe('paired: paused lock holder (SIGSTOP / SIGCONT of a client process) [etcd]', () => {
  let server: EtcdServer;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    server = await startEtcd();
  }, 60_000);
  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      process.kill(child.pid, 'SIGCONT');
      child.kill('SIGKILL');
    }
    await server?.stop();
  });

  it('reports the expected outcome', async () => {
    await using b = new EtcdBackend({ endpoints: server.endpoint });
    const lines: string[] = [];
    let onLine: (() => void) | undefined;
    const nextLine = async (): Promise<string> => {
      while (lines.length === 0) await new Promise<void>((r) => (onLine = r));
      return lines.shift()!;
    };
    const outcome = await story({
      b,
      time: realTime(),
      startHolder: async () => {
        child = spawn(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(new URL('./paused-holder-child.ts', import.meta.url))],
          { env: { ...process.env, ETCD_ENDPOINTS: server.endpoint }, stdio: ['pipe', 'pipe', 'inherit'] },
        );
        createInterface({ input: child.stdout! }).on('line', (line) => {
          lines.push(line);
          onLine?.();
        });
        expect(await nextLine()).toBe('locked');
      },
      pauseHolder: () => process.kill(child!.pid!, 'SIGSTOP'),
      resumeHolder: () => process.kill(child!.pid!, 'SIGCONT'),
      report: async (continuedAt) => {
        child!.stdin!.write(`report ${continuedAt}\n`);
        return JSON.parse(await nextLine()) as HolderReport;
      },
      now: Date.now,
    });
    expect(outcome).toEqual(EXPECTED);
  }, 60_000);
});

describe('paired: paused lock holder (store.faults.pause / resume) [memory]', () => {
  it('reports the expected outcome', async () => {
    const clock = new ManualClock();
    await using store = new MemoryStore({ clock, minLeaseTtl: 1, seed: 5 });
    const x = store.connect({ name: 'holder', dialTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const b = store.connect({ name: 'b' });
    let me: Holder | undefined;
    const outcome = await story({
      b,
      time: manualTime(clock),
      startHolder: async () => {
        const session = await Session.create(x, { ttl: 2 });
        me = holder(session, await new Mutex(session, 'ph/lock').lock(), () => x.clock.now());
      },
      pauseHolder: () => store.faults.pause('holder'),
      resumeHolder: () => store.faults.resume('holder'),
      report: (continuedAt) => me!.report(continuedAt),
      now: () => clock.now(),
    });
    expect(outcome).toEqual(EXPECTED);
  });
});
