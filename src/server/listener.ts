/**
 * The client port: a TCP (or TLS) listener whose connections carry either gRPC (HTTP/2) or plain
 * HTTP/1.1, told apart by their first bytes, as etcd serves both on one port. The listener owns the
 * sockets and hands each to the gRPC server or the HTTP server.
 */

import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

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

/** The HTTP/2 connection preface starts with these bytes; HTTP/1.1 starts with a method. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** How long a connection may stay silent before its protocol is known. */
const SNIFF_TIMEOUT_MS = 30_000;

/** Read enough of `socket` to tell HTTP/2 from HTTP/1.1, then put the bytes back. */
function sniff(socket: Socket, route: (protocol: Protocol) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const timer = setTimeout(() => socket.destroy(), SNIFF_TIMEOUT_MS);
  const onData = (chunk: Buffer): void => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE.length);
    const isH2 = seen.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
    if (isH2 && n < H2_PREFACE.length) return; // could still be the preface
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    socket.unshift(seen);
    // HTTP/2 reads the socket natively and picks up the bytes put back on its next tick; a resume here
    // would start a second reader. HTTP/1.1 reads through the stream, which must flow again.
    route(isH2 ? 'grpc' : 'http');
    if (!isH2) socket.resume();
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
  route: (socket: Socket, protocol: Protocol) => void,
): Promise<ClientListener> {
  const onSocket = (socket: Socket): void => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    accept(socket);
    sniff(socket, (protocol) => route(socket, protocol));
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
