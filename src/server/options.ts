/** Options of the simulator server, and their checks. */

import { describe } from '../common/validate.js';
import { InvalidArgumentError } from '../interface/errors.js';
import type { MemoryStoreOptions } from '../memory-backend/options.js';
import type { MemoryStore } from '../memory-backend/store.js';
import type { ListenerTls } from './listener.js';

/** Options for {@link startServer}. Store options make a new store; `store` serves an existing one. */
export interface ServerOptions extends MemoryStoreOptions {
  /** Serve this store (its other clients share it) instead of a new one; then no store options. */
  store?: MemoryStore;
  /**
   * Start from this file: a snapshot (`store.snapshot()`, or `etcdctl snapshot save` against a simulator)
   * or a fixture of keys (`{ "config/a": "1" }`). Checked whole before serving; a bad file rejects with
   * StoreFileError naming the file and the problem. Not with `store`.
   */
  load?: string;
  /**
   * URLs to listen on for client traffic, gRPC and HTTP on each (etcd's --listen-client-urls).
   * Default: `http://127.0.0.1:0`, a free port on loopback. `https://` URLs need `tls`.
   */
  listenClientUrls?: string[];
  /** URLs to report to clients (MemberList, `endpoints`); default: the listen URLs with their bound ports. */
  advertiseClientUrls?: string[];
  /** Server certificate and key, and optionally client-certificate verification. */
  tls?: ListenerTls;
  /** The member's name in MemberList (etcd's --name, default "default"). */
  name?: string;
  /** Peer URLs MemberList reports (no peer traffic is served; etcd's default is http://localhost:2380). */
  peerUrls?: string[];
  /**
   * Serve the fault control API (HTTP JSON under /faults/v1/ on each client URL, loopback peers only):
   * partitions, lost replies, injected errors, latency, watch and lease faults, paused clients, server
   * restart and freeze, and — with a ManualClock as `clock` — moving time. Off by default.
   */
  faultApi?: boolean;
}

/** The listen URLs, checked. */
export function listenUrls(options: ServerOptions): URL[] {
  const given = options.listenClientUrls ?? ['http://127.0.0.1:0'];
  if (!Array.isArray(given) || given.length === 0) {
    throw new InvalidArgumentError(`listenClientUrls must be a non-empty array, received ${describe(given)}`);
  }
  return given.map((u) => clientUrl('listenClientUrls', u, options.tls !== undefined));
}

/** One client URL: http or https, a host, a port, nothing else. */
export function clientUrl(name: string, value: unknown, haveTls: boolean): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new InvalidArgumentError(`${name}: ${describe(value)} is not a URL like http://127.0.0.1:2379`);
  }
  if (typeof value !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError(`${name}: ${describe(value)} must start with http:// or https://`);
  }
  if (url.pathname !== '/' || url.search !== '' || url.username !== '') {
    throw new InvalidArgumentError(`${name}: ${describe(value)} must be scheme://host:port only`);
  }
  if (url.protocol === 'https:' && !haveTls) {
    throw new InvalidArgumentError(
      `${name}: ${describe(value)} is https, but no certificate and key were given`,
    );
  }
  return url;
}

/** The TLS option, checked. */
export function tlsOption(tls: ListenerTls | undefined): ListenerTls | undefined {
  if (tls === undefined) return undefined;
  if (tls.cert === undefined || tls.key === undefined) {
    throw new InvalidArgumentError('tls needs both cert and key');
  }
  if (tls.clientCertAuth === true && tls.ca === undefined) {
    throw new InvalidArgumentError('tls.clientCertAuth needs tls.ca, the CA that signs client certificates');
  }
  return tls;
}
