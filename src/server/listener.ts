/**
 * The client port: a TCP (or TLS) listener whose connections carry either gRPC (HTTP/2) or plain
 * HTTP/1.1, told apart by their first bytes, as etcd serves both on one port. The listener owns the
 * sockets and hands each to the gRPC server or the HTTP server; an HTTP/2 connection first goes through
 * its opening (transport/open-http2.ts), which decides whether nghttp2 can read it as it is.
 */

import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { PREFACE } from './transport/frames.js';
import { openHttp2 } from './transport/open-http2.js';

/** TLS settings, as etcd's --cert-file, --key-file, --trusted-ca-file and --client-cert-auth give them. */
export interface ListenerTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA to verify client certificates against. */
  ca?: string | Buffer;
  /** Require a client certificate signed by `ca`. */
  clientCertAuth?: boolean;
}

/** Which server a connection goes to. */
export type Protocol = 'grpc' | 'http';

/**
 * Where an accepted connection goes: `stream` is what that server reads and writes — the socket itself,
 * or for a gRPC client whose `:authority` nghttp2 refuses, a RewritingStream over it.
 */
export type Route = (socket: Socket, protocol: Protocol, stream: Duplex) => void;

/** How long a connection may take to show its protocol, and an HTTP/2 one its handshake. */
const SNIFF_TIMEOUT_MS = 30_000;

/** Read enough of `socket` to tell HTTP/2 from HTTP/1.1, then route it. */
function sniff(socket: Socket, route: Route): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), SNIFF_TIMEOUT_MS);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && n < PREFACE.length) return; // could still be the preface
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    if (isH2) {
      openHttp2(socket, seen, SNIFF_TIMEOUT_MS, (stream) => route(socket, 'grpc', stream));
      return;
    }
    // HTTP/1.1 reads through the stream, which must flow again once the octets are back.
    socket.pause();
    socket.unshift(seen);
    route(socket, 'http', socket);
    socket.resume();
  };
  const onClose = (): void => clearTimeout(timer);
  socket.on('data', onData);
  socket.once('close', onClose);
}

/** A listening client port. */
export interface ClientListener {
  /** The URL clients use, with the port actually bound. */
  readonly url: string;
  /** Stop accepting connections (open ones are the caller's to close). */
  close(): Promise<void>;
}

/**
 * Listen on `url` (http:// or https://, host and port; port 0 picks a free one). `accept` sees every
 * connection first (to track it); `route` then gets it with its protocol.
 */
export async function listen(
  url: URL,
  tls: ListenerTls | undefined,
  accept: (socket: Socket) => void,
  route: Route,
): Promise<ClientListener> {
  const onSocket = (socket: Socket): void => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    accept(socket);
    sniff(socket, route);
  };
  let server: Server;
  if (url.protocol === 'https:') {
    if (tls === undefined) throw new Error(`${url.href} needs a certificate and key`);
    server = createTlsServer(
      {
        cert: tls.cert,
        key: tls.key,
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        requestCert: tls.clientCertAuth === true,
        rejectUnauthorized: tls.clientCertAuth === true,
        ALPNProtocols: ['h2', 'http/1.1'],
      },
      (socket: TLSSocket) => onSocket(socket),
    );
    // A failed handshake is the client's problem; it must never take the server down.
    server.on('tlsClientError', (_error, socket) => socket.destroy());
  } else {
    server = createNetServer(onSocket);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? 2379 : Number(url.port);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${url.protocol}//${hostPart}:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
