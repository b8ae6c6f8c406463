/**
 * Coordination recipes on any {@link etcd-kv-kit!KvBackend | KvBackend}, following etcd's Go client (client/v3/concurrency):
 *
 * - {@link Session}: a lease kept alive in the background; `done` aborts when it is lost.
 * - {@link Mutex}: a fair distributed lock with fencing ({@link Mutex.isOwner}, {@link Mutex.fencingToken}).
 * - {@link Election}: leader election with campaign, proclaim, resign, leader and observe.
 * - {@link ConfigCenter}: a live, typed view of a config prefix that never misses an update.
 * - {@link ServiceRegistry}: instance registration with automatic re-registration, discovery and watch.
 * - {@link Kv}: a namespaced key-value facade with CAS, TTL puts and transactions ({@link runStm}).
 * - {@link RWMutex}: many readers or one writer, fair, with fencing.
 * - {@link Semaphore}: at most N holders, fair, lease-backed, with fencing.
 * - {@link Barrier} and {@link DoubleBarrier}: hold/release/wait, and enter/leave with N participants.
 * - {@link Queue} and {@link PriorityQueue}: crash-safe work queues (a crashed consumer's item comes back).
 *
 * Every wait takes an AbortSignal, every timer runs on `backend.clock`, and everything that holds
 * something implements Symbol.asyncDispose.
 *
 * @module etcd-kv-kit/recipes
 */

export { type LeaseLossReason, LeaseLostError } from '../lease/errors.js';
export { type KeepAlive, type KeepAliveOptions, keepAlive } from '../lease/keep-alive.js';
export { Barrier } from './barrier.js';
export {
  ConfigCenter,
  type ConfigCenterOptions,
  type ConfigChange,
  type ConfigError,
  type ConfigEvent,
} from './config-center.js';
export { DoubleBarrier } from './double-barrier.js';
export { Election, type LeaderInfo } from './election.js';
export {
  ClaimLostError,
  KeyExistsError,
  LockCleanupError,
  LockedError,
  LockReleasedError,
  NoLeaderError,
  NotFoundError,
  NotLeaderError,
  SemaphoreFullError,
  SessionClosedError,
  SessionExpiredError,
  TooManyClientsError,
  TxnConflictError,
  WaitTimeoutError,
} from './errors.js';
export type { WaitOptions } from './internal.js';
export {
  Kv,
  type KvEntry,
  type KvExpectation,
  type KvPutOptions,
  type KvPutResult,
  type KvTxn,
} from './kv.js';
export { type LockOptions, Mutex } from './mutex.js';
export { MAX_PRIORITY, PriorityQueue } from './priority-queue.js';
export { type Enqueued, Queue } from './queue.js';
export { QueueItem } from './queue-item.js';
export { type RWMode, RWMutex } from './rwmutex.js';
export { Semaphore } from './semaphore.js';
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
