/**
 * A socket seen through an {@link AuthorityRewriter}: what grpc-js gets for a connection whose requests
 * carry an authority nghttp2 refuses. Reads are rewritten (and each request tagged with the client's
 * address), writes go straight to the socket. Node's HTTP/2
 * server reads a JavaScript stream through a JSStreamSocket, which is slower than the socket's native
 * handle (the lead measured ~25–30% fewer puts per second), so only these connections take this path.
 */

import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { PEER_HEADER, peerOf } from '../connections.js';
import { AuthorityRewriter } from './authority-rewriter.js';

/** The rewritten connection of one client socket. */
export class RewritingStream extends Duplex {
  readonly #socket: Socket;
  readonly #rewriter: AuthorityRewriter;

  /** `received`: what the client sent before the handover (from its preface on). */
  constructor(socket: Socket, received: Buffer) {
    super();
    this.#socket = socket;
    // Node's HTTP/2 session over a JavaScript stream cannot tell the client's address, so grpc-js reports
    // every call's peer as "unknown"; each request carries it instead (see peerOfCall in connections.ts).
    this.#rewriter = new AuthorityRewriter([PEER_HEADER, peerOf(socket)]);
    this.#forward(received);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.once('close', this.#onClose);
  }

  /** The client socket. */
  get socket(): Socket {
    return this.#socket;
  }

  /** Header blocks rewritten so far. */
  get rewrittenBlocks(): number {
    return this.#rewriter.rewrittenBlocks;
  }

  readonly #onData = (chunk: Buffer): void => this.#forward(chunk);
  readonly #onEnd = (): void => {
    this.push(null);
  };
  readonly #onClose = (): void => {
    this.destroy();
  };

  #forward(chunk: Buffer): void {
    let pieces: Buffer[];
    try {
      pieces = this.#rewriter.push(chunk);
    } catch {
      // A bug of ours must cost this connection, never the server (this runs in a socket's data event).
      this.destroy();
      return;
    }
    let more = true;
    for (const piece of pieces) more = this.push(piece) && more;
    if (!more) this.#socket.pause();
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#socket.write(chunk, callback);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    // nghttp2 writes frames in bursts (JSStreamSocket corks this stream): one write to the socket for each.
    this.#socket.cork();
    for (const [i, { chunk }] of chunks.entries()) {
      this.#socket.write(chunk, i === chunks.length - 1 ? callback : undefined);
    }
    this.#socket.uncork();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onClose);
    this.#socket.destroy();
    callback(error);
  }
}
