/**
 * The property-test subjects: memory on a ManualClock, a real etcd (started per file), and the simulator
 * server on a ManualClock (started per file) reached through the etcd backend.
 */

import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '../../../src/clock/index.js';
import { EtcdBackend } from '../../../src/etcd-backend/index.js';
import { MemoryBackend } from '../../../src/memory-backend/index.js';
import { type RunningServer, startServer } from '../../../src/server/index.js';
import { type EtcdServer, startEtcd } from '../../../src/testing/etcd-server.js';
import type { Subject } from './sequence.js';

/** A fresh memory backend (fresh store, so revisions start at 1 and the model needs no offset). */
export function memorySubject(minLeaseTtl = 1): Subject {
  const clock = new ManualClock();
  return {
    name: 'memory',
    backend: new MemoryBackend({ clock, minLeaseTtl, seed: 1 }),
    clock,
    etcd34: false,
    viaEtcdBackend: false,
    minLeaseTtl,
    compactRevision: -1,
    sequences: 0,
    skippedCrashInputs: 0,
    operations: 0,
  };
}

/** A client of a running test etcd. One per file: the harness tracks its compact revision across sequences. */
export function etcdSubject(server: EtcdServer): Subject {
  return {
    name: 'etcd',
    backend: new EtcdBackend({ endpoints: [server.endpoint] }),
    etcd34: true,
    viaEtcdBackend: true,
    minLeaseTtl: server.minLeaseTtl,
    compactRevision: -1,
    sequences: 0,
    skippedCrashInputs: 0,
    operations: 0,
  };
}

/**
 * A real etcd and its subject for the whole test file: started before the first test, closed and stopped
 * by PID after the last. Read `env.server` / `env.subject` inside tests.
 */
export function useEtcdSubject(): { readonly server: EtcdServer; readonly subject: Subject } {
  const env = {} as { server: EtcdServer; subject: Subject };
  beforeAll(async () => {
    env.server = await startEtcd();
    env.subject = etcdSubject(env.server);
  }, 60_000);
  afterAll(async () => {
    await env.subject?.backend.close();
    await env.server?.stop();
  }, 60_000);
  return env;
}

/** A client of a running simulator server whose store runs on `clock`. One per file, as for etcd. */
export function serverSubject(server: RunningServer, clock: ManualClock, minLeaseTtl: number): Subject {
  return {
    name: 'server',
    backend: new EtcdBackend({ endpoints: server.endpoints }),
    clock,
    etcd34: false,
    viaEtcdBackend: true,
    minLeaseTtl,
    compactRevision: -1,
    sequences: 0,
    skippedCrashInputs: 0,
    operations: 0,
  };
}

/**
 * The simulator server on a ManualClock and its subject for the whole test file: started before the first
 * test, closed after the last. Clock advances in sequences move the server's lease time.
 */
export function useServerSubject(minLeaseTtl = 1): {
  readonly server: RunningServer;
  readonly subject: Subject;
} {
  const env = {} as { server: RunningServer; subject: Subject };
  beforeAll(async () => {
    const clock = new ManualClock();
    env.server = await startServer({ clock, minLeaseTtl, seed: 1 });
    env.subject = serverSubject(env.server, clock, minLeaseTtl);
  }, 60_000);
  afterAll(async () => {
    await env.subject?.backend.close();
    await env.server?.close();
  }, 60_000);
  return env;
}

/** Totals over many subjects, printed after a property test (figures for the report). */
export class Tally {
  sequences = 0;
  operations = 0;
  skippedCrashInputs = 0;
  watchEvents = 0;
  readonly outcomes: Record<string, number> = {};

  add(subject: Subject): void {
    this.sequences += subject.sequences;
    this.operations += subject.operations;
    this.skippedCrashInputs += subject.skippedCrashInputs;
    for (const [k, n] of Object.entries(subject.outcomes ?? {}))
      this.outcomes[k] = (this.outcomes[k] ?? 0) + n;
    subject.outcomes = {};
    this.watchEvents += subject.watchEvents ?? 0;
    subject.watchEvents = 0;
    subject.sequences = 0;
    subject.operations = 0;
    subject.skippedCrashInputs = 0;
  }

  toString(): string {
    const outcomes = Object.entries(this.outcomes)
      .sort()
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
    return `${this.sequences} sequences, ${this.operations} operations sent, ${this.skippedCrashInputs} etcd-3.4 crash inputs withheld, ${this.watchEvents} watch events validated\n  outcomes: ${outcomes}`;
  }
}
