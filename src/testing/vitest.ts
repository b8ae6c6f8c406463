/**
 * Vitest global setup: one real etcd for a whole test run, started before the first test file and
 * stopped after the last, handed to every file through vitest's provide/inject.
 *
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['etcd-kv-kit/testing/vitest'] } });
 * // any test file
 * import type {} from 'etcd-kv-kit/testing/vitest'; // the type of inject('etcdKvKit')
 * import { inject } from 'vitest';
 * const { endpoint } = inject('etcdKvKit').etcd;
 * ```
 *
 * For other options, name your own global-setup file that does
 * `export default etcdGlobalSetup({ etcd: { heartbeatMs: 100, electionMs: 1000 } })`.
 * The etcd dies with the test run however it ends (see {@link startEtcd}). Only types come from vitest.
 *
 * @module etcd-kv-kit/testing/vitest
 */

import type {} from 'vitest';
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
  /** The real etcd this run shares. */
  readonly etcd: ProvidedEtcd;
  // The simulator server (etcd-kv-kit/server) joins here once it lands: `readonly server: ...`.
}

declare module 'vitest' {
  /** etcd-kv-kit's entry in vitest's provide/inject context. */
  export interface ProvidedContext {
    etcdKvKit: EtcdKvKitProvided;
  }
}

/** Options for {@link etcdGlobalSetup}. */
export interface GlobalSetupOptions {
  /** How to start the shared etcd (default: {@link startEtcd}'s defaults, minimum lease TTL 1 s). */
  etcd?: EtcdServerOptions;
  // Simulator server options join here once etcd-kv-kit/server lands.
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
    const etcd: EtcdServer = await startEtcd(options.etcd);
    try {
      const version = await etcdVersion(etcd.endpoint, options.etcd?.probeTls);
      project.provide('etcdKvKit', {
        etcd: { endpoint: etcd.endpoint, minLeaseTtl: etcd.minLeaseTtl, version },
      });
    } catch (error) {
      await etcd.stop();
      throw error;
    }
    return () => etcd.stop();
  };
}

/** `globalSetup: ['etcd-kv-kit/testing/vitest']` runs this: {@link etcdGlobalSetup} with defaults. */
export default etcdGlobalSetup();
