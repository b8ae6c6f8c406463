/**
 * Coordination recipes on any {@link etcd-kv-kit!KvBackend | KvBackend}, following etcd's Go client (client/v3/concurrency):
 *
 * - {@link Session}: a lease kept alive in the background; `done` aborts when it is lost.
 * - {@link Mutex}: a fair distributed lock with fencing ({@link Mutex.isOwner}, {@link Mutex.fencingToken}).
 * - {@link Election}: leader election with campaign, proclaim, resign, leader and observe.
 * - {@link ConfigCenter}: a live, typed view of a config prefix that never misses an update.
 * - {@link ServiceRegistry}: instance registration with automatic re-registration, discovery and watch.
 * - {@link Kv}: a namespaced key-value facade with CAS, TTL puts and transactions ({@link runStm}).
 *
 * Every wait takes an AbortSignal, every timer runs on `backend.clock`, and everything that holds
 * something implements Symbol.asyncDispose.
 *
 * @module etcd-kv-kit/recipes
 */

export { type LeaseLossReason, LeaseLostError } from '../lease/errors.js';
export { type KeepAlive, type KeepAliveOptions, keepAlive } from '../lease/keep-alive.js';
export {
  ConfigCenter,
  type ConfigCenterOptions,
  type ConfigChange,
  type ConfigError,
  type ConfigEvent,
} from './config-center.js';
export { Election, type LeaderInfo } from './election.js';
export {
  LockCleanupError,
  LockedError,
  LockReleasedError,
  NoLeaderError,
  NotFoundError,
  NotLeaderError,
  SessionClosedError,
  SessionExpiredError,
  TxnConflictError,
  WaitTimeoutError,
} from './errors.js';
export {
  Kv,
  type KvEntry,
  type KvExpectation,
  type KvPutOptions,
  type KvPutResult,
  type KvTxn,
} from './kv.js';
export { type LockOptions, Mutex } from './mutex.js';
export {
  Registration,
  type ServiceInstance,
  ServiceRegistry,
  type ServiceRegistryOptions,
  type ServiceSnapshot,
} from './service-registry.js';
export { isLeaseLoss, Session, type SessionOptions } from './session.js';
export { type Isolation, runStm, type Stm, type StmOptions } from './stm.js';
export { waitDeletes } from './wait-deletes.js';
