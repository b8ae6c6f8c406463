/** Options of the memory store and its clients. */

import type { AuthCredentials } from '../interface/auth.js';
import type { CallOptions } from '../interface/backend.js';
import type { Clock } from '../interface/clock.js';
import type { WatchOptions } from '../interface/watch.js';
import type { RequestCredentials } from './auth/caller.js';
import type { JwtTokenOptions } from './auth/jwt-tokens.js';
import type { DEFAULT_ETCD_VERSION } from './etcd-version.js';
import type { MemoryStore } from './store.js';

/** Options for a {@link MemoryStore}: the state and the limits every client of it shares. */
export interface MemoryStoreOptions {
  /** The clock leases and progress notifications run on (default: the real clock). */
  clock?: Clock;
  /**
   * Minimum lease TTL in seconds (default 2, etcd's with default raft timers). Grants below it are raised
   * to it. The test harness passes 1 to match a test etcd started with short raft timers.
   */
  minLeaseTtl?: number;
  /** Maximum operations per txn level (etcd's --max-txn-ops, default 128). */
  maxTxnOps?: number;
  /** Maximum serialized size of a write request (etcd's --max-request-bytes, default 1,572,864). */
  maxRequestBytes?: number;
  /** Seed for server-chosen lease IDs; set it for deterministic IDs (default: random). */
  seed?: number | bigint;
  /** Interval of watch progress notifications in ms (etcd: 10 minutes). */
  progressNotifyIntervalMs?: number;
  /**
   * The etcd release to behave as where releases differ, "major.minor.patch", 3.4.0 or later (default
   * {@link DEFAULT_ETCD_VERSION}, current etcd). Maintenance.Status reports it. Set it to the version your
   * production etcd runs, e.g. "3.4.23", to get that release's watch behaviour; etcd-version.ts lists what
   * it selects (progress requests while a watcher is not synced, progress for watchers that start in the
   * future, a negative start revision).
   */
  etcdVersion?: string;
  /**
   * Cost of hashing user passwords, as etcd's --bcrypt-cost (default 10). The memory store hashes with
   * scrypt, N = 2^(cost + 4); from 4 (fast: tests) to 14.
   */
  bcryptCost?: number;
  /** Seconds a simple auth token may go unused before it expires (etcd's --auth-token-ttl, default 300). */
  authTokenTtl?: number;
  /**
   * The tokens Authenticate hands out (etcd's --auth-token): `'simple'` (the default), or JWTs signed with
   * the given keys; a JWT holds the auth revision it was issued at, and expires after its `ttl`.
   */
  authToken?: 'simple' | { jwt: JwtTokenOptions };
}

/** Options of one client of a store. */
export interface MemoryClientOptions {
  /**
   * Run as this user, as the etcd backend's `auth` option does: with a user name and password the client
   * authenticates on first use and again when its token expires (and while auth is off it sends no token);
   * a token is used as given and never renewed.
   */
  auth?: AuthCredentials;
}

/** Options of one call of a memory client. */
export interface MemoryCallOptions extends CallOptions {
  /**
   * Run this call with these credentials instead of the client's own (how the simulator server passes
   * each request's token or client-certificate name).
   */
  credentials?: RequestCredentials;
}

/** Options of a memory client's watch stream. */
export interface MemoryWatchOptions extends WatchOptions {
  /** The stream's credentials instead of the client's own (fixed when the stream opens, as in gRPC). */
  credentials?: RequestCredentials;
}

/**
 * Options for {@link MemoryBackend}: either the options of a store of its own (the common case: one
 * client, one store, closed together), or `store` to become one more client of an existing store.
 */
export interface MemoryBackendOptions extends MemoryStoreOptions, MemoryClientOptions {
  /**
   * Connect to this store instead of creating one; same as `store.connect()`. Store options are then
   * not allowed (they belong to the store), and closing this client leaves the store open.
   */
  store?: MemoryStore;
}
