export * from './conformance.js';
export * from './etcd-cluster.js';
export * from './etcd-server.js';
export * from './linearizability.js';
export * as model from './model/index.js';
export * from './simulation/index.js';
export * from './targets.js';
export * from './watch-checks.js';
