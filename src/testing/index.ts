export * from './conformance.js';
export * from './etcd-cluster.js';
export * from './etcd-server.js';
export * from './targets.js';
