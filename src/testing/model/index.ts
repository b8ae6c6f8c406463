/**
 * The reference model of etcd's KV and lease state: a pure step function, the oracle of the property,
 * differential and linearizability tests. Simple rather than fast.
 */

export { canonicalError, canonicalKv, canonicalResponse } from './canonical.js';
export { inInterval, interval, type KeyInterval, keyBytes, keyString } from './keys.js';
export { MAX_LEASE_TTL } from './lease.js';
export { compareBy, kvsAt } from './range.js';
export { DEFAULT_MODEL_OPTIONS, initialState, run, step } from './step.js';
export { checkIntervals, evalCompare } from './txn.js';
export type * from './types.js';
