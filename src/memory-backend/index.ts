/**
 * The in-memory etcd: a {@link MemoryStore} holds the state, and each {@link MemoryBackend} is a client of
 * it implementing {@link etcd-kv-kit!KvBackend | KvBackend} with etcd v3's semantics. `new MemoryBackend()`
 * makes a store of its own.
 *
 * @module etcd-kv-kit/memory
 */

export type { AuthInfo, RequestCredentials } from './auth/caller.js';
export type { JwtTokenOptions } from './auth/jwt-tokens.js';
export type { AuthCheckOptions, MemoryAuth } from './auth/memory-auth.js';
export {
  type AuthBehaviour,
  DEFAULT_ETCD_VERSION,
  type EtcdBehaviour,
  etcdBehaviour,
  type ProgressRequestMode,
} from './etcd-version.js';
export type { ClientClock } from './faults/client-clock.js';
export type { InjectableError } from './faults/injected-error.js';
export type { InFlightPolicy } from './faults/link.js';
export type { FaultOp, OpSelector } from './faults/ops.js';
export type {
  FailNextOptions,
  FaultClientInfo,
  Latency,
  LoseRepliesOptions,
  StoreFaults,
} from './faults/store-faults.js';
export type { FaultTarget } from './faults/target.js';
export type { LinkTiming, LinkTimingOptions } from './faults/timing.js';
export type { Fixture } from './maintenance/fixture.js';
export { MemoryBackend } from './memory-backend.js';
export type {
  MemoryBackendOptions,
  MemoryCallOptions,
  MemoryClientOptions,
  MemoryStoreOptions,
  MemoryWatchOptions,
} from './options.js';
export { MEMORY_ETCD_VERSION, MemoryStore } from './store.js';
