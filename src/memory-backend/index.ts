/** The in-memory etcd: `MemoryBackend` implements {@link KvBackend} with etcd v3's semantics. */

export { MEMORY_ETCD_VERSION, MemoryBackend } from './memory-backend.js';
export type { MemoryBackendOptions } from './options.js';
