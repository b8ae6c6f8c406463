/**
 * The gRPC pieces the adapter uses, taken from the `etcd3` package itself: its @grpc/grpc-js instance
 * (one copy, so credentials and clients agree) and its per-endpoint service clients (`Host`, built on
 * the proto etcd3 bundles).
 */

import { createRequire } from 'node:module';
import type * as GrpcModule from '@grpc/grpc-js';

const require = createRequire(import.meta.url);
const etcd3Main = require.resolve('etcd3');
const fromEtcd3 = createRequire(etcd3Main);

/** etcd3's own @grpc/grpc-js. */
export const grpc: typeof GrpcModule = fromEtcd3('@grpc/grpc-js');

/** etcd3's Host: the gRPC service clients for one endpoint, on etcd3's bundled proto. */
export interface EtcdHost {
  getServiceClient(name: ServiceName): GrpcModule.Client & Record<string, unknown>;
  resetAllServices(): void;
  close(): void;
}

/** etcd's gRPC services, as etcd3 names them. */
export type ServiceName = 'KV' | 'Watch' | 'Lease' | 'Maintenance' | 'Auth' | 'Cluster';

const { Host } = fromEtcd3('./connection-pool.js') as {
  Host: new (
    host: string,
    credentials: GrpcModule.ChannelCredentials,
    channelOptions: GrpcModule.ChannelOptions | undefined,
    faultHandling: { execute<T>(fn: () => T): T },
  ) => EtcdHost;
};

/** A pass-through policy: the adapter does its own failover, so etcd3's circuit breaker never runs. */
const noPolicy = { execute: <T>(fn: () => T): T => fn() };

/** Create etcd3's service-client holder for one endpoint ("host:port"), with no fault policy. */
export function createHost(
  address: string,
  credentials: GrpcModule.ChannelCredentials,
  channelOptions: GrpcModule.ChannelOptions,
): EtcdHost {
  return new Host(address, credentials, channelOptions, noPolicy);
}

export type { GrpcModule };

/**
 * Cancel a grpc-js call or stream, for good. grpc-js (1.14) creates the transport-level part of a call a
 * few microtasks after the call object; a cancel that comes before it ends the call for us but leaves
 * that part running, holding the connection (and the process) until the next keepalive ping. Cancelling
 * again once pending microtasks have run reaches it; a second cancel of a finished call does nothing.
 */
export function cancelCall(call: { cancel(): void }): void {
  call.cancel();
  setImmediate(() => call.cancel());
}
