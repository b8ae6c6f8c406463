/**
 * The simulator server: the in-memory etcd on etcd's own gRPC API (and plain HTTP /health, /version), for
 * clients in any language. `startServer()` in-process, or `npx etcd-kv-kit serve` from a shell.
 *
 * @module etcd-kv-kit/server
 */

export type { ListenerTls } from './listener.js';
export type { ServerOptions } from './options.js';
export { type RunningServer, type ServerStats, startServer } from './start-server.js';
