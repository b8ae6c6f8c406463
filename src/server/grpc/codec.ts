/**
 * Message (de)serialization for grpc-js. Requests are decoded as etcd's own generated code decodes them
 * (wire/unmarshal.ts). Decoding never throws into grpc-js (which would answer its own text): a message
 * that does not decode becomes a {@link DecodeFailure} that the handler answers with etcd's status, so
 * the client sees what grpc-go would have said.
 */

import type protobuf from 'protobufjs';
import type { WireMessage } from '../wire/message.js';
import { UnmarshalError, unmarshaller } from '../wire/unmarshal.js';
import { type RpcStatus, streamUnmarshalStatus, unmarshalStatus } from './status.js';

/**
 * A request message that cannot be served, in place of the message: bytes that did not decode, or one
 * the transport refused. It carries the status that ends the call, for a unary call and for a stream
 * (grpc-go words them differently); handlers answer it in order with the messages before it.
 */
export class DecodeFailure {
  constructor(
    readonly unary: RpcStatus,
    readonly stream: RpcStatus,
  ) {}

  /** Bytes that did not decode; `reason` is gogo's error text. */
  static unmarshal(reason: string): DecodeFailure {
    return new DecodeFailure(unmarshalStatus(reason), streamUnmarshalStatus(reason));
  }
}

/** Serialize and deserialize functions for one message type. */
export interface Codec<T> {
  serialize(value: T): Buffer;
  deserialize(bytes: Buffer): WireMessage | DecodeFailure;
}

/** A codec for `type`; responses are plain objects shaped like the message. */
export function codecFor<T extends object>(type: protobuf.Type): Codec<T> {
  const decode = unmarshaller(type);
  return {
    serialize(value: T): Buffer {
      const bytes = type.encode(value as Record<string, unknown>).finish();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    deserialize(bytes: Buffer): WireMessage | DecodeFailure {
      try {
        return decode(bytes);
      } catch (error) {
        if (error instanceof UnmarshalError) return DecodeFailure.unmarshal(error.message);
        throw error;
      }
    },
  };
}
