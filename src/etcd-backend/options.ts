/** Options for {@link EtcdBackend}. */

import type { AuthCredentials } from '../interface/auth.js';
import type { Bytes } from '../interface/kv.js';

/** How to reach and talk to an etcd cluster. */
export interface EtcdBackendOptions {
  /**
   * One or more client endpoints; calls fail over between them. Each is "host:port" or an http(s) URL
   * with a port ("http://127.0.0.1:2379", "https://etcd-1:2379"). A string may list several separated by
   * commas, as etcdctl's `--endpoints` does. Checked in the constructor: InvalidArgumentError otherwise.
   */
  endpoints: string | string[];
  /**
   * Run as this user. With a user name and password a token is fetched with Auth.Authenticate and fetched
   * again when etcd refuses it (expired or invalid, no user, or an old auth revision), and the refused
   * request is resent once; while auth is off no token is sent. A `token` is sent as given, never renewed.
   */
  auth?: AuthCredentials;
  /** TLS material as PEM (Buffer or string). Any `https://` endpoint turns TLS on. */
  tls?: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string };
  /** Longest wait for a connection to any endpoint before failing with UnavailableError (default 3000 ms). */
  dialTimeoutMs?: number;
  /** Deadline of each unary request, connection and retries included (default 5000 ms). */
  requestTimeoutMs?: number;
  /** Prefix applied to every key, range, compare and watch, and stripped from responses. */
  namespace?: Bytes;
  /**
   * Extra gRPC metadata sent with every call, e.g. `{ 'etcd-kv-kit-client': 'worker-1' }`, which names
   * the connection for the simulator server's fault API. Keys are lower-case ASCII.
   */
  metadata?: Record<string, string>;
  /** Extra grpc-js channel options (merged over the adapter's failover-friendly defaults). */
  grpcOptions?: Record<string, string | number>;
}

/** Defaults, chosen for fast failover on a cluster whose members can die. */
export const DEFAULTS = {
  dialTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
  /** grpc-js reconnects quickly after a member restarts instead of backing off to 2 minutes. */
  grpcOptions: {
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
    // Detect a silently dead connection while calls are active (etcd's minimum ping interval is 5 s).
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 0,
    'grpc.max_receive_message_length': -1,
  },
} as const;
