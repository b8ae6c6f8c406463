/**
 * The two handler shapes the services use, wrapped for grpc-js: a unary call answered from a promise,
 * and a bidirectional stream. Decode failures and thrown errors become etcd's statuses here, so the
 * service files hold only the translation onto the store.
 */

import type * as grpc from '@grpc/grpc-js';
import type { RequestCredentials } from '../../memory-backend/auth/caller.js';
import type { MemoryBackend } from '../../memory-backend/memory-backend.js';
import type { MemoryCallOptions } from '../../memory-backend/options.js';
import type { Caller } from '../concurrency/caller.js';
import type { WireMessage } from '../wire/message.js';
import { DecodeFailure } from './codec.js';
import type { ServiceContext } from './context.js';
import { type RpcStatus, STOPPED, toStatus } from './status.js';

/** What a request carries besides its message: the caller's credentials, as etcd reads them. */
export interface RequestMeta {
  /** The auth token from metadata `token` (or `authorization`). */
  readonly token: string | undefined;
  /** The common name of the client certificate verified by TLS (etcd's --client-cert-auth). */
  readonly certCommonName: string | undefined;
  /**
   * A unary call's: aborted when the caller cancels or its deadline passes, so that a request still
   * waiting (on a simulated fault) stops. Passed on to the client as its CallOptions.
   */
  readonly signal?: AbortSignal;
}

/** The options that run a client call as the request's caller, ended when the call is (unary calls). */
export function callAs(meta: RequestMeta): MemoryCallOptions {
  const options: MemoryCallOptions = { credentials: credentialsOf(meta) };
  if (meta.signal !== undefined) options.signal = meta.signal;
  return options;
}

/** The caller of a Lock or Election request: its connection's client, its call options, the embedded client. */
export function caller(ctx: ServiceContext, client: MemoryBackend, meta: RequestMeta): Caller {
  return { client, as: callAs(meta), embedded: ctx.embedded };
}

/** The request's credentials as the store reads them. */
export function credentialsOf(meta: RequestMeta): RequestCredentials {
  return { token: meta.token, commonName: meta.certCommonName };
}

/** A unary RPC: the request, decoded; resolves with the response message. */
export type UnaryHandler = (
  client: MemoryBackend,
  request: WireMessage,
  meta: RequestMeta,
) => Promise<WireMessage>;

/** A bidirectional streaming RPC. */
export type BidiHandler = (
  call: grpc.ServerDuplexStream<WireMessage | DecodeFailure, WireMessage>,
  client: MemoryBackend,
  meta: RequestMeta,
) => void;

/** A server-streaming RPC: the request, decoded; yields the response messages in order. */
export type ServerStreamHandler = (
  client: MemoryBackend,
  request: WireMessage,
  meta: RequestMeta,
) => AsyncIterable<WireMessage>;

/** A service's handlers by method name. */
export interface ServiceHandlers {
  unary?: Record<string, UnaryHandler>;
  bidi?: Record<string, BidiHandler>;
  serverStream?: Record<string, ServerStreamHandler>;
  /** Unary methods that can wait indefinitely (Lock, Campaign): they always get a `signal`. */
  waits?: ReadonlySet<string>;
}

/**
 * A handler that runs the request the way etcd runs its Lock and Election services: through a client
 * embedded in the server. Whatever that client fails with reaches the caller as grpc-go answers a plain
 * Go error: UNKNOWN, with etcd's text (measured on etcd 3.4.23: a missing lease is UNKNOWN "etcdserver:
 * requested lease not found", not NOT_FOUND).
 */
export function viaEmbeddedClient(handler: UnaryHandler): UnaryHandler {
  return async (client, request, meta) => {
    try {
      return await handler(client, request, meta);
    } catch (error) {
      throw new Error(toStatus(error).details);
    }
  };
}

