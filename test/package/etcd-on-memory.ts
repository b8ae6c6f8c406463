/**
 * The README's snippets run with `etcd-kv-kit/etcd` mapped here: an `EtcdBackend` that takes the etcd
 * backend's options and runs on the memory backend, so snippets written for production run without a
 * server. The conformance suite is what shows that both backends behave the same.
 */

import type { EtcdBackendOptions } from '../../src/etcd-backend/index.js';
import { MemoryBackend } from '../../src/memory-backend/index.js';

/** `EtcdBackend`'s constructor, on the memory backend. */
export class EtcdBackend extends MemoryBackend {
  constructor(_options: EtcdBackendOptions) {
    super();
  }
}
