/**
 * etcd v3 watch types. Two levels:
 *
 * - {@link WatchStream} mirrors etcd's bidirectional Watch stream: many watchers on one stream, create,
 *   cancel and progress requests in, {@link WatchResponse}s out. A gRPC server is a thin layer over it.
 * - {@link Watcher} is one watcher consumed as an async iterator, the shape most callers want.
 */

import type { Bytes, KeyValue, ResponseHeader } from './kv.js';

/** WatchCreateRequest.FilterType: drop PUT or DELETE events server-side. */
export type WatchFilter = 'NOPUT' | 'NODELETE';

/** WatchCreateRequest. `rangeEnd` follows the range conventions; an empty key means "\0". */
export interface WatchCreateRequest {
  key: Bytes;
  rangeEnd?: Bytes;
  /**
   * First revision to deliver, inclusive. 0 or absent means "now" (current revision + 1), not
   * "from the beginning". A revision above the current one is allowed: events arrive when it is reached.
   */
  startRevision?: number;
  /**
   * Ask for periodic progress notifications when idle (every 10 minutes by default; etcd's
   * --experimental-watch-progress-notify-interval). See {@link WatchResponse} for what they promise.
   */
  progressNotify?: boolean;
  filters?: WatchFilter[];
  /** Attach each event's previous KeyValue (omitted when it lies below the compact revision). */
  prevKv?: boolean;
  /** Client-chosen watch ID (stream level only); absent or 0 lets the stream assign one. */
  watchId?: number;
  /** Allow splitting very large responses (accepted for fidelity). */
  fragment?: boolean;
}

/** mvccpb.Event. A DELETE carries `{key, modRevision}` with every other field zeroed. */
export interface WatchEvent {
  type: 'PUT' | 'DELETE';
  kv: KeyValue;
  prevKv?: KeyValue;
}

/**
 * WatchResponse, as etcd sends it.
 * - created: the reply to a create; always before any event of that watcher.
 * - canceled: the watcher is gone. With `compactRevision ≠ 0` its start (or its position, for a slow
 *   watcher) was compacted away (the watcher keeps its ID until cancelled); with `cancelReason` the create
 *   was refused.
 * - progress: no events, not created or canceled, compactRevision 0. What it promises depends on the etcd
 *   release (the memory backend follows its `etcdVersion` option; the etcd backend passes on what its
 *   server sends):
 *   - A periodic notice (`progressNotify`, watchId of the watcher) goes only to a synced watcher that got
 *     no event since the last one: every event of that watcher up to header.revision has been delivered.
 *     Before 3.4.38, 3.5.22 and 3.6.2 a watcher whose start revision is still ahead gets them too, at the
 *     current revision, below its start.
 *   - A reply to {@link WatchStream.requestProgress} has watchId −1. Up to etcd 3.4.24 and 3.5.7 (3.4.23
 *     measured) it is sent at once, even while a watcher is still replaying history: it can come before
 *     replayed events and overtake queued ones, so it does NOT mean everything up to header.revision was
 *     delivered. From 3.4.25 and 3.5.8 on, and in 3.6, it is sent only when every watcher on the stream is
 *     synced (and, from 3.4.38, 3.5.22 and 3.6.2, has reached its start revision), and then it does mean
 *     that for every watcher of the stream; otherwise 3.4.25–3.4.30 and 3.5.8–3.5.12 hold it until they
 *     are, and later releases send nothing. They also send nothing on a stream with no watcher.
 *   See `ProgressRequestMode` and `EtcdBehaviour` (etcd-kv-kit/memory) for the exact list.
 */
export interface WatchResponse {
  header: ResponseHeader;
  watchId: number;
  created: boolean;
  canceled: boolean;
  compactRevision: number;
  cancelReason: string;
  fragment: boolean;
  events: WatchEvent[];
}

/**
 * etcd's Watch stream: requests in through the methods, responses out through async iteration.
 * Iteration ends when the stream is closed; it throws when the stream fails (for example
 * {@link WatchCanceledError} when the backend closes).
 */
export interface WatchStream extends AsyncIterable<WatchResponse>, AsyncDisposable {
  /** Send a WatchCreateRequest; its reply (created, or created + canceled) comes on the stream. */
  create(request: WatchCreateRequest): void;
  /**
   * Send a WatchCancelRequest; the reply is a canceled response with that watch ID. An unknown ID gets no
   * reply. A watcher canceled for compaction is not unknown: as in etcd, it keeps its ID (a create with it
   * is refused as a duplicate) until cancelled, and that cancel is answered.
   */
  cancel(watchId: number): void;
  /**
   * Send a WatchProgressRequest. The reply, if any, has watchId −1; whether it comes while a watcher is not
   * synced, and what it then promises, depends on the etcd release (see {@link WatchResponse}).
   */
  requestProgress(): void;
  /** Close the stream, cancelling every watcher on it. */
  close(): void;
}

/** Options for {@link KvBackend.watch}. */
export interface WatchOptions {
  /** Aborting ends the iteration quietly and cancels the watcher. */
  signal?: AbortSignal;
}

/**
 * One watcher, consumed as an async iterator of responses carrying events or progress notices
 * (`events` empty). Creation replies are not yielded; {@link Watcher.created} resolves with them.
 *
 * Iteration throws {@link CompactedError} (carrying the compact revision) when the watcher's start or
 * position was compacted away, and {@link WatchCanceledError} when the backend cancels it for another
 * reason (its `reason` carries etcd's cancel_reason). It ends without error when cancelled by the caller.
 */
export interface Watcher extends AsyncIterable<WatchResponse>, AsyncDisposable {
  /** Resolves with the creation reply: its watchId, and header.revision at creation. */
  readonly created: Promise<WatchResponse>;
  /**
   * Ask for a progress notice; it arrives in the iteration as a response with no events. Current etcd sends
   * it only once this watcher is synced (and past its start revision), so it may never come; up to 3.4.24
   * and 3.5.7 it comes at once, possibly before replayed events (see {@link WatchResponse}).
   */
  requestProgress(): void;
  /** Cancel the watcher and end the iteration. */
  cancel(): Promise<void>;
}
