/** The etcd backend: {@link EtcdBackend} and its options. */

export { EtcdBackend } from './backend.js';
export type { EtcdBackendOptions } from './options.js';
