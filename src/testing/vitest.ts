/**
 * Vitest global setup: one real etcd and one simulator server for a whole test run, started before the
 * first test file and stopped after the last, handed to every file through vitest's provide/inject.
 *
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['etcd-kv-kit/testing/vitest'] } });
 * // any test file
 * import type {} from 'etcd-kv-kit/testing/vitest'; // the type of inject('etcdKvKit')
 * import { inject } from 'vitest';
 * const { endpoint } = inject('etcdKvKit').etcd!; // or .server! for the simulator
 * ```
 *
 * For other options, name your own global-setup file that does, e.g.,
 * `export default etcdGlobalSetup({ etcd: false })` (the simulator only: no etcd binary needed) or
 * `etcdGlobalSetup({ etcd: { heartbeatMs: 100, electionMs: 1000 }, server: { etcdVersion: '3.4.23' } })`.
 * The etcd dies with the test run however it ends (see {@link startEtcd}). Only types come from vitest.
 *
 * @module etcd-kv-kit/testing/vitest
 */

import type {} from 'vitest';
import type { ServerOptions } from '../server/options.js';
import { type RunningServer, startServer } from '../server/start-server.js';
import { type EtcdServer, type EtcdServerOptions, etcdVersion, startEtcd } from './etcd-server.js';

/** The etcd a run shares, as test files see it. */
export interface ProvidedEtcd {
  /** Client URL, e.g. "http://127.0.0.1:41234". */
  readonly endpoint: string;
  /** The minimum lease TTL in seconds this server grants. */
  readonly minLeaseTtl: number;
  /** etcd's version, e.g. "3.4.23". */
  readonly version: string;
}

/** What `inject('etcdKvKit')` returns in a test file. */
export interface EtcdKvKitProvided {
  /** The real etcd this run shares (absent when the setup was told `etcd: false`). */
  readonly etcd?: ProvidedEtcd;
  /**
   * The simulator server this run shares (absent when told `server: false`): the memory store on
   * etcd's gRPC API, on the real clock. Its minimum lease TTL and version follow its options.
   */
  readonly server?: ProvidedEtcd;
}

declare module 'vitest' {
  /** etcd-kv-kit's entry in vitest's provide/inject context. */
  export interface ProvidedContext {
    etcdKvKit: EtcdKvKitProvided;
  }
}

/** Options for {@link etcdGlobalSetup}. */
export interface GlobalSetupOptions {
  /**
   * How to start the shared etcd (default: {@link startEtcd}'s defaults, minimum lease TTL 1 s), or
   * `false` for none.
   */
  etcd?: EtcdServerOptions | false;
  /**
   * How to start the shared simulator server (default: a free 127.0.0.1 port, minimum lease TTL 1 s, as
   * the etcd), or `false` for none. A `clock` here stays in the setup process: test files cannot move it.
   */
  server?: ServerOptions | false;
}

/** The part of vitest's TestProject that a global setup uses. */
export interface SetupContext {
  /** Make `value` available to test files as `inject(key)`. */
  provide(key: 'etcdKvKit', value: EtcdKvKitProvided): void;
}

/**
 * A vitest global-setup function: starts what `options` ask for, provides it as `etcdKvKit`, and
 * returns the teardown that stops it.
 */
export function etcdGlobalSetup(
  options: GlobalSetupOptions = {},
): (project: SetupContext) => Promise<() => Promise<void>> {
  return async (project) => {
    let etcd: EtcdServer | undefined;
    let server: RunningServer | undefined;
    const stop = async (): Promise<void> => {
      await Promise.all([etcd?.stop(), server?.close()]);
    };
    try {
      const provided: { etcd?: ProvidedEtcd; server?: ProvidedEtcd } = {};
      if (options.etcd !== false) {
        etcd = await startEtcd(options.etcd);
        const version = await etcdVersion(etcd.endpoint, options.etcd?.probeTls);
        provided.etcd = { endpoint: etcd.endpoint, minLeaseTtl: etcd.minLeaseTtl, version };
      }
      if (options.server !== false) {
        const given = options.server ?? {};
        // The same minimum TTL as the shared etcd, unless the options bring their own store or TTL.
        server = await startServer(given.store === undefined ? { minLeaseTtl: 1, ...given } : given);
        provided.server = {
          endpoint: server.endpoints[0]!,
          minLeaseTtl: server.store.minLeaseTtl,
          version: server.store.etcdVersion,
        };
      }
      project.provide('etcdKvKit', provided);
    } catch (error) {
      await stop();
      throw error;
    }
    return stop;
  };
}

/** `globalSetup: ['etcd-kv-kit/testing/vitest']` runs this: {@link etcdGlobalSetup} with defaults. */
export default etcdGlobalSetup();
