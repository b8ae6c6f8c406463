/** What every gRPC service handler needs: the store, its clients per connection, and the server's facts. */

import type { MemoryBackend } from '../../memory-backend/memory-backend.js';
import type { MemoryStore } from '../../memory-backend/store.js';
import type { HeaderEncoder } from '../wire/message.js';

/** A call as the handlers see it: enough to find its connection (see peerOfCall in connections.ts). */
export interface PeerCall {
  getPeer(): string;
  readonly metadata?: { get(key: string): (string | Buffer)[] };
}

/** This member as MemberList describes it. */
export interface MemberInfo {
  readonly name: string;
  readonly clientUrls: readonly string[];
  readonly peerUrls: readonly string[];
}

/** Shared by the service handlers of one server. */
export interface ServiceContext {
  readonly store: MemoryStore;
  readonly headers: HeaderEncoder;
  readonly member: MemberInfo;
  /** The client handle of the connection `call` arrived on. */
  clientFor(call: PeerCall): MemoryBackend;
  /**
   * Run `use` on a short-lived client of the server's own, as etcd uses its embedded client: no
   * credentials, on no connection (so it works after the caller's connection is gone).
   */
  embedded<T>(use: (client: MemoryBackend) => Promise<T>): Promise<T>;
  /** Register an open stream call, so that server shutdown can end it; returns the unregister function. */
  trackStream(end: () => void): () => void;
}
