/**
 * The server's open connections. Each gets, on its first gRPC call, its own client handle on the store
 * (per-connection state: watch streams; later identity and faults). A connection's calls find it by
 * the peer address grpc-js reports; when the socket closes, its client closes with it.
 */

import type { Socket } from 'node:net';
import type { MemoryBackend } from '../memory-backend/memory-backend.js';
import type { MemoryStore } from '../memory-backend/store.js';
import type { PeerCall } from './grpc/context.js';

/** One accepted connection. */
export interface Connection {
  /** "127.0.0.1:54321", as grpc-js's getPeer() spells it. */
  readonly peer: string;
  readonly socket: Socket;
  /** The connection's client on the store, made on first use. */
  client: MemoryBackend | undefined;
}

/** grpc-js's peer string for a socket. */
export function peerOf(socket: Pick<Socket, 'remoteAddress' | 'remotePort'>): string {
  // grpc-js joins address and port with a colon, without brackets even for IPv6.
  const address = socket.remoteAddress ?? 'unknown';
  return socket.remotePort ? `${address}:${socket.remotePort}` : address;
}

/**
 * Request header in which the transport gives the peer of a connection that grpc-js reads through a
 * JavaScript stream (transport/rewriting-stream.ts): its HTTP/2 session cannot tell the address.
 */
export const PEER_HEADER = 'etcd-kv-kit-peer';

/**
 * The peer a call's connection is registered under: grpc-js's getPeer(), or when that is "unknown" (a
 * rewritten connection), the last {@link PEER_HEADER} value — the transport appends it after whatever
 * the client sent. The header is never trusted when grpc-js knows the address.
 */
export function peerOfCall(call: PeerCall): string {
  const peer = call.getPeer();
  if (peer !== 'unknown') return peer;
  const tagged = call.metadata?.get(PEER_HEADER).at(-1);
  return typeof tagged === 'string' ? tagged : peer;
}

/** Connections by peer. */
export class ConnectionRegistry {
  readonly #store: MemoryStore;
  readonly #byPeer = new Map<string, Connection>();
  /** The client for calls whose connection is not registered (never expected; kept for safety). */
  #fallback: MemoryBackend | undefined;

  constructor(store: MemoryStore) {
    this.#store = store;
  }

  /** Open connections. */
  get size(): number {
    return this.#byPeer.size;
  }

  /** Track `socket` until it closes. */
  add(socket: Socket): Connection {
    const connection: Connection = { peer: peerOf(socket), socket, client: undefined };
    this.#byPeer.set(connection.peer, connection);
    socket.once('close', () => {
      if (this.#byPeer.get(connection.peer) === connection) this.#byPeer.delete(connection.peer);
      const client = connection.client;
      connection.client = undefined;
      void client?.close();
    });
    return connection;
  }

  /** The client of the connection with this peer address. */
  clientFor(peer: string): MemoryBackend {
    const connection = this.#byPeer.get(peer);
    if (connection === undefined) {
      this.#fallback ??= this.#store.connect();
      return this.#fallback;
    }
    connection.client ??= this.#store.connect();
    return connection.client;
  }

  /** Every open connection. */
  all(): Connection[] {
    return [...this.#byPeer.values()];
  }

  /** Close the fallback client. */
  async close(): Promise<void> {
    await this.#fallback?.close();
    this.#fallback = undefined;
  }
}
