/**
 * The server's open connections. Each gets, on its first gRPC call, its own client handle on the store
 * (per-connection state: watch streams, its name and its faults). A connection's calls find it by the
 * peer address grpc-js reports; when the socket closes, its clients close with it. A call that sends
 * `etcd-kv-kit-client` metadata gets the client of that name on its connection (gRPC clients in one
 * process may share a connection); other calls get the connection's client, named by its peer address.
 * The fault API targets clients by these names.
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
  /** The connection's client on the store for calls that send no name, made on first use. */
  client: MemoryBackend | undefined;
  /** Its clients for calls that name themselves (etcd-kv-kit-client metadata), by name. */
  readonly named: Map<string, MemoryBackend>;
  /** It speaks gRPC (not plain HTTP). */
  grpc: boolean;
}

/** The gRPC metadata key a client sets to name its connection for the fault API. */
export const CLIENT_NAME_METADATA = 'etcd-kv-kit-client';

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
  #faultsInUse = false;

  constructor(store: MemoryStore) {
    this.#store = store;
  }

  /** Open connections. */
  get size(): number {
    return this.#byPeer.size;
  }

  /** Track `socket` until it closes. */
  add(socket: Socket): Connection {
    const connection: Connection = {
      peer: peerOf(socket),
      socket,
      client: undefined,
      named: new Map(),
      grpc: false,
    };
    this.#byPeer.set(connection.peer, connection);
    socket.once('close', () => {
      if (this.#byPeer.get(connection.peer) === connection) this.#byPeer.delete(connection.peer);
      const clients = [connection.client, ...connection.named.values()];
      connection.client = undefined;
      connection.named.clear();
      for (const client of clients) void client?.close();
    });
    return connection;
  }

  /**
   * The client for a call on the connection with this peer address: the one for `name` when the call
   * names itself (clients that share a connection stay apart), else the connection's own, named by its
   * peer address.
   */
  clientFor(peer: string, name?: string): MemoryBackend {
    const connection = this.#byPeer.get(peer);
    if (connection === undefined) {
      this.#fallback ??= this.#store.connect();
      return this.#fallback;
    }
    // The server relays etcd's answers; the remote client applies its own retries and deadlines.
    if (name) {
      let client = connection.named.get(name);
      if (client === undefined) {
        client = this.#store.connect({ name, relay: true });
        connection.named.set(name, client);
      }
      return client;
    }
    connection.client ??= this.#store.connect({ name: peer, relay: true });
    return connection.client;
  }

  /**
   * `socket` turned out to speak gRPC: note it, or — while the store's server is down (a fault: a
   * killed etcd accepts no connection) — refuse it. Returns false when refused.
   */
  acceptGrpc(socket: Socket): boolean {
    if (this.#faultsInUse && this.#store.faults.serverDown) {
      socket.destroy();
      return false;
    }
    const connection = this.#byPeer.get(peerOf(socket));
    if (connection !== undefined) connection.grpc = true;
    return true;
  }

  /** Fault API in use: gRPC connections are refused while the server is down. */
  useFaults(): void {
    this.#faultsInUse = true;
  }

  /** Close every gRPC connection (a simulated server kill); plain HTTP, the fault API's own, stays. */
  dropGrpc(): void {
    for (const connection of this.#byPeer.values()) if (connection.grpc) connection.socket.destroy();
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
