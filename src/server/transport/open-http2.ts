/**
 * Take an HTTP/2 client socket through its opening (see http2-opening.ts) and give the HTTP/2 server
 * either the socket itself, with what was read put back, or a {@link RewritingStream} over it.
 */

import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { OpeningReader, type OpeningStep } from './http2-opening.js';
import { RewritingStream } from './rewriting-stream.js';

/**
 * Read `socket` (whose first octets, `received`, start with the HTTP/2 preface) until its connection can
 * be handed over, then call `ready` with what the HTTP/2 server should read. A client that has not
 * finished the handshake within `timeoutMs` is disconnected; one that closes first is just dropped.
 */
export function openHttp2(
  socket: Socket,
  received: Buffer,
  timeoutMs: number,
  ready: (connection: Duplex) => void,
): void {
  const reader = new OpeningReader();
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  const stop = (): void => {
    clearTimeout(timer);
    socket.off('data', take);
    socket.off('close', stop);
  };
  function take(chunk: Buffer): void {
    let step: OpeningStep;
    try {
      step = reader.push(chunk);
    } catch {
      // A bug of ours must cost this connection, never the server (this runs in a socket's data event).
      stop();
      socket.destroy();
      return;
    }
    if (step.reply !== undefined) socket.write(step.reply);
    if (step.handover === undefined) {
      if (reader.settled) clearTimeout(timer);
      return;
    }
    stop();
    socket.pause();
    if (step.handover.rewrite) {
      ready(new RewritingStream(socket, step.handover.bytes));
    } else {
      // Node's HTTP/2 reads the socket's native handle and picks up the octets put back on its next
      // tick; resuming the socket here would start a second reader.
      socket.unshift(step.handover.bytes);
      ready(socket);
    }
  }
  socket.on('data', take);
  socket.once('close', stop);
  take(received);
}
