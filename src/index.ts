/**
 * etcd-kv-kit: etcd v3's API as one {@link KvBackend} interface, with shared types, errors, clocks and
 * byte helpers. Backends: `etcd-kv-kit/memory` and `etcd-kv-kit/etcd`; recipes: `etcd-kv-kit/recipes`.
 *
 * @module etcd-kv-kit
 */

export { flushMicrotasks, ManualClock, RealClock, realClock } from './clock/index.js';
export {
  bytesEqual,
  compareBytes,
  fromKeyRange,
  leaseHex,
  prefixEnd,
  prefixRange,
  toBytes,
  toText,
  ZERO_KEY,
} from './common/bytes.js';
export { watcherOnStream } from './common/watcher.js';
export * from './interface/index.js';
