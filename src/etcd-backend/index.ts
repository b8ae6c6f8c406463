/**
 * The etcd backend: {@link EtcdBackend} and its options.
 *
 * @module etcd-kv-kit/etcd
 */

export { EtcdBackend } from './backend.js';
export type { EtcdBackendOptions } from './options.js';
