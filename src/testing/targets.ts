/**
 * The built-in conformance targets: the memory backend on a manual clock, a real etcd, and the simulator
 * server (the memory store on etcd's gRPC API) reached through the etcd backend.
 */

import { ManualClock } from '../clock/manual-clock.js';
import { EtcdBackend } from '../etcd-backend/index.js';
import type { AuthBackend, AuthCredentials } from '../interface/auth.js';
import type { KvBackend } from '../interface/backend.js';
import { MemoryBackend, MemoryStore } from '../memory-backend/index.js';
import { type RunningServer, startServer } from '../server/index.js';
import type { BackendTarget } from './conformance.js';
import { type EtcdServer, type EtcdServerOptions, startEtcd } from './etcd-server.js';

/** Progress notification interval of the built-in targets: short, so cases can observe a few. */
const PROGRESS_INTERVAL_MS = 1_000;

/** A target's auth: on, with this token TTL (seconds; default 2, so expiry cases are short on etcd). */
export interface AuthTargetOptions {
  tokenTtl?: number;
}

/** root's password on the built-in targets with auth on. */
export const CONFORMANCE_ROOT_PASSWORD = 'conformance-root';
/** Password hashing cost of the built-in targets with auth on: the lowest, so users are cheap to make. */
const HASH_COST = 4;

/** The token TTL of `auth`, or undefined when auth is off. */
function authTtl(auth: boolean | AuthTargetOptions | undefined): number | undefined {
  if (auth === undefined || auth === false) return undefined;
  return (auth === true ? undefined : auth.tokenTtl) ?? 2;
}

/** What `etcdctl user add root && etcdctl auth enable` does: the user and role root, then auth on. */
async function enableAuth(backend: KvBackend & AuthBackend): Promise<void> {
  await backend.userAdd({ name: 'root', password: CONFORMANCE_ROOT_PASSWORD });
  await backend.roleAdd({ name: 'root' });
  await backend.userGrantRole({ user: 'root', role: 'root' });
  await backend.authEnable();
}

const ROOT: AuthCredentials = { username: 'root', password: CONFORMANCE_ROOT_PASSWORD };

/** The target's `auth()` for a TTL (undefined: auth off). */
function authSettings(ttl: number | undefined) {
  return () => (ttl === undefined ? undefined : { rootPassword: CONFORMANCE_ROOT_PASSWORD, tokenTtl: ttl });
}

/**
 * The memory backend, a new store per case, on a manual clock with etcd's minimum TTL for the flags used,
 * behaving as `etcdVersion` (default: the store's default).
 */
