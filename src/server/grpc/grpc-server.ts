/**
 * The gRPC server: every RPC of etcd's rpc.proto (and of its Lock and Election services) is registered — the served ones with their service's
 * handler, the rest answering UNIMPLEMENTED — plus grpc.health.v1. Connections are handed in by the
 * listener (see listener.ts), which owns the sockets.
 */

import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/light.js';
import { GrpcStatus } from '../../interface/errors.js';
import type { WireMessage } from '../wire/message.js';
import { authService } from './auth-service.js';
import { clusterService } from './cluster-service.js';
import { type Codec, codecFor, type DecodeFailure } from './codec.js';
import type { ServiceContext } from './context.js';
import { electionService } from './election-service.js';
import { bidiCall, type ServiceHandlers, serverStreamCall, unaryCall } from './handlers.js';
import { kvService } from './kv-service.js';
import { leaseService } from './lease-service.js';
import { lockService } from './lock-service.js';
import { maintenanceService } from './maintenance-service.js';
import { allMethods, messageType } from './proto.js';
import { goTransport } from './transport.js';
import { watchService } from './watch-service.js';

/** gRPC's allowance above max-request-bytes for a whole message, as etcd sets it. */
const GRPC_OVERHEAD_BYTES = 512 * 1024;

/** grpc.health.v1, which is not in rpc.proto. */
const health = protobuf.Root.fromJSON({
  nested: {
    HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
    HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
  },
});
const SERVING = 1;

/** Counts every call by method and final status, for /metrics (grpc_server_*_total). */
function counting(metrics: CallCounter): grpc.ServerInterceptor {
  return (method, call) => {
    const kind = method.requestStream
      ? method.responseStream
        ? 'bidi_stream'
        : 'client_stream'
      : method.responseStream
        ? 'server_stream'
        : 'unary';
    metrics.started(method.path, kind);
    return new grpc.ServerInterceptingCall(
      call,
      new grpc.ResponderBuilder()
        .withSendStatus((status, next) => {
          metrics.handled(method.path, kind, status.code);
          next(status);
        })
        .build(),
    );
  };
}

/** What counts calls (the server's metrics). */
export interface CallCounter {
  started(path: string, kind: string): void;
  handled(path: string, kind: string, code: number): void;
}

/** Every service's handlers for `ctx`, by service name; the gRPC server and the JSON gateway share them. */
export function createServices(ctx: ServiceContext): Record<string, ServiceHandlers> {
  return {
    KV: kvService(ctx),
    Watch: watchService(ctx, watchCodec()),
    Lease: leaseService(ctx),
    Maintenance: maintenanceService(ctx),
    Cluster: clusterService(ctx),
    Auth: authService(ctx),
    Lock: lockService(ctx),
    Election: electionService(ctx),
  };
}

let watchCodecCache: Codec<WireMessage> | undefined;
function watchCodec(): Codec<WireMessage> {
  watchCodecCache ??= codecFor<WireMessage>(messageType('WatchResponse'));
  return watchCodecCache;
}

/** Build the gRPC server for `ctx`'s store, serving `services` (default: {@link createServices}). */
export function createGrpcServer(
  ctx: ServiceContext,
  services: Record<string, ServiceHandlers> = createServices(ctx),
  metrics?: CallCounter,
): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': ctx.store.maxRequestBytes + GRPC_OVERHEAD_BYTES,
    'grpc.max_send_message_length': -1,
    // Channelz bookkeeping costs every call; nothing here reads it.
    'grpc.enable_channelz': 0,
    // goTransport first: it reaches into grpc-js's own call, which the other interceptors wrap.
    interceptors: metrics === undefined ? [goTransport] : [goTransport, counting(metrics)],
  });
  for (const m of allMethods()) {
    const request = codecFor<WireMessage>(m.requestType);
    const response: Codec<WireMessage> =
      m.path === '/etcdserverpb.Watch/Watch' ? watchCodec() : codecFor(m.responseType);
    const handlers = services[m.service];
    const unary = handlers?.unary?.[m.method];
    const bidi = handlers?.bidi?.[m.method];
    const serverStream = handlers?.serverStream?.[m.method];
    if (unary !== undefined && !m.requestStream && !m.responseStream) {
      const handler = unaryCall(ctx, unary, handlers?.waits?.has(m.method) === true);
      server.register(m.path, handler, response.serialize, request.deserialize, 'unary');
    } else if (bidi !== undefined && m.requestStream && m.responseStream) {
      server.register(m.path, bidiCall(ctx, bidi), response.serialize, request.deserialize, 'bidi');
    } else if (serverStream !== undefined && !m.requestStream && m.responseStream) {
      const handler = serverStreamCall(ctx, serverStream);
      server.register(m.path, handler, response.serialize, request.deserialize, 'serverStream');
    } else {
      registerUnimplemented(server, m.path, m.requestStream, m.responseStream, request, response);
    }
  }
  const check = codecFor<WireMessage>(health.lookupType('HealthCheckRequest'));
  const status = codecFor<WireMessage>(health.lookupType('HealthCheckResponse'));
  server.register(
    '/grpc.health.v1.Health/Check',
    (
      call: grpc.ServerUnaryCall<WireMessage | DecodeFailure, WireMessage>,
      callback: grpc.sendUnaryData<WireMessage>,
    ) => {
      const service = (call.request as WireMessage).service;
      if (service === '' || service === undefined) callback(null, { status: SERVING });
      else callback({ code: GrpcStatus.NOT_FOUND, details: 'unknown service' });
    },
    status.serialize,
    check.deserialize,
    'unary',
  );
  return server;
}

/**
 * RPCs of the etcd3 package's rpc.proto that etcd 3.4 does not have: they answer as grpc-go answers a
 * method it does not know.
 */
const NOT_IN_ETCD_34 = new Set(['/etcdserverpb.Auth/AuthStatus', '/etcdserverpb.Maintenance/Downgrade']);

/** An RPC of etcd's API that this server does not serve yet. */
function registerUnimplemented(
  server: grpc.Server,
  path: string,
  requestStream: boolean,
  responseStream: boolean,
  request: Codec<WireMessage>,
  response: Codec<WireMessage>,
): void {
  const [service, method] = path.slice(1).split('/');
  const status = {
    code: GrpcStatus.UNIMPLEMENTED,
    details: NOT_IN_ETCD_34.has(path)
      ? `unknown method ${method} for service ${service}`
      : `etcd-kv-kit: ${path.slice(1)} is not served by the simulator yet`,
  };
  const type = requestStream
    ? responseStream
      ? 'bidi'
      : 'clientStream'
    : responseStream
      ? 'serverStream'
      : 'unary';
  const handler =
    type === 'unary' || type === 'clientStream'
      ? (_call: unknown, callback: grpc.sendUnaryData<WireMessage>) => callback(status)
      : (call: grpc.ServerWritableStream<unknown, WireMessage>) => call.emit('error', status);
  server.register(path, handler as grpc.UntypedHandleCall, response.serialize, request.deserialize, type);
}
