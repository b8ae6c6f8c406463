/**
 * The built-in conformance targets: the memory backend on a manual clock, a real etcd, and the simulator
 * server (the memory store on etcd's gRPC API) reached through the etcd backend.
 */

import { ManualClock } from '../clock/manual-clock.js';
import { EtcdBackend } from '../etcd-backend/index.js';
import { MemoryBackend } from '../memory-backend/index.js';
import { type RunningServer, startServer } from '../server/index.js';
import type { BackendTarget } from './conformance.js';
import { type EtcdServer, type EtcdServerOptions, startEtcd } from './etcd-server.js';

/** Progress notification interval of the built-in targets: short, so cases can observe a few. */
const PROGRESS_INTERVAL_MS = 1_000;

/**
 * The memory backend, a new store per case, on a manual clock with etcd's minimum TTL for the flags used,
 * behaving as `etcdVersion` (default: the store's default).
 */
export function memoryTarget(
  options: { minLeaseTtl?: number; progressNotifyIntervalMs?: number; etcdVersion?: string } = {},
): BackendTarget {
  const minLeaseTtl = options.minLeaseTtl ?? 1;
  const progressNotifyIntervalMs = options.progressNotifyIntervalMs ?? PROGRESS_INTERVAL_MS;
  return {
    name: 'memory',
    minLeaseTtl: () => minLeaseTtl,
    progressNotifyIntervalMs: () => progressNotifyIntervalMs,
    async openCase() {
      const clock = new ManualClock();
      const backend = new MemoryBackend({
        clock,
        minLeaseTtl,
        progressNotifyIntervalMs,
        ...(options.etcdVersion === undefined ? {} : { etcdVersion: options.etcdVersion }),
      });
      return {
        backend,
        advanceTime: (ms) => clock.advanceAsync(ms),
        close: () => backend.close(),
      };
    },
  };
}

/**
 * A real etcd started once per file by the harness (progress notifications every second unless `options`
 * say otherwise); a new client per case.
 */
export function etcdTarget(options: EtcdServerOptions = {}): BackendTarget & {
  /** The running server (between setup and teardown). */
  server(): EtcdServer;
} {
  const progressNotifyIntervalMs = options.progressNotifyIntervalMs ?? PROGRESS_INTERVAL_MS;
  let server: EtcdServer | undefined;
  const running = (): EtcdServer => {
    if (!server) throw new Error('etcd target used before setup()');
    return server;
  };
  return {
    name: 'etcd',
    server: running,
    minLeaseTtl: () => running().minLeaseTtl,
    progressNotifyIntervalMs: () => progressNotifyIntervalMs,
    async setup() {
      server = await startEtcd({ ...options, progressNotifyIntervalMs });
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

/**
 * The simulator server, started once per file on a manual clock; a new etcd backend (a gRPC client) per
 * case. Lease time is the server's manual clock, so expiry cases take no real time.
 */
export function serverTarget(
  options: { minLeaseTtl?: number; progressNotifyIntervalMs?: number; etcdVersion?: string } = {},
): BackendTarget & {
  /** The running server (between setup and teardown). */
  server(): RunningServer;
} {
  const minLeaseTtl = options.minLeaseTtl ?? 1;
  const progressNotifyIntervalMs = options.progressNotifyIntervalMs ?? PROGRESS_INTERVAL_MS;
  let server: RunningServer | undefined;
  let clock: ManualClock | undefined;
  const running = (): RunningServer => {
    if (!server) throw new Error('server target used before setup()');
    return server;
  };
  return {
    name: 'server',
    server: running,
    minLeaseTtl: () => minLeaseTtl,
    progressNotifyIntervalMs: () => progressNotifyIntervalMs,
    async setup() {
      clock = new ManualClock();
      server = await startServer({
        clock,
        minLeaseTtl,
        progressNotifyIntervalMs,
        ...(options.etcdVersion === undefined ? {} : { etcdVersion: options.etcdVersion }),
      });
    },
    async teardown() {
      await server?.close();
      server = undefined;
    },
    async openCase() {
      const backend = new EtcdBackend({ endpoints: running().endpoints });
      const time = clock!;
      return {
        backend,
        advanceTime: (ms) => time.advanceAsync(ms),
        close: () => backend.close(),
      };
    },
  };
}
