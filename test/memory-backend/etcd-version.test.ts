/**
 * The `etcdVersion` option: which etcd release the memory store (and the simulator server on it) behaves
 * as where releases differ, reported by Status. The behaviours themselves are asserted by the conformance
 * suite, which runs the memory backend at several versions; here: the option's plumbing and one direct
 * check per behaviour it selects.
 */

import { describe, expect, it } from 'vitest';
import { FlagError } from '../../src/cli/flags.js';
import { serveOptions } from '../../src/cli/serve.js';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { EtcdBackend } from '../../src/etcd-backend/index.js';
import { InvalidArgumentError } from '../../src/interface/errors.js';
import {
  DEFAULT_ETCD_VERSION,
  etcdBehaviour,
  MemoryBackend,
  MemoryStore,
} from '../../src/memory-backend/index.js';
import { startServer } from '../../src/server/index.js';
import { knownDifferences } from '../../src/testing/suite/differences.js';
import { Reader, setup } from './helpers.js';

describe('etcdVersion', () => {
  it('defaults to the documented release, and status() reports the one given', async () => {
    expect(DEFAULT_ETCD_VERSION).toMatch(/^3\.6\.\d+$/);
    await using plain = new MemoryBackend();
    expect((await plain.status()).version).toBe(DEFAULT_ETCD_VERSION);
    await using old = new MemoryBackend({ etcdVersion: '3.4.23' });
    expect((await old.status()).version).toBe('3.4.23');
    await using store = new MemoryStore({ etcdVersion: '3.5.10' });
    expect(store.etcdVersion).toBe('3.5.10');
    expect((await store.connect().status()).version).toBe('3.5.10');
  });

  it('the simulator server passes it to its store: gRPC Status and GET /version report it', async () => {
    await using server = await startServer({ etcdVersion: '3.4.23', clock: new ManualClock() });
    await using client = new EtcdBackend({ endpoints: server.endpoints });
    expect((await client.status()).version).toBe('3.4.23');
    const http = await fetch(`${server.endpoints[0]}/version`);
    expect(await http.json()).toEqual({ etcdserver: '3.4.23', etcdcluster: '3.4.0' });
  });

  it('etcd-kv-kit serve takes it as --etcd-version', () => {
    expect(serveOptions(['--etcd-version', '3.4.23']).etcdVersion).toBe('3.4.23');
    expect(serveOptions([]).etcdVersion).toBeUndefined();
    expect(() => serveOptions(['--etcd-version=3.4'])).toThrow(FlagError);
    expect(() => serveOptions(['--etcd-version=3.4'])).toThrow(/--etcd-version: .*received "3.4"/);
  });

  it.each([['3.4'], ['v3.4.23'], ['3.3.9'], [3.4], ['latest']])(
    '%j is refused with InvalidArgumentError naming it',
    (etcdVersion) => {
      let error: unknown;
      try {
        new MemoryBackend({ etcdVersion: etcdVersion as string });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toContain(
        `received ${typeof etcdVersion === 'string' ? JSON.stringify(etcdVersion) : 'number 3.4'}`,
      );
    },
  );

  it('each release line gets the behaviours its source has (first patch with each change)', () => {
    const at = (v: string) => {
      const b = etcdBehaviour(v);
      return [b.progressRequest, b.progressForFutureWatchers, b.negativeWatchStart];
    };
    expect(at('3.4.23')).toEqual(['at-once', true, 'compacted']);
    expect(at('3.4.25')).toEqual(['deferred', true, 'compacted']);
    expect(at('3.4.31')).toEqual(['when-synced', true, 'compacted']);
    expect(at('3.4.38')).toEqual(['when-synced', false, 'refused']);
    expect(at('3.5.7')).toEqual(['at-once', true, 'compacted']);
    expect(at('3.5.8')).toEqual(['deferred', true, 'compacted']);
    expect(at('3.5.13')).toEqual(['when-synced', true, 'compacted']);
    expect(at('3.5.22')).toEqual(['when-synced', false, 'compacted']);
    expect(at('3.5.24')).toEqual(['when-synced', false, 'refused']);
    expect(at('3.6.0')).toEqual(['when-synced', true, 'compacted']);
    expect(at('3.6.2')).toEqual(['when-synced', false, 'compacted']);
    expect(at('3.6.6')).toEqual(['when-synced', false, 'refused']);
  });

  it('every known difference is selected by the option or says why it cannot be', () => {
    const behaviour = etcdBehaviour(DEFAULT_ETCD_VERSION);
    const fields = [
      ...Object.keys(behaviour).filter((k) => k !== 'auth'),
      ...Object.keys(behaviour.auth).map((k) => `auth.${k}`),
    ];
    for (const [id, difference] of Object.entries(knownDifferences)) {
      const memory: { selectedBy?: string; notSelectable?: string } = difference.memory;
      if (memory.selectedBy !== undefined) {
        expect(fields, id).toContain(memory.selectedBy);
        // Selected: a memory store at an affected release is on the differing side, at the default not.
        expect(difference.applies({ target: 'memory', serverVersion: DEFAULT_ETCD_VERSION }), id).toBe(false);
        const affected = ['3.4.23', '3.5.10', '3.6.0', '3.6.3'].some((v) =>
          difference.applies({ target: 'memory', serverVersion: v }),
        );
        expect(affected, id).toBe(true);
      } else {
        expect(memory.notSelectable?.length ?? 0, id).toBeGreaterThan(40);
        expect(difference.applies({ target: 'memory', serverVersion: '3.4.23' }), id).toBe(false);
      }
    }
  });

  it('3.4.23: a progress request is answered at once, before the replay it promises nothing about', async () => {
    for (const etcdVersion of ['3.4.23', DEFAULT_ETCD_VERSION]) {
      const { backend } = setup({ etcdVersion });
      for (let i = 0; i < 3; i++) await backend.put({ key: `k${i}`, value: 'v' });
      const stream = backend.watchStream();
      const reader = new Reader(stream);
      stream.create({ key: 'k', rangeEnd: 'l', startRevision: 1 });
      stream.requestProgress();
      const got = (await reader.take()).map((r) =>
        r.created ? 'created' : r.watchId === -1 ? 'progress' : 'events',
      );
      expect(got, etcdVersion).toEqual(
        etcdVersion === '3.4.23'
          ? ['created', 'progress', 'events', 'events', 'events']
          : ['created', 'events', 'events', 'events'],
      );
      stream.close();
      await backend.close();
    }
  });

  it('3.5.10: a progress request made while replaying is held and answered right after the replay', async () => {
    const { backend } = setup({ etcdVersion: '3.5.10' });
    for (let i = 0; i < 3; i++) await backend.put({ key: `k${i}`, value: 'v' });
    const stream = backend.watchStream();
    const reader = new Reader(stream);
    stream.create({ key: 'k', rangeEnd: 'l', startRevision: 1 });
    stream.requestProgress();
    stream.requestProgress(); // one already held: no second answer
    const got = await reader.take();
    expect(
      got.map((r) => (r.created ? 'created' : r.watchId === -1 ? `progress@${r.header.revision}` : 'events')),
    ).toEqual(['created', 'events', 'events', 'events', 'progress@4']);
    stream.close();
    await backend.close();
  });

  it('3.4.23: periodic progress and progress requests treat a watcher that starts in the future as synced', async () => {
    for (const etcdVersion of ['3.4.23', DEFAULT_ETCD_VERSION]) {
      const { clock, backend } = setup({ etcdVersion, progressNotifyIntervalMs: 1_000 });
      const stream = backend.watchStream();
      const reader = new Reader(stream);
      stream.create({ key: 'f', startRevision: 5, progressNotify: true });
      await clock.advanceAsync(2_500);
      stream.requestProgress();
      const notices = (await reader.take()).filter((r) => !r.created).map((r) => r.watchId);
      expect(notices, etcdVersion).toEqual(etcdVersion === '3.4.23' ? [0, 0, -1] : []);
      stream.close();
      await backend.close();
    }
  });

  it('3.4.23: a negative start revision is created, then canceled as compacted (−1: nothing compacted)', async () => {
    for (const etcdVersion of ['3.4.23', DEFAULT_ETCD_VERSION]) {
      const { backend } = setup({ etcdVersion });
      const stream = backend.watchStream();
      const reader = new Reader(stream);
      stream.create({ key: 'k', startRevision: -3 });
      const got = (await reader.take()).map((r) => [r.watchId, r.created, r.canceled, r.compactRevision]);
      expect(got, etcdVersion).toEqual(
        etcdVersion === '3.4.23'
          ? [
              [0, true, false, 0],
              [0, false, true, -1],
            ]
          : [[-1, true, true, 0]],
      );
      stream.close();
      await backend.close();
    }
  });
});