/** The credentials of a gRPC call. */
export function requestMeta(call: {
  metadata: grpc.Metadata;
  getAuthContext?(): { sslPeerCertificate?: { subject?: { CN?: string | string[] } } };
}): RequestMeta {
  const first = (key: string): string | undefined => {
    const v = call.metadata.get(key)[0];
    return v === undefined ? undefined : String(v);
  };
  const cn = call.getAuthContext?.().sslPeerCertificate?.subject?.CN;
  return {
    token: first('token') ?? first('authorization'),
    certCommonName: Array.isArray(cn) ? cn[0] : cn,
  };
}

function asServiceError(status: RpcStatus): grpc.ServerErrorResponse {
  return Object.assign(new Error(status.details), { code: status.code, details: status.details });
}

/** grpc-js's unary handler for `handler`. */
export function unaryCall(
  ctx: ServiceContext,
  handler: UnaryHandler,
  waits = false,
): grpc.handleUnaryCall<WireMessage | DecodeFailure, WireMessage> {
  return (call, callback) => {
    const request = call.request;
    if (request instanceof DecodeFailure) {
      callback(asServiceError(request.unary));
      return;
    }
    // Only a request that can wait (on a simulated fault) needs to learn that its caller gave up; and it
    // is aborted only then (grpc-js also reports 'cancelled' for calls that were answered: an abort then
    // would cost a DOMException per call for nothing).
    let answered = false;
    let signal: AbortSignal | undefined;
    if (waits || ctx.store.faultsInUse) {
      const cancelled = new AbortController();
      call.once('cancelled', () => {
        if (!answered) cancelled.abort();
      });
      signal = cancelled.signal;
    }
    const answer: grpc.sendUnaryData<WireMessage> = (error, response) => {
      answered = true;
      callback(error, response);
    };
    let result: Promise<WireMessage>;
    try {
      const meta = requestMeta(call);
      result = handler(ctx.clientFor(call), request, signal === undefined ? meta : { ...meta, signal });
    } catch (error) {
      answer(asServiceError(toStatus(error)));
      return;
    }
    result.then(
      (response) => answer(null, response),
      (error: unknown) => answer(asServiceError(toStatus(error))),
    );
  };
}

/** grpc-js's bidi handler for `handler`. */
export function bidiCall(
  ctx: ServiceContext,
  handler: BidiHandler,
): grpc.handleBidiStreamingCall<WireMessage | DecodeFailure, WireMessage> {
  return (call) => {
    let client: MemoryBackend;
    try {
      client = ctx.clientFor(call);
    } catch (error) {
      endWithStatus(call, toStatus(error));
      return;
    }
    handler(call, client, requestMeta(call));
  };
}

/** grpc-js's server-streaming handler for `handler`: each message written as the call can take it. */
export function serverStreamCall(
  ctx: ServiceContext,
  handler: ServerStreamHandler,
): grpc.handleServerStreamingCall<WireMessage | DecodeFailure, WireMessage> {
  return (call) => {
    const request = call.request;
    if (request instanceof DecodeFailure) {
      call.emit('error', asServiceError(request.unary));
      return;
    }
    let finished = false;
    // Aborted once the call is over, so that a stream waiting for its next message (Observe) stops.
    const over = new AbortController();
    const untrack = ctx.trackStream(() => {
      if (finished) return;
      finished = true;
      over.abort();
      call.emit('error', asServiceError(STOPPED));
    });
    const finish = (): void => {
      finished = true;
      over.abort();
      untrack();
    };
    call.on('cancelled', finish);
    call.on('close', finish);
    void (async () => {
      try {
        const meta = { ...requestMeta(call), signal: over.signal };
        for await (const message of handler(ctx.clientFor(call), request, meta)) {
          if (finished) return;
          if (!call.write(message)) await drained(call);
        }
        if (!finished) {
          finish();
          call.end();
        }
      } catch (error) {
        if (finished) return;
        finish();
        call.emit('error', asServiceError(toStatus(error)));
      }
    })();
  };
}

/** Resolves when `call` can take more writes, or has ended. */
export function drained(call: {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
  });
}

/** End a stream call with `status` (an error status; OK ends it with call.end()). */
export function endWithStatus(call: grpc.ServerDuplexStream<unknown, unknown>, status: RpcStatus): void {
  if (call.destroyed || call.writableEnded) return;
  call.emit('error', asServiceError(status));
}
