/**
 * Testing tools: the conformance harness and cases, throwaway etcd servers and clusters, the reference
 * model, the linearizability checker and the watch validators.
 *
 * @module etcd-kv-kit/testing
 */

export * from './cases.js';
export * from './conformance.js';
export * from './etcd-cluster.js';
export * from './etcd-server.js';
export * from './linearizability.js';
/** The reference model of etcd's KV and lease state (a pure step function), the oracle of property tests. */
export * as model from './model/index.js';
export * from './simulation/index.js';
export type { ExpectFn, Matchers, PromiseMatchers } from './suite/expect.js';
export * from './targets.js';
export * from './watch-checks.js';
