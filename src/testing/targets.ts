/** The two built-in conformance targets: the memory backend on a manual clock, and a real etcd. */

import { ManualClock } from '../clock/manual-clock.js';
import { EtcdBackend } from '../etcd-backend/index.js';
import { MemoryBackend } from '../memory-backend/index.js';
import type { BackendTarget } from './conformance.js';
import { type EtcdServer, type EtcdServerOptions, startEtcd } from './etcd-server.js';

/** The memory backend, a new store per case, on a manual clock with etcd's minimum TTL for the flags used. */
export function memoryTarget(options: { minLeaseTtl?: number } = {}): BackendTarget {
  const minLeaseTtl = options.minLeaseTtl ?? 1;
  return {
    name: 'memory',
    minLeaseTtl: () => minLeaseTtl,
    async openCase() {
      const clock = new ManualClock();
      const backend = new MemoryBackend({ clock, minLeaseTtl });
      return {
        backend,
        advanceTime: (ms) => clock.advanceAsync(ms),
        close: () => backend.close(),
      };
    },
  };
}

/** A real etcd started once per file by the harness; a new client per case. */
export function etcdTarget(options: EtcdServerOptions = {}): BackendTarget & {
  /** The running server (between setup and teardown). */
  server(): EtcdServer;
} {
  let server: EtcdServer | undefined;
  const running = (): EtcdServer => {
    if (!server) throw new Error('etcd target used before setup()');
    return server;
  };
  return {
    name: 'etcd',
    server: running,
    minLeaseTtl: () => running().minLeaseTtl,
    async setup() {
      server = await startEtcd(options);
    },
    async teardown() {
      await server?.stop();
      server = undefined;
    },
    async openCase() {
      const backend = new EtcdBackend({ endpoints: [running().endpoint] });
      return {
        backend,
        advanceTime: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        close: () => backend.close(),
      };
    },
  };
}
