/**
 * `startServer()`: the memory store served as an etcd on the wire — etcd's gRPC API and plain HTTP on each
 * client URL — for clients in any language. Resolves once every URL is listening.
 */

import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../interface/errors.js';
import { storeOptionsGiven } from '../memory-backend/options.js';
import { MemoryStore } from '../memory-backend/store.js';
import { CLIENT_NAME_METADATA, ConnectionRegistry, peerOf, peerOfCall } from './connections.js';
import { faultApiHandler } from './faults/control-api.js';
import type { ServiceContext } from './grpc/context.js';
import { createGrpcServer, createServices } from './grpc/grpc-server.js';
import { httpHandler } from './http/http-handler.js';
import { type ClientListener, listen } from './listener.js';
import { loadStoreFile } from './load.js';
import { ServerMetrics } from './metrics.js';
import { clientUrl, listenUrls, type ServerOptions, tlsOption } from './options.js';
import { RewritingStream } from './transport/rewriting-stream.js';
import { HeaderEncoder } from './wire/message.js';

/** Counts of what a server holds, for leak checks. */
export interface ServerStats {
  /** Open client connections (gRPC and HTTP). */
  connections: number;
  /** Open gRPC streams (watch and keepalive). */
  streams: number;
  /** Clients on the store (one per connection that made a gRPC call). */
  clients: number;
  /** Watchers on the store. */
  watchers: number;
  /**
   * Open gRPC connections whose requests' `:authority` is rewritten for nghttp2 (Go clients given
   * endpoints with a scheme); every other connection is read natively.
   */
  rewritingConnections: number;
}

/** A running simulator server. */
export interface RunningServer extends AsyncDisposable {
  /** Client URLs to give to clients, e.g. `["http://127.0.0.1:41234"]`. */
  readonly endpoints: string[];
  /** The store served; tests may read it or connect in-process clients to it. */
  readonly store: MemoryStore;
  /** What the server holds right now. */
  stats(): ServerStats;
  /** End every stream (UNAVAILABLE "etcdserver: server stopped"), close every connection, stop listening. */
  close(): Promise<void>;
}

/** Start a server; see {@link ServerOptions}. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const tls = tlsOption(options.tls);
  const urls = listenUrls(options);
  if (options.store !== undefined) {
    const given = storeOptionsGiven(options);
    if (given.length > 0) {
      throw new InvalidArgumentError(`store options (${given.join(', ')}) cannot be given with store`);
    }
  }
  if (options.store !== undefined && options.load !== undefined) {
    throw new InvalidArgumentError('load and store cannot be given together');
  }
  const ownsStore = options.store === undefined;
  const store =
    options.store ??
    (options.load === undefined ? new MemoryStore(options) : loadStoreFile(options.load, options));
  const registry = new ConnectionRegistry(store);
  const streams = new Set<() => void>();
  const member = {
    name: options.name ?? 'default',
    clientUrls: [] as string[],
    peerUrls: options.peerUrls ?? ['http://localhost:2380'],
  };
  const ctx: ServiceContext = {
    store,
    headers: new HeaderEncoder(store.clusterId, store.memberId),
    member,
    clientFor: (call) => {
      const name = call.metadata?.get(CLIENT_NAME_METADATA)[0];
      return registry.clientFor(peerOfCall(call), typeof name === 'string' ? name : undefined);
    },
    embedded: async (use) => {
      const client = store.connect({ name: 'etcd-kv-kit-embedded' });
      try {
        return await use(client);
      } finally {
        await client.close();
      }
    },
    trackStream: (end) => {
      streams.add(end);
      return () => streams.delete(end);
    },
  };
  const metrics = new ServerMetrics();
  const services = createServices(ctx);
  const grpcServer = createGrpcServer(ctx, services, metrics);
  const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const gateway = {
    services,
    metrics,
    clientFor: (req: IncomingMessage) => registry.clientFor(peerOf(req.socket)),
  };
  const plainHttp = httpHandler({ store, gateway, metrics });
  let http = plainHttp;
  if (options.faultApi === true) {
    registry.useFaults();
    const faultApi = faultApiHandler(store, registry);
    http = (req, res) => {
      if (!faultApi(req, res)) plainHttp(req, res);
    };
  }
  const httpServer = createHttpServer(http);
  const rewriting = new Set<RewritingStream>();
  const route = (socket: Socket, protocol: 'grpc' | 'http', stream: Duplex): void => {
    if (protocol === 'http') {
      httpServer.emit('connection', socket);
      return;
    }
    if (!registry.acceptGrpc(socket)) return;
    injector.injectConnection(stream);
    if (stream instanceof RewritingStream) {
      rewriting.add(stream);
      socket.once('close', () => rewriting.delete(stream));
    }
  };
  const listeners: ClientListener[] = [];
  try {
    for (const url of urls) listeners.push(await listen(url, tls, (s) => registry.add(s), route));
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    injector.destroy();
    if (ownsStore) await store.close();
    throw error;
  }
  const advertised = (options.advertiseClientUrls ?? listeners.map((l) => l.url)).map((u) =>
    clientUrl('advertiseClientUrls', u, true).href.replace(/\/$/, ''),
  );
  member.clientUrls = advertised;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = Promise.all(listeners.map((l) => l.close()));
      for (const end of [...streams]) end();
      // Let the status frames go out, then close what is left.
      injector.drain(100);
      const sockets = registry.all().map((c) => c.socket);
      await Promise.race([
        Promise.all(sockets.map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r))))),
        new Promise((r) => setTimeout(r, 200).unref()),
      ]);
      for (const s of sockets) s.destroy();
      await Promise.all(sockets.map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r)))));
      injector.destroy();
      grpcServer.forceShutdown();
      httpServer.close();
      await stopped;
      await registry.close();
      if (ownsStore) await store.close();
    })();
    return closing;
  };
  return {
    endpoints: advertised,
    store,
    stats: () => ({
      connections: registry.size,
      streams: streams.size,
      clients: store.clientCount,
      watchers: store.watcherCount,
      rewritingConnections: rewriting.size,
    }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