export function memoryTarget(
  options: {
    minLeaseTtl?: number;
    progressNotifyIntervalMs?: number;
    etcdVersion?: string;
    /** The store's space quota (the quota cases want QUOTA_CASE_BYTES). */
    quotaBackendBytes?: number;
    /** Auth on: each case's store has root (its backend) and auth enabled. */
    auth?: boolean | AuthTargetOptions;
  } = {},
): BackendTarget {
  const minLeaseTtl = options.minLeaseTtl ?? 1;
  const progressNotifyIntervalMs = options.progressNotifyIntervalMs ?? PROGRESS_INTERVAL_MS;
  const ttl = authTtl(options.auth);
  return {
    name: 'memory',
    minLeaseTtl: () => minLeaseTtl,
    progressNotifyIntervalMs: () => progressNotifyIntervalMs,
    auth: authSettings(ttl),
    async openCase() {
      const clock = new ManualClock();
      if (ttl !== undefined) {
        const store = new MemoryStore({
          clock,
          minLeaseTtl,
          progressNotifyIntervalMs,
          bcryptCost: HASH_COST,
          authTokenTtl: ttl,
          ...(options.etcdVersion === undefined ? {} : { etcdVersion: options.etcdVersion }),
        });
        const setup = store.connect();
        await enableAuth(setup);
        await setup.close();
        const backend = store.connect({ auth: ROOT });
        return {
          backend,
          advanceTime: (ms) => clock.advanceAsync(ms),
          connect: async (auth) => store.connect(auth === undefined ? {} : { auth }),
          close: () => store.close(),
        };
      }
      const backend = new MemoryBackend({
        clock,
        minLeaseTtl,
        progressNotifyIntervalMs,
        ...(options.etcdVersion === undefined ? {} : { etcdVersion: options.etcdVersion }),
        ...(options.quotaBackendBytes === undefined ? {} : { quotaBackendBytes: options.quotaBackendBytes }),
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
export function etcdTarget(
  options: EtcdServerOptions & {
    /** Auth on for the whole file: etcd gets root and auth enabled once; cases run as root. */
    auth?: boolean | AuthTargetOptions;
  } = {},
): BackendTarget & {
  /** The running server (between setup and teardown). */
  server(): EtcdServer;
} {
  const progressNotifyIntervalMs = options.progressNotifyIntervalMs ?? PROGRESS_INTERVAL_MS;
  const ttl = authTtl(options.auth);
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
    auth: authSettings(ttl),
    async setup() {
      const { auth: _auth, ...etcdOptions } = options;
      const extraArgs = [...(etcdOptions.extraArgs ?? [])];
      if (ttl !== undefined)
        extraArgs.push('--auth-token-ttl', String(ttl), '--bcrypt-cost', String(HASH_COST));
      server = await startEtcd({ ...etcdOptions, extraArgs, progressNotifyIntervalMs });
      if (ttl !== undefined) {
        await using setup = new EtcdBackend({ endpoints: [server.endpoint] });
        await enableAuth(setup);
      }
    },
    async teardown() {
      await server?.stop();
      server = undefined;
    },
    async openCase() {
      const endpoints = [running().endpoint];
      const backend = new EtcdBackend({ endpoints, ...(ttl === undefined ? {} : { auth: ROOT }) });
      return {
        backend,
        advanceTime: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        ...(ttl === undefined
          ? {}
          : {
              connect: async (auth?: AuthCredentials) =>
                new EtcdBackend({ endpoints, ...(auth ? { auth } : {}) }),
            }),
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
  options: {
    minLeaseTtl?: number;
    progressNotifyIntervalMs?: number;
    etcdVersion?: string;
    /** The server's space quota (the quota cases want QUOTA_CASE_BYTES). */
    quotaBackendBytes?: number;
    /** Auth on for the whole file: the server gets root and auth enabled once; cases run as root. */
    auth?: boolean | AuthTargetOptions;
  } = {},
): BackendTarget & {
  /** The running server (between setup and teardown). */
  server(): RunningServer;
} {
  const minLeaseTtl = options.minLeaseTtl ?? 1;
  const progressNotifyIntervalMs = options.progressNotifyIntervalMs ?? PROGRESS_INTERVAL_MS;
  const ttl = authTtl(options.auth);
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
    auth: authSettings(ttl),
    async setup() {
      clock = new ManualClock();
      server = await startServer({
        clock,
        minLeaseTtl,
        progressNotifyIntervalMs,
        ...(options.etcdVersion === undefined ? {} : { etcdVersion: options.etcdVersion }),
        ...(options.quotaBackendBytes === undefined ? {} : { quotaBackendBytes: options.quotaBackendBytes }),
        ...(ttl === undefined ? {} : { bcryptCost: HASH_COST, authTokenTtl: ttl }),
      });
      if (ttl !== undefined) {
        await using setup = new EtcdBackend({ endpoints: server.endpoints });
        await enableAuth(setup);
      }
    },
    async teardown() {
      await server?.close();
      server = undefined;
    },
    async openCase() {
      const endpoints = running().endpoints;
      const backend = new EtcdBackend({ endpoints, ...(ttl === undefined ? {} : { auth: ROOT }) });
      const time = clock!;
      return {
        backend,
        advanceTime: (ms) => time.advanceAsync(ms),
        ...(ttl === undefined
          ? {}
          : {
              connect: async (auth?: AuthCredentials) =>
                new EtcdBackend({ endpoints, ...(auth ? { auth } : {}) }),
            }),
        close: () => backend.close(),
      };
    },
  };
}
