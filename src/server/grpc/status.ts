/**
 * Errors to gRPC statuses, in one place. The store throws the shared error classes, which carry etcd's
 * own status code and message; anything else is a bug of ours and answers UNKNOWN with its text, as
 * etcd answers errors it did not map.
 */

import { type EtcdError, GrpcStatus, InvalidArgumentError } from '../../interface/errors.js';

/** A gRPC status to end a call with. */
export interface RpcStatus {
  code: number;
  details: string;
}

/** etcd's text when a unary request cannot be decoded (grpc-go's). */
export function unmarshalStatus(reason: string): RpcStatus {
  return { code: GrpcStatus.INTERNAL, details: `grpc: error unmarshalling request: ${reason}` };
}

/** etcd's text when a message on a stream cannot be decoded; the stream ends with it. */
export function streamUnmarshalStatus(reason: string): RpcStatus {
  return { code: GrpcStatus.INTERNAL, details: `grpc: failed to unmarshal the received message ${reason}` };
}

/** The status etcd answers when its server stops under a call. */
export const STOPPED: RpcStatus = { code: GrpcStatus.UNAVAILABLE, details: 'etcdserver: server stopped' };

/** The status for an error thrown while serving a call. */
export function toStatus(error: unknown): RpcStatus {
  if (error instanceof InvalidArgumentError) {
    // Raised by our own request translation for values etcd's types cannot hold; etcd has no text.
    return { code: GrpcStatus.INVALID_ARGUMENT, details: error.message };
  }
  if (error instanceof Error && 'grpcCode' in error) {
    const e = error as EtcdError;
    return { code: e.grpcCode, details: e.message };
  }
  return { code: GrpcStatus.UNKNOWN, details: error instanceof Error ? error.message : String(error) };
}

/** Rewrite grpc-js's own transport texts into grpc-go's, which etcd clients recognise. */
export function goTransportText(details: string): string {
  const tooLarge = /^Received message larger than max \((\d+) vs (\d+)\)$/.exec(details);
  if (tooLarge) return `grpc: received message larger than max (${tooLarge[1]} vs. ${tooLarge[2]})`;
  return details;
}
