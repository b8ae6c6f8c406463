/** Options of the memory store and its clients. */

import type { AuthCredentials } from '../interface/auth.js';
import type { CallOptions } from '../interface/backend.js';
import type { Clock } from '../interface/clock.js';
import type { WatchOptions } from '../interface/watch.js';
import type { RequestCredentials } from './auth/caller.js';
import type { JwtTokenOptions } from './auth/jwt-tokens.js';
import type { DEFAULT_ETCD_VERSION } from './etcd-version.js';
import type { LinkTimingOptions } from './faults/timing.js';
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
   * The backend space quota in bytes (etcd's --quota-backend-bytes): 0 or absent is etcd's 2 GiB,
   * negative disables it. A put, a txn with direct puts, or a lease grant that would take the db size
   * (Status dbSize, see maintenance/db-size.ts) to the quota is refused with NoSpaceError and raises the
   * NOSPACE alarm; recover as on etcd: delete, compact, defragment, then disarm the alarm.
   */
  quotaBackendBytes?: number;
  /** etcd's --auto-compaction-mode: "periodic" (default) or "revision". */
  autoCompactionMode?: 'periodic' | 'revision';
  /**
   * etcd's --auto-compaction-retention, on the store's clock: for periodic, hours as a number or a Go
   * duration ("30m"); for revision, how many revisions to keep. 0 or absent: no auto-compaction.
   */
  autoCompactionRetention?: string | number;
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

/** The names of every {@link MemoryStoreOptions} field (a client of an existing store may not set them). */
export const STORE_OPTION_NAMES = [
  'clock',
  'minLeaseTtl',
  'maxTxnOps',
  'maxRequestBytes',
  'seed',
  'progressNotifyIntervalMs',
  'etcdVersion',
  'quotaBackendBytes',
  'autoCompactionMode',
  'autoCompactionRetention',
  'bcryptCost',
  'authTokenTtl',
  'authToken',
] as const satisfies readonly (keyof MemoryStoreOptions)[];

// A store option missing from the list would be let through beside `store`: make that a type error.
type Unlisted = Exclude<keyof MemoryStoreOptions, (typeof STORE_OPTION_NAMES)[number]>;
const allListed: [Unlisted] extends [never] ? true : Unlisted = true;
void allListed;

/** The store options set in `options` (by name), for the error that refuses them beside a `store`. */
export function storeOptionsGiven(options: Partial<Record<keyof MemoryStoreOptions, unknown>>): string[] {
  return STORE_OPTION_NAMES.filter((name) => options[name] !== undefined);
}

/**
 * Options of one client of a store: its name, by which faults target it, the etcd backend's deadlines,
 * which matter once a fault makes a request wait (same names and defaults as EtcdBackend's), and the user
 * it runs as.
 */
export interface MemoryClientOptions extends LinkTimingOptions {
  /** The client's name for `store.faults` (default "client-<n>", n counting the store's clients from 1). */
  name?: string;
  /**
   * The client stands for a remote one (the simulator server's per-connection client): under faults,
   * etcd's answers are relayed as etcd sends them, without the etcd backend's client-side retries.
   */
  relay?: boolean;
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
