/**
 * The in-memory etcd: `MemoryBackend` implements {@link etcd-kv-kit!KvBackend | KvBackend} with etcd v3's semantics.
 *
 * @module etcd-kv-kit/memory
 */

export { MEMORY_ETCD_VERSION, MemoryBackend } from './memory-backend.js';
export type { MemoryBackendOptions } from './options.js';
